"""Results pages worth opening (issue: no search, filters or pagination; a finding showed no
patch n/m, level, confidence or quoted line; no link to the reply; a missing id gave raw
JSON; Markdown showed as literal asterisks; no access control while the README suggested
`--host 0.0.0.0`).  In the real browser (Debian chromium through Playwright), like
tests/service/test_pages.py, plus the guard through FastAPI's test client (not loopback)."""

from __future__ import annotations

import json
import time

import pytest

from reviewbot.forge import tables as F
from reviewbot.web import results
from reviewbot.service.app import Service
from reviewbot.watch import tables as W
from reviewbot.web import pages
from tests.server_thread import serving
from tests.service.test_pages import browser  # noqa: F401  (the chromium fixture)

N_SERIES = 30  # more than one page (pages.PER_PAGE)


def _record(patch: int, patches: int, rule="MOD001", line=1725, level="warning", confidence="high") -> dict:
    return {"fp": f"{patch:016x}", "desc": f"{rule} x: msg (drivers/block/zram/zram_drv.c:{line})", "rule": rule,
            "level": level, "confidence": confidence, "path": "drivers/block/zram/zram_drv.c", "line": line,
            "side": "new", "text": "\tif (!try_module_get(THIS_MODULE))",
            "message": "try_module_get(THIS_MODULE) pins the module from its own code",
            "patch": patch, "patches": patches, "patch_msgid": f"p{patch}@example.org"}


def _seed(service: Service) -> dict:
    now = time.time()
    ids = {}
    with service.queue.engine.begin() as c:
        for i in range(N_SERIES):
            lst = "leds" if i % 2 else "block"
            findings = [_record(2, 3)] if i % 3 == 0 else [_record(1, 1, rule="MOD006", line=90, confidence="medium")]
            jid = c.execute(W.jobs.insert().values(
                list=lst, root=f"root-{i}@example.org", revision=1, subject=f"foo: change number {i:02d}",
                sender="ann@example.org" if i < 20 else "bob@example.org", status="done", complete=True,
                created=now - i, findings=json.dumps(findings))).inserted_primary_key[0]
            ids[i] = jid
        c.execute(W.outbox.insert().values(
            msgid="<reviewbot-reply-0@localhost>", list="block", job_id=ids[0], patch_msgid="p2@example.org",
            author="ann@example.org", recipients="[]", raw=b"", status="sent", attempts=1, not_before=now,
            created=now, done_at=now))
        pid = c.execute(F.jobs.insert().values(
            forge="github", repo="acme/drivers", project="acme/drivers", number=7, head_sha="c" * 40,
            state="done", attempts=1, result="1 finding(s)", created_at=now, updated_at=now)).inserted_primary_key[0]
        c.execute(results.reviews.insert().values(job_id=pid, created=now, findings=json.dumps([
            dict(_record(1, 1), rule="MOD003", level="error")])))
    return {"series": ids, "pr": pid}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pagesfind")
    cfg = {"data_dir": str(tmp), "lists": {
        "block": {"inbox": str(tmp / "b"), "archive_url": "https://lore.example.org/block"},
        "leds": {"inbox": str(tmp / "l"), "archive_url": "https://lore.example.org/leds"}}}
    service = Service(cfg, workers=0, follow=False)
    ids = _seed(service)
    with serving(service.app()) as url:
        yield dict(ids, url=url, cfg=cfg, service=service)


def _subjects(page) -> list[str]:
    return [t for t in page.locator("#series a").all_inner_texts()]


def test_pagination_search_and_filters(site, browser):  # noqa: F811
    page = browser.new_page()
    page.goto(site["url"] + "/")
    assert len(_subjects(page)) == pages.PER_PAGE and "Page 1 of 2" in page.locator("#pages").inner_text()
    page.click("#older")
    assert len(_subjects(page)) == N_SERIES - pages.PER_PAGE and "page=2" in page.url
    page.click("#newer")
    assert len(_subjects(page)) == pages.PER_PAGE

    page.fill("input[name=q]", "number 07")
    page.click("#filters button")
    assert _subjects(page) == ["[v1] foo: change number 07"]

    page.goto(site["url"] + "/")
    page.select_option("select[name=list]", "leds")
    page.fill("input[name=author]", "bob@")
    page.click("#filters button")
    got = _subjects(page)
    assert got and all(int(s[-2:]) % 2 == 1 and int(s[-2:]) >= 20 for s in got)
    assert page.locator("#prs").count() == 0  # PRs have no list or author

    page.goto(site["url"] + "/?rule=device-ref-imbalance")  # a slug works as well as an ID
    assert _subjects(page) == []
    page.goto(site["url"] + "/?rule=MOD001&state=done")
    assert len(_subjects(page)) == len(range(0, N_SERIES, 3))
    page.goto(site["url"] + "/?repo=acme/drivers")
    assert page.locator("#series").count() == 0 and "acme/drivers#7" in page.locator("#prs").inner_text()
    page.close()


def test_finding_shows_patch_level_confidence_line_and_reply(site, browser):  # noqa: F811
    page = browser.new_page()
    page.goto(f"{site['url']}/series/{site['series'][0]}")
    f = page.locator(".finding").first
    assert f.locator(".level").inner_text() == "WARNING"
    assert f.locator(".patch").inner_text() == "2/3"
    assert f.locator(".where").inner_text() == "drivers/block/zram/zram_drv.c:1725"
    assert f.locator(".quote").inner_text() == "+\tif (!try_module_get(THIS_MODULE))"
    assert f.locator(".reply").get_attribute("href") == "https://lore.example.org/block/reviewbot-reply-0@localhost/"
    page.goto(f"{site['url']}/series/{site['series'][1]}")
    assert page.locator(".finding .confidence").inner_text() == "medium confidence"
    page.goto(f"{site['url']}/pr/{site['pr']}")
    f = page.locator(".finding").first
    assert f.locator(".level").inner_text() == "ERROR" and f.locator(".patch").inner_text() == "1/1"
    assert f.locator(".reply").get_attribute("href") == "https://github.com/acme/drivers/pull/7/files"
    page.close()


def test_errors_are_html_pages(site, browser):  # noqa: F811
    page = browser.new_page()
    for path in ("/series/99999", "/series/abc", "/pr/99999", "/rules/NOPE999", "/no/such/page"):
        r = page.goto(site["url"] + path)
        assert r.status == 404 and r.headers["content-type"].startswith("text/html"), path
        assert page.locator("#error").inner_text() == "404"
    page.close()


def test_rule_docs_are_rendered_not_literal_markdown(site, browser):  # noqa: F811
    page = browser.new_page()
    page.goto(site["url"] + "/rules/MOD014")
    body = page.locator("main").inner_text()
    assert "*client*" not in body and "`" not in body and "```" not in body
    assert page.locator("main em", has_text="client").count() >= 1
    page.close()


def test_pages_are_loopback_only_without_a_token(site):
    from fastapi.testclient import TestClient

    client = TestClient(site["service"].app())  # its client address is not loopback
    r = client.get("/", headers={"accept": "text/html"})
    assert r.status_code == 403 and "loopback only" in r.text and r.headers["content-type"].startswith("text/html")
    assert client.get(f"/series/{site['series'][0]}").status_code == 403
    assert client.get("/rules/MOD001").status_code == 200  # rule pages stay public: mails link them


def test_a_read_only_token_guards_the_pages(site, browser, monkeypatch):  # noqa: F811
    monkeypatch.setenv("REVIEWBOT_PAGES_TOKEN", "s3cret")
    page = browser.new_page()
    r = page.goto(site["url"] + "/")
    assert r.status == 401 and "read-only token" in page.locator(".message").inner_text()
    r = page.goto(site["url"] + "/?token=wrong")
    assert r.status == 401
    r = page.goto(site["url"] + "/?token=s3cret")
    assert r.status == 200
    r = page.goto(f"{site['url']}/series/{site['series'][0]}")  # the cookie carries it on
    assert r.status == 200
    page.close()
    from fastapi.testclient import TestClient

    client = TestClient(site["service"].app())
    assert client.get("/", headers={"authorization": "Bearer s3cret"}).status_code == 200


def test_public_pages_when_configured(site):
    from fastapi.testclient import TestClient

    cfg = dict(site["cfg"], pages={"public": True}, data_dir=site["cfg"]["data_dir"])
    service = Service(cfg, workers=0, follow=False)
    assert TestClient(service.app()).get("/").status_code == 200
