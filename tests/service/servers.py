"""Real servers on loopback for the service tests: PostgreSQL (initdb + pg_ctl in a temp dir),
Redis (redis-server --save ''), the fake GitHub behind a real HTTP server, and `reviewbot`
processes (serve / worker) that can be killed with SIGKILL and started again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
SECRET = "service-test-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def pg_bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    cands = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return cands[-1].parent if cands else None


class Postgres:
    """A private cluster; as root, initdb and the server run as the `postgres` (or `nobody`) user."""

    def __init__(self):
        self.bindir = pg_bindir()
        self.dir = Path(tempfile.mkdtemp(prefix="reviewbot-pg-"))
        self.port = free_port()
        self.user = None
        if os.geteuid() == 0:
            for name in ("postgres", "nobody"):
                try:
                    self.user = pwd.getpwnam(name)
                    break
                except KeyError:
                    continue
            os.chmod(self.dir, 0o755)
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)
        self.data = self.dir / "data"
        self.url = f"postgresql+psycopg://reviewbot@127.0.0.1:{self.port}/reviewbot"

    def _run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess:
        pre = ["runuser", "-u", self.user.pw_name, "--"] if self.user else []
        return subprocess.run(pre + list(cmd), capture_output=True, text=True, check=check, cwd=self.dir)

    def start(self) -> "Postgres":
        if not (self.data / "PG_VERSION").exists():
            self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "reviewbot", "--auth=trust",
                      "--no-sync", "-E", "UTF8")
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.dir / "log"),
                  "-w", "start")
        if not getattr(self, "_created", False):
            self._run(str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "reviewbot",
                      "reviewbot")
            self._created = True
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def cleanup(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class Redis:
    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def start(self) -> "Redis":
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no", "--protected-mode", "no"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port)
        return self

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(10)


class FakeForgeServer:
    """A tests.forge fake (FakeGitHub / FakeGitLab) served over real HTTP on 127.0.0.1."""

    def __init__(self, fake):
        self.fake = fake
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def setup(self):
                super().setup()
                # headers and body are separate writes: without this, Nagle + delayed ACK add
                # ~40 ms to every response and the fake, not the service, sets the pace
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _any(self):
                n = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(n) if n else b""
                if len(body) < n:  # the client was killed mid-request: a real server drops it too
                    self.close_connection = True
                    return
                url = f"http://127.0.0.1:{outer.port}{self.path}"
                req = httpx.Request(self.command, url, headers=dict(self.headers.items()), content=body)
                with outer.lock:
                    resp = outer.fake.handle(req)
                    content = resp.read()
                self.send_response(resp.status_code)
                for k, v in resp.headers.items():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                        self.send_header(k, v)
                self.send_header("content-length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a client killed with SIGKILL mid-request: nothing to report

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> "FakeForgeServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def pr_payload(repo: str, number: int, head: str, action: str = "opened") -> bytes:
    data = json.loads((ROOT / "tests/data/forge/github/pull_request-opened.json").read_text())
    data["action"] = action
    data["number"] = number
    data["pull_request"]["number"] = number
    data["pull_request"]["head"]["sha"] = head
    data["repository"]["full_name"] = repo
    data.pop("installation", None)
    return json.dumps(data).encode()


def deliver(client: httpx.Client, url: str, body: bytes, delivery: str) -> httpx.Response:
    return client.post(f"{url}/webhooks/github", content=body, headers={
        "X-GitHub-Event": "pull_request", "X-GitHub-Delivery": delivery, "Content-Type": "application/json",
        "X-Hub-Signature-256": sign(body)})


class Proc:
    """One `reviewbot ...` process; start() again after kill() is a restart."""

    def __init__(self, name: str, args: list[str], env: dict, logdir: Path, port: int | None = None):
        self.name, self.args, self.env, self.port = name, args, env, port
        self.log = logdir / f"{name}.log"
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self, wait: bool = True) -> "Proc":
        self.starts += 1
        fh = open(self.log, "ab")
        self.proc = subprocess.Popen([sys.executable, "-c", "import sys; from reviewbot.cli import main; sys.exit(main())",
                                      *self.args], env=self.env,
                                     stdout=fh, stderr=fh, cwd=ROOT)
        fh.close()
        if wait and self.port:
            end = time.monotonic() + 30
            while time.monotonic() < end:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited {self.proc.returncode}: {self.log.read_text()[-2000:]}")
                try:
                    if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
            raise TimeoutError(f"{self.name} did not come up: {self.log.read_text()[-2000:]}")
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def terminate(self, timeout: float = 30) -> int:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                raise
        return self.proc.returncode if self.proc else 0
