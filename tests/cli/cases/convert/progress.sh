# A progress line on stderr while convert and gen run, when stderr is a terminal (a pty here;
# ROOTFEED_PROGRESS_DELAY=0 shows it at once instead of after a second); none otherwise.
export ROOTFEED_PROGRESS_DELAY=0
rootfeed gen in.root --entries 2e5 --schema x:float32 2> gen.err; echo "gen, stderr a file: exit $?, $(wc -c < gen.err) bytes"
python3 - <<'PY'
import os, pty, re, subprocess
for args in (["gen", "g.root", "--entries", "2e5", "--schema", "x:float32"],
             ["convert", "in.root", "c.root"], ["convert", "in.root", "c.csv"]):
    master, slave = pty.openpty()
    p = subprocess.Popen(["rootfeed"] + args, stderr=slave)
    os.close(slave)
    text = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        text += chunk
    p.wait()
    lines = [t for t in text.decode().split("\r") if t.strip() and t != "\x1b[K"]
    shown = [l for l in lines if re.fullmatch(r"rootfeed \w+: \d+ of 200000 entries \(\d+%\), \d+ s", l)]
    print("%s: exit %d, %s progress line(s), all of the form 'rootfeed %s: N of 200000 entries (P%%), "
          "T s': %s, cleared at the end: %s" % (args[0], p.returncode, "some" if shown else "no", args[0],
                                               len(shown) == len(lines), text.endswith(b"\r\x1b[K")))
PY
