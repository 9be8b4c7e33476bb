"""Every source kind, end to end through the CLI: the same patch gives the same findings.

The series (tests/ingest/gitseries.py) is reviewed as an mbox with and without cover letter,
a directory of `git format-patch` files, stdin, `--git RANGE --repo DIR`, a Message-Id (real
public-inbox), and patch by patch as .patch and .eml files.  Findings are compared as JSON,
fingerprints included; only the patch Message-Ids may differ between postings.
"""

from __future__ import annotations

import email.policy
import email.utils
import subprocess
from email.message import EmailMessage

import pytest

from tests.cli.clirun import comparable, run, run_console
from tests.ingest.gitseries import HELPER_LINE, OPEN_LINE

ARGS = ("review", "--all", "--format", "json")
EXPECTED = [("drivers/misc/foo/foo_core.c", OPEN_LINE, 1), ("drivers/misc/foo/foo_helpers.c", HELPER_LINE, 2)]


@pytest.fixture(scope="module")
def reference(series_repo, tmp_path_factory):
    """The v1 series as one mbox with its cover letter: what the other sources must match."""
    mbox = tmp_path_factory.mktemp("ref") / "series.mbox"
    mbox.write_bytes(b"".join(f.read_bytes() for f in series_repo.v1))
    res = run(*ARGS, str(mbox))
    assert res.rc == 1, res.err
    doc = res.json()
    assert [(f["path"], f["line"], f["patch"]["index"]) for f in doc["findings"] if f["rule"] == "MOD001"] == EXPECTED
    return doc


def _same(doc: dict, reference: dict) -> None:
    assert comparable(doc) == comparable(reference)
    assert [f["fingerprint"] for f in doc["findings"]] == [f["fingerprint"] for f in reference["findings"]]


def test_mbox_with_cover_letter(reference):
    assert reference["series"]["subject"] == "foo: keep the module while in use"
    assert reference["notes"] == []


def test_mbox_without_cover_letter(series_repo, tmp_path, reference):
    mbox = tmp_path / "nocover.mbox"
    mbox.write_bytes(subprocess.run(["git", "format-patch", "--stdout", "--numbered", "--thread=shallow",
                                     series_repo.v1_range], cwd=series_repo.repo, check=True,
                                    capture_output=True).stdout)
    res = run(*ARGS, str(mbox))
    assert res.rc == 1
    _same(res.json(), reference)
    assert res.json()["series"]["subject"] == "foo: pin the module while the device is open"


def test_directory_of_format_patch_files(series_repo, reference):
    res = run(*ARGS, str(series_repo.v1[0].parent))
    assert res.rc == 1
    _same(res.json(), reference)
    assert res.json()["series"] == reference["series"]


def test_stdin(series_repo, reference):
    res = run(*ARGS, "-", stdin=b"".join(f.read_bytes() for f in series_repo.v1))
    assert res.rc == 1
    assert res.json() == reference


def test_git_range(series_repo, reference, tmp_path):
    res = run(*ARGS, "--git", series_repo.v1_range, "--repo", str(series_repo.repo), cwd=tmp_path)
    assert res.rc == 1, res.err
    _same(res.json(), reference)
    assert res.json()["series"]["base"] == series_repo.base


def test_git_range_from_inside_the_repository(series_repo, reference):
    res = run(*ARGS, "--git", series_repo.v1_range, cwd=series_repo.repo / "drivers")
    assert res.rc == 1, res.err
    _same(res.json(), reference)


def test_message_id(public_inbox, reference, tmp_path):
    res = run(*ARGS, "--revision", "1", "--midmask", public_inbox.midmask, public_inbox.v1_cover, cwd=tmp_path)
    assert res.rc == 1, res.err
    _same(res.json(), reference)
    assert res.json()["series"] == reference["series"]


@pytest.mark.parametrize("index", [1, 2])
def test_single_patch_file(series_repo, reference, index):
    res = run(*ARGS, str(series_repo.v1[index]))
    assert res.rc == 1
    doc = res.json()
    want = [f for f in reference["findings"] if f["patch"]["index"] == index]
    assert doc["findings"] == want


def _as_eml(raw: bytes, cte: str | None = None) -> bytes:
    """The mail as a mail client saves it: no mbox From_ line, CRLF, optionally re-encoded body."""
    msg = email.message_from_bytes(raw.split(b"\n", 1)[1], policy=email.policy.default)
    if cte is None:
        return msg.as_bytes(policy=email.policy.SMTP)
    out = EmailMessage()
    for name in ("From", "To", "Date", "Subject", "Message-Id", "In-Reply-To", "References"):
        if msg[name]:
            out[name] = msg[name]
    out.set_content(msg.get_content(), subtype="plain", charset="utf-8", cte=cte)
    return out.as_bytes(policy=email.policy.SMTP)


@pytest.mark.parametrize("cte", [None, "quoted-printable", "base64"])
def test_eml_file(series_repo, reference, tmp_path, cte):
    eml = tmp_path / "patch.eml"
    eml.write_bytes(_as_eml(series_repo.v1[2].read_bytes(), cte))
    assert b"\r\n" in eml.read_bytes()
    if cte:
        assert f"Content-Transfer-Encoding: {cte}".encode() in eml.read_bytes()
        encoded = b"=3D" if cte == "quoted-printable" else b"dHJ5X21vZHVsZV9nZXQoVEhJU19NT0RVTEUp"
        assert encoded in eml.read_bytes() or cte == "base64"  # really encoded
        assert (b"try_module_get(THIS_MODULE)" in eml.read_bytes()) == (cte == "quoted-printable")
    res = run(*ARGS, str(eml))
    assert res.rc == 1, res.err
    assert res.json()["findings"] == [f for f in reference["findings"] if f["patch"]["index"] == 2]


def test_several_sources_in_one_call_give_json_lines(series_repo, reference):
    res = run(*ARGS, str(series_repo.v1[1]), str(series_repo.v1[2]))
    assert res.rc == 1
    docs = [__import__("json").loads(line) for line in res.out.splitlines()]
    assert [f for d in docs for f in d["findings"]] == reference["findings"]


def test_console_script_reviews_a_file(series_repo, reference):
    """The installed `reviewbot` entry point, in its own process."""
    res = run_console(*ARGS, str(series_repo.v1[0].parent))
    assert res.rc == 1, res.err
    assert res.json() == run(*ARGS, str(series_repo.v1[0].parent)).json()
