# --columns: names and quoted wildcards in the order given, unknown names with the closest ones.
ln -s "$DATA/uproot-HZZ.root" HZZ.root
rootfeed dump HZZ.root events --columns 'NMuon,Muon_P?,MET_*' --entries 2
rootfeed dump HZZ.root events --columns 'MET_px,NMuon,MET_*,NMuon' --entries 1
rootfeed show HZZ.root --columns 'Jet_*'
rootfeed dump HZZ.root events --columns muon_px; echo "exit $?"
rootfeed dump HZZ.root events --columns NMuon,Muon_Pxx; echo "exit $?"
rootfeed dump HZZ.root events --columns 'Tau_*'; echo "exit $?"
rootfeed dump HZZ.root events --columns ,; echo "exit $?"
rootfeed convert HZZ.root out.root --columns nosuch; echo "exit $?"
ls
