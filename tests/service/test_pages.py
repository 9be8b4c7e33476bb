"""The results pages in a real headless browser (Debian chromium driven by Playwright):
rendering, links (to the rule pages, the original mail on lore, the PR), escaping, and a
screenshot that is a sensible, non-blank PNG."""

from __future__ import annotations

import json
import shutil
import struct
import time
import zlib

import pytest

from reviewbot.forge import tables as F
from reviewbot.web import results
from reviewbot.service.app import Service
from reviewbot.watch import tables as W
from tests.server_thread import serving

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pages")
    cfg = {"data_dir": str(tmp), "lists": {"testlist": {
        "inbox": str(tmp / "inbox"), "archive_url": "https://lore.example.org/testlist", "address": "t@example.org"}}}
    service = Service(cfg, workers=0, follow=False)
    now = time.time()
    with service.queue.engine.begin() as c:
        jid = c.execute(W.jobs.insert().values(
            list="testlist", root="zram-1@example.org", revision=2, subject="zram: fix <sysfs> races",
            sender="ann@example.org", status="done", complete=True, created=now,
            findings=json.dumps([{"fp": "ab" * 8, "desc": "MOD001 module-self-pin: try_module_get(THIS_MODULE) "
                                  "pins the module it runs in (drivers/block/zram/zram_drv.c:2171)"}]))
        ).inserted_primary_key[0]
        pid = c.execute(F.jobs.insert().values(
            forge="github", repo="acme/drivers", project="acme/drivers", number=7, head_sha="c" * 40,
            state="done", attempts=1, result="1 finding(s)", created_at=now, updated_at=now)).inserted_primary_key[0]
        c.execute(results.reviews.insert().values(job_id=pid, created=now, findings=json.dumps([
            {"rule": "MOD001", "path": "drivers/foo.c", "line": 12, "level": "warning", "fp": "cd" * 8,
             "message": "<script>alert(1)</script> pins itself"}])))
    with serving(service.app()) as url:
        yield {"url": url, "series": jid, "pr": pid}


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip("chromium not installed: run scripts/system-deps.sh")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def png_size_and_colours(data: bytes) -> tuple[int, int, int]:
    """(width, height, distinct colours among sampled pixels) of an 8-bit RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    w, h, depth, ctype = struct.unpack(">IIBB", data[16:26])
    assert depth == 8 and ctype in (2, 6)
    idat, pos = b"", 8
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + n]
        pos += 12 + n
    raw = zlib.decompress(idat)
    bpp = 3 if ctype == 2 else 4
    stride = w * bpp + 1
    colours = set()
    prev = bytearray(w * bpp)
    for y in range(h):  # undo the PNG filters row by row
        f, row = raw[y * stride], bytearray(raw[y * stride + 1:(y + 1) * stride])
        for i in range(len(row)):
            a = row[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                row[i] = (row[i] + a) & 255
            elif f == 2:
                row[i] = (row[i] + b) & 255
            elif f == 3:
                row[i] = (row[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = row
        if y % 7 == 0:
            colours.update(bytes(row[x:x + 3]) for x in range(0, len(row), bpp * 5))
    return w, h, len(colours)


def test_index_series_pr_and_rule_pages(site, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(site["url"] + "/")
    assert page.title() == "reviewbot: recent reviews"
    assert page.locator("#series").inner_text().count("zram: fix <sysfs> races") == 1  # escaped, shown as text
    assert "acme/drivers#7" in page.locator("#prs").inner_text()
    shot = tmp_path / "index.png"
    page.screenshot(path=str(shot), full_page=True)
    w, h, colours = png_size_and_colours(shot.read_bytes())
    assert w == 1200 and 300 <= h <= 4000 and colours >= 4, (w, h, colours)

    page.click("text=[v2] zram: fix <sysfs> races")
    assert page.url.endswith(f"/series/{site['series']}")
    assert page.get_attribute("#mail", "href") == "https://lore.example.org/testlist/zram-1@example.org/"
    finding = page.locator(".finding").first
    assert "drivers/block/zram/zram_drv.c:2171" in finding.inner_text()
    page.click("text=MOD001 module-self-pin")
    assert page.url.endswith("/rules/MOD001")
    assert page.locator("h1").inner_text() == "MOD001 module-self-pin"
    assert page.locator("h2", has_text="Why is this bad?").count() == 1
    assert page.locator("code").count() > 0  # `code` in the rule doc became <code>

    page.goto(f"{site['url']}/pr/{site['pr']}")
    assert page.get_attribute("#change", "href") == "https://github.com/acme/drivers/pull/7"
    msg = page.locator(".finding .message").inner_text()
    assert msg == "<script>alert(1)</script> pins itself"  # text, not markup
    assert page.locator(".finding script").count() == 0
    page.locator(".finding summary").click()
    assert "direct protection" in page.locator(".finding details").inner_text()
    page.screenshot(path=str(tmp_path / "pr.png"))

    page.goto(site["url"] + "/rules")
    assert page.locator("#rules tr").count() > 20
    r = page.goto(site["url"] + "/rules/NOPE999")
    assert r.status == 404
    page.close()
