"""readme_example.py - the README's C example, compiled and run exactly as written: the
```c block of its "## Example" section becomes muons.c, the ```sh block's lines run with bash
in a folder laid out like a checkout (include/ and build/ of this build, ../shared beside it),
and the program must print what the README says it prints ("It prints `...`").

Usage: readme_example.py README.md BUILD_DIR (ROOTFEED_SHARED names the shared folder).
Prints "N passed, N failed"; exit 1 on failure, 77 (skip) without the shared data unless
ROOTFEED_REQUIRE_DATA=1."""
import os
import re
import subprocess
import sys
import tempfile


def main():
    readme, build = sys.argv[1], os.path.abspath(sys.argv[2])
    shared = os.path.abspath(os.environ.get("ROOTFEED_SHARED", os.path.join(os.path.dirname(readme), "..", "shared")))
    if not os.path.isdir(os.path.join(shared, "data", "external")):
        need = os.environ.get("ROOTFEED_REQUIRE_DATA") == "1"
        print("readme_example: no shared data at %s" % shared)
        print("0 passed, %d failed" % need)
        return 1 if need else 77
    text = open(readme).read()
    section = text[text.index("## Example"):]
    section = section[:section.index("\n## ", 1)]
    code = re.search(r"```c\n(.*?)```", section, re.S).group(1)
    commands = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    promised = re.search(r"It prints `([^`]*)`", section).group(1)
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        repo = os.path.join(tmp, "repo")
        os.mkdir(repo)
        os.symlink(os.path.join(os.path.dirname(os.path.abspath(readme)), "include"), os.path.join(repo, "include"))
        os.symlink(build, os.path.join(repo, "build"))
        os.symlink(shared, os.path.join(tmp, "shared"))
        with open(os.path.join(repo, "muons.c"), "w") as f:
            f.write(code)
        r = subprocess.run(["bash", "-e", "-c", commands], cwd=repo, capture_output=True, text=True, timeout=300)
        out = r.stdout.strip()
        if r.returncode != 0 or out != promised:
            failed = 1
            print("FAIL: the README's commands exit %d, print %r (promised %r); stderr:\n%s" % (
                r.returncode, out, promised, r.stderr))
    print("%d passed, %d failed" % (1 - failed, failed))
    return failed


if __name__ == "__main__":
    sys.exit(main())
