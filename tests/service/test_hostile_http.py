"""Hostile HTTP against the real service app on a real uvicorn (loopback): signed but malformed
webhook payloads get a 4xx with a reason (never 5xx), out-of-range route parameters a 404,
slow clients are cut off by the header and body timeouts, and the connection cap answers 503.

Timeouts here are set to a second; the tests wait for the outcome (the server closing the
connection, a 408) with a generous bound, and never assert how long it took."""

from __future__ import annotations

import copy
import json
import select
import socket
import time

import httpx
import pytest

from reviewbot.service.app import Service
from tests.server_thread import serving
from tests.service.servers import ROOT, sign

SECRET = "hostile-test-secret"
GH = json.loads((ROOT / "tests/data/forge/github/pull_request-opened.json").read_text())
GL = {"object_kind": "merge_request", "project": {"id": 7, "path_with_namespace": "acme/drivers"},
      "object_attributes": {"action": "open", "iid": 3, "target_project_id": 7, "last_commit": {"id": "a" * 40}}}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    mp = pytest.MonkeyPatch()
    mp.setenv("REVIEWBOT_GITHUB_WEBHOOK_SECRET", SECRET)
    mp.setenv("REVIEWBOT_GITLAB_WEBHOOK_TOKEN", SECRET)
    cfg = {"data_dir": str(tmp), "server": {"header_timeout": 1, "body_timeout": 1, "keep_alive": 1,
                                            "max_connections": 50}}
    service = Service(cfg, workers=0, follow=False)
    try:
        with serving(service.app(), **service.limits.uvicorn_options()) as url:
            yield url
    finally:
        mp.undo()


def _github(url: str, payload, event: str = "pull_request", raw: bytes | None = None) -> httpx.Response:
    body = raw if raw is not None else json.dumps(payload).encode()
    return httpx.post(f"{url}/webhooks/github", content=body, timeout=30, headers={
        "X-GitHub-Event": event, "X-GitHub-Delivery": f"d-{time.monotonic_ns()}",
        "Content-Type": "application/json", "X-Hub-Signature-256": sign(body, SECRET)})


def _gitlab(url: str, payload) -> httpx.Response:
    return httpx.post(f"{url}/webhooks/gitlab", content=json.dumps(payload).encode(), timeout=30, headers={
        "X-Gitlab-Event": "Merge Request Hook", "X-Gitlab-Token": SECRET, "Content-Type": "application/json"})


def _gh(**changes) -> dict:
    data = copy.deepcopy(GH)
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = data
        for p in parents:
            node = node[p]
        node[last] = value
    return data


GITHUB_BAD = {
    "number 2**70": (_gh(pull_request__number=2**70), "pull_request.number"),
    "number 0": (_gh(pull_request__number=0), "pull_request.number"),
    "number a string": (_gh(pull_request__number="7"), "pull_request.number"),
    "installation a list": (dict(_gh(), installation=[1, 2]), "installation"),
    "installation id 2**70": (dict(_gh(), installation={"id": 2**70}), "installation.id"),
    "full_name a list": (_gh(repository__full_name=["a", "b"]), "repository.full_name"),
    "full_name 1 MB": (_gh(repository__full_name="a/" + "b" * 1_000_000), "repository.full_name"),
    "full_name with a newline": (_gh(repository__full_name="acme/dri\nvers"), "repository.full_name"),
    "head sha not hex": (_gh(pull_request__head={"sha": "not-a-sha"}), "pull_request.head.sha"),
    "head a list": (_gh(pull_request__head=[]), "pull_request.head"),
    "pull_request missing": ({k: v for k, v in GH.items() if k != "pull_request"}, "pull_request"),
    "action a dict": (_gh(action={"x": 1}), "action"),
}


@pytest.mark.parametrize("case", sorted(GITHUB_BAD))
def test_malformed_signed_github_payload_is_400_with_a_reason(server, case):
    payload, field = GITHUB_BAD[case]
    res = _github(server, payload)
    assert res.status_code == 400, (res.status_code, res.text[:300])
    assert res.json()["detail"].startswith(field), res.text[:300]
    assert len(res.text) < 2000  # the reason never echoes a huge value


def test_json_nested_100k_deep_is_400(server):
    res = _github(server, None, raw=b"[" * 100_000 + b"]" * 100_000)
    assert res.status_code == 400 and "JSON" in res.json()["detail"]
    res = _github(server, None, raw=b'{"a":' * 100_000 + b"1" + b"}" * 100_000)
    assert res.status_code == 400


def test_oversized_event_header_is_400(server):
    assert _github(server, _gh(), event="x" * 1000).status_code == 400


GITLAB_BAD = {
    "object_attributes a list": (dict(GL, object_attributes=[1]), "object_attributes"),
    "iid 2**70": (dict(GL, object_attributes=dict(GL["object_attributes"], iid=2**70)), "object_attributes.iid"),
    "project a string": (dict(GL, project="acme"), "project"),
    "last_commit id short": (dict(GL, object_attributes=dict(GL["object_attributes"], last_commit={"id": "ab"})),
                             "object_attributes.last_commit.id"),
    "object_kind a list": (dict(GL, object_kind=["merge_request"]), "object_kind"),
    "iid missing": (dict(GL, object_attributes={k: v for k, v in GL["object_attributes"].items() if k != "iid"}),
                    "merge_request payload lacks object_attributes.iid"),
}


@pytest.mark.parametrize("case", sorted(GITLAB_BAD))
def test_malformed_gitlab_payload_is_400_with_a_reason(server, case):
    payload, field = GITLAB_BAD[case]
    res = _gitlab(server, payload)
    assert res.status_code == 400, (res.status_code, res.text[:300])
    assert res.json()["detail"].startswith(field), res.text[:300]


def test_well_formed_payloads_are_still_queued(server):
    assert _github(server, _gh(pull_request__head=dict(GH["pull_request"]["head"], sha="b" * 40))).status_code == 202
    assert _gitlab(server, GL).status_code == 202


@pytest.mark.parametrize("path", ["/pr/99999999999999999999999", "/pr/2147483648", "/pr/0", "/pr/-1", "/pr/abc",
                                  "/series/99999999999999999999999", "/series/%C3%A4"])
def test_out_of_range_route_parameters_are_404(server, path):
    assert httpx.get(server + path, timeout=30).status_code == 404


def _closed_by_server(sock: socket.socket, wait: float) -> bool:
    """True once the server closed the connection (EOF or reset) within `wait` seconds."""
    r, _, _ = select.select([sock], [], [], wait)
    if not r:
        return False
    try:
        return sock.recv(65536) == b""
    except ConnectionResetError:
        return True


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=30)


def test_client_sending_its_head_a_byte_at_a_time_is_cut_off(server):
    head = b"POST /webhooks/github HTTP/1.1\r\nHost: x\r\n" + b"X-Pad: " + b"a" * 400 + b"\r\n\r\n"
    sock = _connect(server)
    sent = 0
    closed = False
    try:
        for byte in head:  # ~0.2 s a byte: the whole head would take ~90 s
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            sent += 1
            if _closed_by_server(sock, 0.2):
                closed = True
                break
    finally:
        sock.close()
    assert closed and sent < len(head)


def test_endless_chunked_body_is_cut_off(server):
    sock = _connect(server)
    answer, cut = b"", False
    try:
        sock.sendall(b"POST /webhooks/github HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                     b"Content-Type: application/json\r\nX-GitHub-Event: pull_request\r\n"
                     b"X-Hub-Signature-256: sha256=00\r\n\r\n")
        for _ in range(300):  # a chunk every ~0.2 s, for ever (bounded here: ~60 s)
            try:
                sock.sendall(b"1\r\na\r\n")
                r, _, _ = select.select([sock], [], [], 0.2)
                data = sock.recv(65536) if r else None
            except (BrokenPipeError, ConnectionResetError):
                cut = True  # closed while we were still sending: the 408 may be lost to the reset
                break
            if data == b"":
                cut = True
                break
            answer += data or b""
    finally:
        sock.close()
    assert cut
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer[:200]


def test_body_that_stops_coming_gets_408(server):
    sock = _connect(server)
    try:
        sock.sendall(b"POST /webhooks/github HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
                     b"Content-Type: application/json\r\nX-GitHub-Event: pull_request\r\n"
                     b"X-Hub-Signature-256: sha256=00\r\n\r\n{\"a\": ")
        answer = b""
        while True:
            r, _, _ = select.select([sock], [], [], 60)
            assert r, "no answer and no close from the server"
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    finally:
        sock.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"request body not received in time" in answer


def test_connection_cap_answers_503(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWBOT_GITHUB_WEBHOOK_SECRET", SECRET)
    cfg = {"data_dir": str(tmp_path), "server": {"max_connections": 3, "header_timeout": 60}}
    service = Service(cfg, workers=0, follow=False)
    with serving(service.app(), **service.limits.uvicorn_options()) as url:
        idle = [_connect(url) for _ in range(3)]
        try:
            status = None
            for _ in range(100):  # until the server has accepted the idle ones
                status = httpx.get(url + "/healthz", timeout=30).status_code
                if status == 503:
                    break
                time.sleep(0.05)
            assert status == 503
        finally:
            for s in idle:
                s.close()
        for _ in range(100):  # once they are gone, requests are served again
            if httpx.get(url + "/healthz", timeout=30).status_code == 200:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the server stayed at its connection cap after the clients left")


def test_skipped_list_mail_is_counted_in_metrics(tmp_path):
    from tests.watch.mails import Epoch, patch_mail

    ep = Epoch(tmp_path / "inbox")
    ep.add(patch_mail("q-1@example.org", "[PATCH] a question, no diff", None), time.time())
    ep.add(patch_mail("r-1@example.org", "Re: [PATCH] foo", None, refs=("q-1@example.org",)), time.time())
    cfg = {"data_dir": str(tmp_path / "data"), "watch": {"interval": 0.2},
           "lists": {"testlist": {"inbox": str(tmp_path / "inbox"), "address": "t@example.org", "quiet_minutes": 0}}}
    service = Service(cfg, workers=0, follow=True)
    with serving(service.app()) as url:
        want = ('reviewbot_mails_skipped_total{list="testlist",reason="reply"} 1.0',
                'reviewbot_mails_skipped_total{list="testlist",reason="no-patch"} 1.0')
        text = ""
        for _ in range(600):  # until the follower's first round is counted
            text = httpx.get(url + "/metrics", timeout=30).text
            if all(w in text for w in want):
                break
            time.sleep(0.05)
        assert all(w in text for w in want), [ln for ln in text.splitlines() if "skipped" in ln]
