"""The novelty filter's shortcut (reviewbot.novelty.SHORTCUT) changes no finding.

With the shortcut, a rule is not run again on a patch's pre/post views when none of its
findings sits on a line whose text is on the old side (every finding is then new).  Without
it, every rule that found something runs on both views, as before.  Every real patch under
tests/data and examples/ (and, when ../shared is there, the dev corpus and the first
noise-mbox mails) is reviewed both ways, with every finding shown (--all): the findings must
be the same, in the same order.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from reviewbot import novelty, pipeline
from reviewbot.errors import InputError
from tests.helpers import ROOT, SHARED as _SHARED

SHARED = _SHARED / "corpus"


def _sources() -> list[Path]:
    out = sorted((ROOT / "tests" / "data").rglob("*.patch")) + sorted((ROOT / "examples").glob("*.patch"))
    assert len(out) > 50
    return out


def _findings(paths: list[Path], shortcut: bool, monkeypatch) -> list[tuple]:
    monkeypatch.setattr(novelty, "SHORTCUT", shortcut)
    out = []
    for path in paths:
        try:
            all_series = pipeline.load([str(path)], errors=[])
        except InputError:
            continue
        for series in all_series:
            review = pipeline.review_series(series)
            out += [(str(path), f.patch_index, f.rule.id, f.path, f.line, f.side.value, f.message,
                     f.effective_confidence.value) for f in review.findings]
    return out


def _same_both_ways(paths: list[Path], monkeypatch) -> int:
    logging.disable(logging.CRITICAL)
    try:
        fast = _findings(paths, True, monkeypatch)
        slow = _findings(paths, False, monkeypatch)
    finally:
        logging.disable(logging.NOTSET)
    assert fast == slow
    return len(fast)


def test_same_findings_with_and_without_the_shortcut_on_the_test_patches(monkeypatch):
    assert _same_both_ways(_sources(), monkeypatch) > 20  # patches with findings among them


def test_same_findings_on_the_dev_corpus_and_noise_mails(monkeypatch, tmp_path):
    if not SHARED.is_dir():
        pytest.skip("../shared/corpus is not here (a clean clone): the test patches above still run")
    paths = sorted((SHARED / "dev" / "cases").glob("*.patch"))
    noise = SHARED / "noise" / "patches.mbox"
    if noise.is_file():  # the first 300 mails: ordinary patches, where most findings are not new
        raw = noise.read_bytes()
        cut = 0
        for _ in range(300):
            nxt = raw.find(b"\nFrom mboxrd@z ", cut + 1)
            if nxt < 0:
                break
            cut = nxt
        part = tmp_path / "noise-300.mbox"
        part.write_bytes(raw[:cut + 1] if cut else raw)
        paths.append(part)
    assert _same_both_ways(paths, monkeypatch) > 20
