"""A real public-inbox (Debian `public-inbox`) served on loopback, for the Message-Id path.

A local public-inbox served on loopback, step by step:
  public-inbox-init -V2 -L full LIST DIR URL ADDRESS...   (-L full: lore's level; phrase search)
  git config -f $PI_CONFIG publicinboxmda.spamcheck none  (else the MDA wants spamc)
  git config -f $PI_CONFIG publicinbox.LIST.listid ...
  ORIGINAL_RECIPIENT=ADDRESS public-inbox-mda < mail      (one message per call)
  public-inbox-httpd -W 0 -l http://127.0.0.1:PORT -1 OUT -2 ERR -P PIDFILE -D   (-D: absolute paths)
  kill -HUP <httpd> after an index change, then wait until the change is served.

public-inbox-mda exits 0 even when its precheck drops a message (no list address in To/Cc,
no Date, ...), so deliver() verifies that each Message-Id was actually stored.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

TOOLS = ("public-inbox-init", "public-inbox-mda", "public-inbox-httpd")
LIST = "testlist"
ADDRESSES = ("testlist@example.org", "linux-leds@vger.kernel.org")  # the real lore mails go to the latter


def missing_tools() -> list[str]:
    return [t for t in TOOLS if shutil.which(t) is None]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PublicInbox:
    def __init__(self, root: Path):
        self.root = root.resolve()
        self.config = self.root / "pi" / "config"
        self.inboxdir = self.root / "pi" / "inboxes" / LIST
        self.pidfile = self.root / "httpd.pid"
        self.port = 0
        self.env = dict(os.environ, PI_CONFIG=str(self.config), HOME=str(self.root),
                        PI_EMERGENCY=str(self.root / "emergency"))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{LIST}"

    @property
    def midmask(self) -> str:
        return self.url + "/%s"

    def _run(self, *cmd: str, input: bytes | None = None, env: dict | None = None) -> None:
        res = subprocess.run(cmd, input=input, env=env or self.env, capture_output=True, timeout=60)
        if res.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({res.returncode}): {res.stderr.decode(errors='replace')}")

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self._run("public-inbox-init", "-V2", "-L", "full", LIST, str(self.inboxdir), self.url, *ADDRESSES)
        self._run("git", "config", "-f", str(self.config), "publicinboxmda.spamcheck", "none")
        self._run("git", "config", "-f", str(self.config), f"publicinbox.{LIST}.listid", "testlist.example.org")

    def deliver(self, mail: bytes, msgid: str) -> None:
        """Deliver one message with public-inbox-mda and check that it was stored."""
        env = dict(self.env, ORIGINAL_RECIPIENT=ADDRESSES[0])
        self._run("public-inbox-mda", input=mail, env=env)
        if msgid not in self.stored():
            raise RuntimeError(f"public-inbox-mda dropped <{msgid}> (precheck: To/Cc, Date, From?)")

    def stored(self) -> set[str]:
        """Message-Ids in the inbox's msgmap (what the MDA indexed)."""
        import sqlite3

        with sqlite3.connect(self.inboxdir / "msgmap.sqlite3") as db:
            return {row[0] for row in db.execute("SELECT mid FROM msgmap")}

    def serve(self) -> None:
        for attempt in range(3):
            try:
                self._run("public-inbox-httpd", "-W", "0", "-l", f"http://127.0.0.1:{self.port}",
                          "-1", str(self.root / "httpd.out"), "-2", str(self.root / "httpd.err"),
                          "-P", str(self.pidfile), "-D")
                self._wait(f"{self.url}/")
                return
            except RuntimeError:
                self.stop()
                if attempt == 2:
                    raise
                self.port = free_port()  # lost the port race: try another

    def reload(self, msgid: str | None = None) -> None:
        """kill -HUP after an index change; wait until `msgid` is served."""
        os.kill(self.pid(), signal.SIGHUP)
        self._wait(f"{self.url}/{urllib.parse.quote(msgid)}/raw" if msgid else f"{self.url}/")

    def pid(self) -> int:
        return int(self.pidfile.read_text().strip())

    def _wait(self, url: str, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError) as exc:
                last = exc
            time.sleep(0.05)
        err = (self.root / "httpd.err")
        raise RuntimeError(f"public-inbox-httpd did not serve {url}: {last}; "
                           f"{err.read_text()[-500:] if err.exists() else ''}")

    def stop(self) -> None:
        if not self.pidfile.exists():
            return
        try:
            pid = self.pid()
            os.kill(pid, signal.SIGTERM)
        except (ValueError, ProcessLookupError):
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            os.kill(pid, signal.SIGKILL)
        self.pidfile.unlink(missing_ok=True)
