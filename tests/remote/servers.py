#!/usr/bin/python3
"""Real servers on loopback for the remote-read tests: nginx (HTTP, and HTTPS with a
certificate made here by openssl) and xrootd (Debian's xrootd-server), serving a temporary
folder whose `external/` is the shared corpus (shared/data/external) and a few files of
their own. Each picks a free port; everything lives in a temporary folder removed at the end.

Usage: servers.py [--http] [--xrootd] [--serve DIR] -- COMMAND ...
Runs COMMAND with the servers up and these variables set, then stops them:
  ROOTFEED_HTTP   http://127.0.0.1:P         (nginx root: the served folder)
  ROOTFEED_HTTPS  https://localhost:P        (its certificate trusted through SSL_CERT_FILE
                                             and CURL_CA_BUNDLE)
  ROOTFEED_XROOTD root://127.0.0.1:P/        (xrootd, local root: the served folder; append
                                             /PATH: root://host:port//PATH is absolute)
  ROOTFEED_SERVED the served folder on disk (--serve DIR: DIR appears in it as `extra/`)
nginx locations besides the files: /missing -> 404, /secret/ -> 403, /login/ -> 401,
/broken/ -> 503, /single/ = the files with multi-range requests refused (max_ranges 1),
/moved/ = a 302 redirect to the files.
The exit status is COMMAND's; without the data or the servers: a message, and 0 (or 1 when
ROOTFEED_REQUIRE_DATA=1, as in CI).
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, what, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError("%s exited with status %d" % (what, proc.returncode))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("%s did not listen on port %d within %ds" % (what, port, timeout))


def find(prog, extra=("/usr/sbin", "/sbin")):
    p = shutil.which(prog)
    for d in extra:
        if not p and os.access(os.path.join(d, prog), os.X_OK):
            p = os.path.join(d, prog)
    return p


NGINX_CONF = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
{user}
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    default_type application/octet-stream;
    keepalive_requests 100000;
    server {{
        listen 127.0.0.1:{http};
        listen 127.0.0.1:{https} ssl http2;
        ssl_certificate {tmp}/cert.pem;
        ssl_certificate_key {tmp}/key.pem;
        root {www};
        location /missing {{ return 404; }}
        location /secret/ {{ return 403; }}
        location /login/ {{ return 401; }}
        location /broken/ {{ return 503; }}
        location /single/ {{ alias {www}/; max_ranges 1; }}
        location /moved/ {{ rewrite ^/moved/(.*)$ /$1 redirect; }}
    }}
}}
"""

XROOTD_CONF = """
xrd.port {port}
all.export /
oss.localroot {www}
all.adminpath {admin}
all.pidpath {admin}
"""


class Servers:
    def __init__(self, external):
        self.tmp = tempfile.mkdtemp(prefix="rootfeed-servers-")
        os.chmod(self.tmp, 0o755)
        self.www = os.path.join(self.tmp, "www")
        os.mkdir(self.www)
        # a copy, not a link: xrootd runs as nobody, who may not pass through the folders
        # above the checkout (a clone in a 0700 temporary folder); the corpus is 12 MB
        shutil.copytree(external, os.path.join(self.www, "external"))
        with open(os.path.join(self.www, "empty.bin"), "wb"):
            pass
        with open(os.path.join(self.www, "bytes.bin"), "wb") as f:  # 3 MiB + 7 of a known pattern
            f.write(bytes((i * 7 + (i >> 11)) & 0xFF for i in range(3 * 1024 * 1024 + 7)))
        self.procs = []
        self.env = {"ROOTFEED_SERVED": self.www}

    def log(self, name):
        return open(os.path.join(self.tmp, name), "wb")

    def start_nginx(self):
        nginx, openssl = find("nginx"), find("openssl")
        if not nginx or not openssl:
            raise FileNotFoundError("nginx or openssl is not installed (scripts/setup.sh installs them)")
        subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-keyout", os.path.join(self.tmp, "key.pem"),
                        "-out", os.path.join(self.tmp, "cert.pem")],
                       check=True, capture_output=True)
        http, https = free_port(), free_port()
        conf = os.path.join(self.tmp, "nginx.conf")
        user = "user root;" if os.geteuid() == 0 else ""
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(tmp=self.tmp, www=self.www, http=http, https=https, user=user))
        p = subprocess.Popen([nginx, "-p", self.tmp, "-c", conf, "-e", os.path.join(self.tmp, "nginx-error.log")],
                             stdout=self.log("nginx.out"), stderr=subprocess.STDOUT)
        self.procs.append(("nginx", p))
        wait_port(http, p, "nginx")
        wait_port(https, p, "nginx")
        self.env.update(ROOTFEED_HTTP="http://127.0.0.1:%d" % http, ROOTFEED_HTTPS="https://localhost:%d" % https,
                        SSL_CERT_FILE=os.path.join(self.tmp, "cert.pem"),
                        CURL_CA_BUNDLE=os.path.join(self.tmp, "cert.pem"))

    def start_xrootd(self):
        xrootd = find("xrootd")
        if not xrootd:
            raise FileNotFoundError("xrootd is not installed (scripts/setup.sh installs xrootd-server)")
        port = free_port()
        admin = os.path.join(self.tmp, "xrd-admin")
        os.mkdir(admin)
        cfg = os.path.join(self.tmp, "xrootd.cfg")
        with open(cfg, "w") as f:
            f.write(XROOTD_CONF.format(port=port, www=self.www, admin=admin))
        cmd = [xrootd, "-c", cfg, "-l", os.path.join(admin, "xrootd.log"), "-n", "rootfeed"]
        if os.geteuid() == 0:  # xrootd refuses to run as root
            import pwd
            nobody = pwd.getpwnam("nobody")
            os.chown(admin, nobody.pw_uid, nobody.pw_gid)
            cmd += ["-R", "nobody"]
        p = subprocess.Popen(cmd, stdout=self.log("xrootd.out"), stderr=subprocess.STDOUT)
        self.procs.append(("xrootd", p))
        wait_port(port, p, "xrootd")
        self.env["ROOTFEED_XROOTD"] = "root://127.0.0.1:%d/" % port

    def stop(self):
        for name, p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def logs(self):
        out = []
        for d, _, names in os.walk(self.tmp):
            for name in sorted(names):
                if name.endswith((".log", ".out")):
                    with open(os.path.join(d, name), errors="replace") as f:
                        tail = f.read()[-3000:]
                    if tail.strip():
                        out.append("---- %s\n%s" % (name, tail))
        return "\n".join(out)


def external_dir():
    shared = os.environ.get("ROOTFEED_SHARED") or os.path.join(REPO, "..", "shared")
    d = os.path.join(shared, "data", "external")
    return os.path.abspath(d) if os.path.isdir(d) else None


def main(argv):
    if "--" not in argv:
        print(__doc__)
        return 2
    k = argv.index("--")
    opts, cmd = argv[:k], argv[k + 1:]
    require = os.environ.get("ROOTFEED_REQUIRE_DATA") == "1"
    ext = external_dir()
    if not ext:
        print("servers.py: no shared/data/external: not run" + (" (ROOTFEED_REQUIRE_DATA=1: failing)" if require else ""))
        return 1 if require else 0
    srv = Servers(ext)
    if "--serve" in opts:
        os.symlink(os.path.abspath(opts[opts.index("--serve") + 1]), os.path.join(srv.www, "extra"))
    try:
        try:
            if "--http" in opts:
                srv.start_nginx()
            if "--xrootd" in opts:
                srv.start_xrootd()
        except (FileNotFoundError, RuntimeError, subprocess.CalledProcessError) as e:
            print("servers.py: cannot start the servers: %s\n%s" % (e, srv.logs()))
            missing = isinstance(e, FileNotFoundError)
            return 1 if require or not missing else 0
        env = dict(os.environ, **srv.env)
        rc = subprocess.call(cmd, env=env)
        if rc:
            print("servers.py: %s exited with status %d; server logs:\n%s" % (cmd[0], rc, srv.logs()))
        return rc
    finally:
        srv.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
