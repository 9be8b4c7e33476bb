"""A whole deployment on loopback: `reviewbot serve` (+ `reviewbot worker` processes) as
subprocesses against the fake GitHub over HTTP and a public-inbox epoch for list mail.

Used by the kill -9 tests and benchmarks/service_burst.py.
"""

from __future__ import annotations

import email
import os
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import sqlalchemy as sa

from tests.forge.fakes import DATA, FakeGitHub
from tests.service.servers import SECRET, FakeForgeServer, Proc, free_port
from tests.watch.mails import Epoch

REPO = "acme/drivers"
ZRAM = (DATA / "zram-sysfs-self-pin.diff").read_text()  # MOD001 fires 4 times
CLEAN = (DATA / "clean.diff").read_text()


def head_of(number: int, push: int = 0) -> str:
    return f"{number:08x}{push:08x}" + "c" * 24


class ListServer:
    """The list's SMTP server on loopback (aiosmtpd): keeps every message it is given and, before
    answering 250, archives it in the list's epoch, as a list server with public-inbox would."""

    def __init__(self, epoch: Epoch, lock: threading.Lock):
        self.epoch, self.lock = epoch, lock
        self.received: list[tuple[list[str], bytes]] = []
        self.port = free_port()
        self.ctl = None

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), raw))
            self.epoch.add(raw, time.time())
        return "250 OK"

    def start(self) -> "ListServer":
        from aiosmtpd.controller import Controller

        self.ctl = Controller(self, hostname="127.0.0.1", port=self.port)
        self.ctl.start()
        return self

    def stop(self) -> None:
        if self.ctl is not None:
            self.ctl.stop()

    def msgids(self) -> list[str]:
        return [email.message_from_bytes(raw)["Message-ID"].strip() for _, raw in self.received]


class Cluster:
    def __init__(self, tmp: Path, *, db_url: str | None = None, queue_url: str | None = None, workers: int = 0,
                 serve_threads: int | None = None, lists: bool = True, lease: float = 2.0,
                 validate_openapi: bool = True, replicas: int = 1, smtp: bool = False):
        self.tmp = tmp
        self.fake = FakeGitHub()
        if not validate_openapi:  # the burst measures the service, not the fake's validator
            self.fake.route = _unvalidated(self.fake)
        self.forge = FakeForgeServer(self.fake).start()
        self.inbox = tmp / "inbox"
        self.epoch = Epoch(self.inbox) if lists else None
        self.epoch_lock = threading.Lock()
        self.list_server = ListServer(self.epoch, self.epoch_lock).start() if lists and smtp else None
        self.outbox = tmp / "outbox"
        cfg = [
            "[service]", f"lease = {lease}", "reconcile_every = 0.5", "redeliver_after = 1.5",
            "api_min_interval = 0", "grace = 5",
        ]
        if lists:
            cfg += ["[watch]", 'from = "reviewbot <bot@reviewbot.example>"', "interval = 0.3",
                    f'outbox_dir = "{self.outbox}"',
                    "[lists.testlist]", f'inbox = "{self.inbox}"', 'address = "testlist@example.org"',
                    'archive_url = "https://lore.example.org/testlist"', "fetch = false",
                    f"send = {'true' if smtp else 'false'}",
                    "max_per_hour = 0", "max_per_author_per_day = 0", "quiet_minutes = 0"]
            if smtp:
                cfg += ["[smtp]", 'host = "127.0.0.1"', f"port = {self.list_server.port}", "timeout = 10"]
        (tmp / "reviewbot.toml").write_text("\n".join(cfg) + "\n")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEWBOT_")}
        self.env.update(REVIEWBOT_CONFIG=str(tmp / "reviewbot.toml"), REVIEWBOT_DATA_DIR=str(tmp / "data"),
                        REVIEWBOT_GITHUB_WEBHOOK_SECRET=SECRET, REVIEWBOT_GITHUB_TOKEN=FakeGitHub.TOKEN,
                        REVIEWBOT_GITHUB_API_URL=self.forge.url)
        if db_url:
            self.env["REVIEWBOT_DATABASE_URL"] = db_url
        if queue_url:
            self.env["REVIEWBOT_QUEUE_URL"] = queue_url
        self.db_url = db_url or f"sqlite:///{tmp / 'data' / 'reviewbot.db'}"
        threads = serve_threads if serve_threads is not None else (0 if workers else 2)
        self.servers = []  # `serve` replicas on one database (and queue), same config
        for i in range(replicas):
            port = free_port()
            self.servers.append(Proc("serve" if i == 0 else f"serve{i}",
                                     ["serve", "--port", str(port), "--workers", str(threads)], self.env, tmp, port))
        self.server = self.servers[0]
        self.urls = [f"http://127.0.0.1:{p.port}" for p in self.servers]
        self.url = self.urls[0]
        self.workers = [Proc(f"worker{i}", ["worker", "--threads", "2"], self.env, tmp) for i in range(workers)]
        self._engine = None
        self.mails = 0

    @property
    def procs(self) -> list[Proc]:
        return [*self.servers, *self.workers]

    def start(self) -> "Cluster":
        for s in self.servers:
            s.start()
        for w in self.workers:
            w.start()
        return self

    def stop(self) -> None:
        for p in self.procs:
            try:
                p.terminate(30)
            except Exception:  # noqa: BLE001 - cleanup must go on
                p.kill()
        self.forge.stop()
        if self.list_server is not None:
            self.list_server.stop()
        if self._engine is not None:
            self._engine.dispose()

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            self._engine = sa.create_engine(self.db_url)
        return self._engine

    def add_prs(self, n: int, start: int = 1) -> list[int]:
        nums = list(range(start, start + n))
        for i in nums:
            self.fake.add_pr(REPO, i, ZRAM if i % 3 else CLEAN, head_of(i), title=f"change {i}")
        return nums

    def add_mail(self) -> str:
        from tests.watch.mails import zram_mail

        self.mails += 1
        msgid = f"zram-{self.mails}@example.org"
        with self.epoch_lock:
            self.epoch.add(zram_mail(msgid, f"[PATCH] zram: fix sysfs races, take {self.mails}"), time.time())
        return msgid

    def scalar(self, q) -> int:
        with self.engine.connect() as c:
            return c.execute(q).scalar() or 0

    def rows(self, q) -> list:
        with self.engine.connect() as c:
            return c.execute(q).all()

    def wait_for(self, pred, timeout: float, what: str, supervise: bool = False) -> None:
        """Poll ``pred`` until true; with ``supervise``, start again any process that died
        meanwhile (a failpoint), as systemd's Restart=always or a container runtime would."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if supervise:
                for p in self.procs:
                    if not p.alive():
                        p.start(wait=False)
            try:
                if pred():
                    return
            except sa.exc.OperationalError:
                pass
            time.sleep(0.1)
        logs = "\n".join(f"--- {p.name}\n{p.log.read_text()[-3000:]}" for p in self.procs if p.log.exists())
        raise AssertionError(f"{what}: not reached in {timeout} s\n{logs}")

    def metrics(self) -> str:
        return httpx.get(f"{self.url}/metrics", timeout=5).text


def _unvalidated(fake: FakeGitHub):
    import tests.forge.fakes as fakes

    original = type(fake).route

    class _NoCheck:
        def validate_request(self, request):
            return None

    def route(request):
        saved = fakes._OPENAPI
        fakes._OPENAPI = _NoCheck()
        try:
            return original(fake, request)
        finally:
            fakes._OPENAPI = saved
    return route


def burst(cluster: Cluster, numbers: list[int], concurrency: int = 16) -> dict:
    """POST one signed `opened` delivery per PR from ``concurrency`` threads at once; returns
    the status counts and the intake latencies (seconds, sorted)."""
    import queue as _queue
    import threading
    import uuid

    from tests.service.servers import deliver, pr_payload

    todo: _queue.Queue = _queue.Queue()
    for n in numbers:
        todo.put(n)
    statuses: Counter = Counter()
    latencies: list[float] = []
    guard = threading.Lock()

    def sender():
        with httpx.Client(timeout=60) as client:
            while True:
                try:
                    n = todo.get_nowait()
                except _queue.Empty:
                    return
                body = pr_payload(REPO, n, cluster.fake.prs[(REPO, n)].head)
                t0 = time.perf_counter()
                r = deliver(client, cluster.url, body, str(uuid.uuid4()))
                dt = time.perf_counter() - t0
                with guard:
                    statuses[r.status_code] += 1
                    latencies.append(dt)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=sender) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    latencies.sort()
    return {"statuses": dict(statuses), "latencies": latencies, "seconds": wall}


def pct(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(round(p / 100 * (len(sorted_values) - 1))))]


def done_once(cluster: Cluster, numbers: list[int]) -> list[str]:
    """Problems: a PR not reviewed, reviewed twice, or with a finding posted twice."""
    from reviewbot.forge import posting
    from reviewbot.forge import tables as F

    problems = []
    jobs = cluster.rows(sa.select(F.jobs.c.number, F.jobs.c.state).where(F.jobs.c.forge == "github"))
    per = Counter(j.number for j in jobs)
    for n in numbers:
        if per[n] != 1:
            problems.append(f"PR {n}: {per[n]} jobs")
        fps = Counter(posting.fingerprint_in(c["body"]) for c in cluster.fake.review_comments.get((REPO, n), []))
        if any(v > 1 for v in fps.values()):
            problems.append(f"PR {n}: a finding posted twice")
        if len(fps) != (0 if n % 3 == 0 else 4):
            problems.append(f"PR {n}: {len(fps)} inline comments")
    bad = [j for j in jobs if j.state != "done"]
    if bad:
        problems.append(f"{len(bad)} job(s) not done: {Counter(j.state for j in bad)}")
    return problems
