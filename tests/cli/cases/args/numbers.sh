# Whole numbers: plain, with underscores between digits, in exact scientific notation.
for n in 12000 12_000 1.2e4 12E3 1.2E+4 12000.0 120e2; do
  rootfeed gen "n$n.root" --entries "$n" --schema x:int16 && rootfeed ls "n$n.root"
done
