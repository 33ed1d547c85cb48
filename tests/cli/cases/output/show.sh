# show aligns columns of any name length and reports the real bytes of embedded baskets
# (stored inside the TTree record: their bytes and their share of its compressed size).
rootfeed gen long.root --entries 1000 --schema 'a_column_name_much_longer_than_the_old_thirty_two_characters:float32,x:int32[var]'
rootfeed show long.root
ln -s "$DATA/nanoAOD_2015_CMS_Open_Data_ttbar.root" nano.root
rootfeed show nano.root --columns 'run,event,nMuon,Muon_pt,Muon_eta'
ln -s "$DATA/Run2012BC_DoubleMuParked_Muons_1000evts_rntuple_v1-0-0-0.root" rn.root
rootfeed show rn.root
