"""A stateful fake patchwork (REST API 1.3) on a loopback port, for the patchwork check tests.

- Every request and every answer it gives is validated with openapi-core against patchwork's
  own description of the API (tests/data/patchwork/patchwork-api-v1.3.yaml, copied unchanged);
  a request that does not fit is answered 400 and recorded in ``violations`` (a test failure).
  The description's paths have no trailing ``/``; patchwork's routes do, so a path without one
  is redirected (301) as Django does, and the ``/`` is dropped only to look the path up.
- Ingestion lags the list: a mail handed to ``ingest`` becomes a patch (cover letters and
  replies are skipped, as patchwork files them apart) that the ``msgid`` filter shows only
  after ``lag`` lookups of it; ``ingest(..., never=True)`` keeps it hidden for good.
- ``faults``: a seeded fraction of requests fails with 502/503 (injected faults are not API
  answers, so they are not validated); for a POST, half of them fail *after* the check was
  stored (a proxy timing out on a slow backend), which a blind retry would turn into a
  duplicate.  ``rate_limit(n)`` answers the next n requests 429 with ``Retry-After: 0``.
- Token authentication: POST needs ``Authorization: Token <t>`` of a project maintainer
  (403 otherwise, with patchwork's messages); reads are anonymous.
"""

from __future__ import annotations

import email.parser
import email.policy
import email.utils
import http.server
import itertools
import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

DATA = Path(__file__).resolve().parents[1] / "data" / "patchwork"
SPEC = DATA / "patchwork-api-v1.3.yaml"
API = "/api/1.3"

_OPENAPI = None
_OPENAPI_LOCK = threading.Lock()


def openapi():
    global _OPENAPI
    with _OPENAPI_LOCK:
        if _OPENAPI is None:
            import yaml
            from openapi_core import Config, OpenAPI

            # the file repeats tag names, which openapi-spec-validator refuses; the paths and
            # schemas that the validation uses are fine, so only the spec check is skipped
            _OPENAPI = OpenAPI.from_dict(yaml.safe_load(SPEC.read_text()), config=Config(spec_validator_cls=None))
    return _OPENAPI


class _Req:
    """openapi-core's request protocol."""

    def __init__(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes | None):
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self.method = method.lower()
        self.path = path.rstrip("/") or "/"
        self.host_url = "http://127.0.0.1"
        self.body = body or None
        self.content_type = headers.get("content-type", "application/json").split(";")[0]
        self.parameters = RequestParameters(query=ImmutableMultiDict(parse_qs_list(query)),
                                            header=Headers(headers), cookie=ImmutableMultiDict())


class _Resp:
    def __init__(self, status: int, data: bytes, headers: dict[str, str]):
        from werkzeug.datastructures import Headers

        self.status_code = status
        self.data = data
        self.content_type = "application/json"
        self.headers = Headers(headers)


def parse_qs_list(query: str) -> list[tuple[str, str]]:
    return [(k, v) for k, vs in parse_qs(query, keep_blank_values=True).items() for v in vs]


@dataclass
class Patch:
    id: int
    msgid: str
    name: str
    project: dict
    submitter: dict
    date: str
    series: dict | None
    hidden_lookups: int = 0
    never: bool = False
    checks: list[dict] = field(default_factory=list)


class FakePatchwork:
    TOKEN = "pw-maintainer-token"
    OTHER_TOKEN = "pw-someone-else"

    def __init__(self, *, lag: int = 0, faults: float = 0.0, seed: int = 17, project: str = "testlist"):
        self.lag = lag
        self.faults = faults
        self.rng = random.Random(seed)
        self.ids = itertools.count(100)
        self.lock = threading.RLock()
        self.patches: list[Patch] = []
        self.series: dict[str, dict] = {}
        self.requests: list[tuple[str, str]] = []  # (method, path?query)
        self.violations: list[str] = []
        self.injected: list[tuple[str, int]] = []  # (method path, status) of the faults given
        self.rate_limited = 0
        self.users = {self.TOKEN: {"id": 7, "username": "reviewbot", "maintainer": True},
                      self.OTHER_TOKEN: {"id": 8, "username": "someone", "maintainer": False}}
        self.project = {"id": 1, "name": project, "link_name": project, "list_id": f"{project}.example.org",
                        "list_email": f"{project}@example.org", "web_url": "https://example.org/",
                        "scm_url": "https://example.org/git", "webscm_url": "https://example.org/git",
                        "list_archive_url": "https://lore.example.org/", "list_archive_url_format":
                        "https://lore.example.org/r/{}", "commit_url_format": ""}
        self.server: http.server.ThreadingHTTPServer | None = None
        self.url = ""

    # -- server -----------------------------------------------------------------------------------
    def start(self) -> "FakePatchwork":
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):  # quiet
                pass

            def _do(self):
                n = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(n) if n else b""
                status, headers, data = fake.handle(self.command, self.path, dict(self.headers.items()), body)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _do

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, name="fake-patchwork", daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    # -- test setup -------------------------------------------------------------------------------
    def ingest(self, raw: bytes, *, never: bool = False, lag: int | None = None) -> Patch | None:
        """Patchwork's parsemail: a mail carrying a diff becomes a patch of the project."""
        h = email.parser.BytesParser(policy=email.policy.default).parsebytes(raw)
        subject = " ".join(str(h.get("Subject", "")).split())
        m = re.search(r"<([^<>\s]+)>", str(h.get("Message-Id", "")))
        body = raw.decode("utf-8", "replace")
        if not m or re.match(r"(?i)re:", subject) or not re.search(r"(?m)^(diff --git |@@ )", body) \
                and "=0A@@" not in body and "ZGlmZiAtLWdpdCBh" not in body:
            return None
        refs = re.findall(r"<([^<>\s]+)>", str(h.get("References", "")) + str(h.get("In-Reply-To", "")))
        root = refs[0] if refs else m.group(1)
        version = int(v.group(1)) if (v := re.search(r"\bv(\d+)\b", subject.split("]")[0])) else 1
        with self.lock:
            s = self.series.get(root)
            if s is None:
                sid = next(self.ids)
                s = self.series[root] = {"id": sid, "url": f"{self.url}{API}/series/{sid}/",
                                         "web_url": f"{self.url}/project/{self.project['link_name']}/list/?series={sid}",
                                         "name": subject, "date": _now(), "version": version,
                                         "mbox": f"{self.url}/series/{sid}/mbox/"}
            name, addr = email.utils.parseaddr(str(h.get("From", "")))
            p = Patch(id=next(self.ids), msgid=m.group(1), name=subject[:255], project=self.project,
                      submitter={"id": 3, "url": f"{self.url}{API}/people/3/", "name": name or addr, "email": addr},
                      date=_now(), series=s, hidden_lookups=self.lag if lag is None else lag, never=never)
            self.patches.append(p)
            return p

    def rate_limit(self, n: int) -> None:
        self.rate_limited = n

    def patch(self, msgid: str) -> Patch:
        (p,) = [p for p in self.patches if p.msgid == msgid]
        return p

    def all_checks(self) -> dict[str, list[dict]]:
        return {p.msgid: list(p.checks) for p in self.patches}

    # -- HTTP -------------------------------------------------------------------------------------
    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, bytes]:
        parts = urlsplit(target)
        path, query = parts.path, parts.query
        headers = {k.lower(): v for k, v in headers.items()}
        with self.lock:
            self.requests.append((method, target))
            if self.rate_limited:
                self.rate_limited -= 1
                self.injected.append((f"{method} {path}", 429))
                return 429, {"retry-after": "0", "content-type": "application/json"}, \
                    json.dumps({"detail": "Request was throttled."}).encode()
            fault = self.faults and self.rng.random() < self.faults
            after = fault and method == "POST" and self.rng.random() < 0.5
            if fault and not after:
                self.injected.append((f"{method} {path}", 503))
                return 503, {"content-type": "text/html"}, b"<h1>503 Service Unavailable</h1>"
        if not path.endswith("/"):
            return 301, {"location": path + "/" + (f"?{query}" if query else "")}, b""
        req = _Req(method, path, query, headers, body)
        try:
            openapi().validate_request(req)
        except Exception as exc:  # noqa: BLE001 - a request outside the description is a test failure
            if "Security" in exc.__class__.__name__:  # no credentials of a described kind: patchwork's 403
                return 403, {"content-type": "application/json"}, \
                    json.dumps({"detail": "Authentication credentials were not provided."}).encode()
            with self.lock:
                self.violations.append(f"{method} {target}: request: {exc}")
            return 400, {"content-type": "application/json"}, json.dumps({"detail": str(exc)[:500]}).encode()
        with self.lock:
            status, data, extra = self.route(method, path, query, headers, body)
        raw = json.dumps(data).encode()
        out = dict({"content-type": "application/json"}, **extra)
        try:
            openapi().validate_response(req, _Resp(status, raw, out))
        except Exception as exc:  # noqa: BLE001 - the fake itself must speak the described API
            with self.lock:
                self.violations.append(f"{method} {target}: response {status}: {exc}")
        if after:  # stored, then the proxy gave up waiting
            with self.lock:
                self.injected.append((f"{method} {path}", 502))
            return 502, {"content-type": "text/html"}, b"<h1>502 Bad Gateway</h1>"
        return status, out, raw

    def route(self, method: str, path: str, query: str, headers: dict, body: bytes) -> tuple[int, object, dict]:
        q = dict(parse_qs_list(query))
        if method == "GET" and path == f"{API}/patches/":
            items = [p for p in self.patches if self._visible(p, q)]
            return self._page(q, [self._patch_json(p) for p in items], path)
        mm = re.fullmatch(rf"{API}/patches/(\d+)/checks/", path)
        if mm:
            p = next((p for p in self.patches if p.id == int(mm.group(1))), None)
            if p is None:
                return 404, {"detail": "Not found."}, {}
            if method == "GET":
                items = [c for c in p.checks if all(c[k] == q[k] for k in ("context", "state") if k in q)]
                if "user" in q:
                    items = [c for c in items if q["user"] in (c["user"]["username"], str(c["user"]["id"]))]
                return self._page(q, items, path)
            if method == "POST":
                return self._post_check(p, headers, body)
        mm = re.fullmatch(rf"{API}/patches/(\d+)/", path)
        if mm and method == "GET":
            p = next((p for p in self.patches if p.id == int(mm.group(1)) and not p.never), None)
            if p is None:
                return 404, {"detail": "Not found."}, {}
            return 200, dict(self._patch_json(p), headers={}, content="msg", diff="diff", prefixes=[]), {}
        return 404, {"detail": "Not found."}, {}

    def _visible(self, p: Patch, q: dict) -> bool:
        if "msgid" in q and p.msgid != q["msgid"]:
            return False
        if "project" in q and q["project"] not in (p.project["link_name"], str(p.project["id"])):
            return False
        if p.never:
            return False
        if p.hidden_lookups > 0 and "msgid" in q:
            p.hidden_lookups -= 1  # not parsed yet
            return False
        return True

    def _page(self, q: dict, items: list, path: str) -> tuple[int, list, dict]:
        per = min(int(q.get("per_page", 30)), 250)
        page = int(q.get("page", 1))
        chunk = items[(page - 1) * per: page * per]
        extra = {}
        if page * per < len(items):
            nq = dict(q, page=str(page + 1), per_page=str(per))
            extra["link"] = f'<{self.url}{path}?{urlencode(nq)}>; rel="next"'
        return 200, chunk, extra

    def _patch_json(self, p: Patch) -> dict:
        s = p.series
        return {"id": p.id, "url": f"{self.url}{API}/patches/{p.id}/",
                "web_url": f"{self.url}/project/{p.project['link_name']}/patch/{p.msgid}/",
                "project": dict(p.project, url=f"{self.url}{API}/projects/{p.project['id']}/"),
                "msgid": f"<{p.msgid}>", "list_archive_url": None, "date": p.date, "name": p.name,
                "commit_ref": None, "pull_url": None, "state": "new", "archived": False, "hash": "0" * 40,
                "submitter": p.submitter, "delegate": None, "mbox": f"{self.url}/patch/{p.id}/mbox/",
                "series": [s] if s else [], "comments": f"{self.url}{API}/patches/{p.id}/comments/",
                "check": _summary(p.checks), "checks": f"{self.url}{API}/patches/{p.id}/checks/",
                "tags": {}, "related": []}

    def _post_check(self, p: Patch, headers: dict, body: bytes) -> tuple[int, dict, dict]:
        auth = headers.get("authorization", "")
        if not auth.startswith("Token "):
            return 403, {"detail": "Authentication credentials were not provided."}, {}
        user = self.users.get(auth[6:])
        if user is None:
            return 403, {"detail": "Invalid token."}, {}
        if not user["maintainer"]:
            return 403, {"detail": "You do not have permission to perform this action."}, {}
        data = json.loads(body)
        cid = next(self.ids)
        check = {"id": cid, "url": f"{self.url}{API}/patches/{p.id}/checks/{cid}/",
                 "user": {"id": user["id"], "url": f"{self.url}{API}/users/{user['id']}/",
                          "username": user["username"], "first_name": "", "last_name": "",
                          "email": f"{user['username']}@example.org"},
                 "date": _now(), "state": data["state"], "target_url": data.get("target_url"),
                 "context": data.get("context", "default"), "description": data.get("description")}
        p.checks.append(check)
        return 201, check, {}


def _summary(checks: list[dict]) -> str:
    """Patchwork's combined state: the latest check per (user, context), worst first."""
    latest: dict = {}
    for c in checks:
        latest[(c["user"]["id"], c["context"])] = c["state"]
    for state in ("fail", "warning", "pending", "success"):
        if state in latest.values():
            return state
    return "pending"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
