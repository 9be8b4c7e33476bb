"""The diff model (reviewbot.diffparse over unidiff) on real `git format-patch` output and real mail."""

from __future__ import annotations

import pytest

from reviewbot import engine
from reviewbot.checks.module import module_self_pin
from reviewbot.diffparse import DiffError, find_diff, parse_diff, parse_diff_lenient
from reviewbot.ingest import b4 as b4src
from tests.conftest import DATA
from tests.helpers import assert_fires, assert_quiet, diff


def _series(path_or_bytes, name="x"):
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else path_or_bytes.read_bytes()
    (series,) = b4src.series_from_mbox_bytes(data, name)
    return series


@pytest.fixture(scope="module")
def patch2(series_repo):
    """[PATCH 2/2]: a rename with a hunk, a new .rst, a deleted .c and a binary change."""
    (p,) = _series(series_repo.v1[2]).patches
    return p


def _file(patch, path):
    (fd,) = [f for f in patch.files if f.path == path]
    return fd


def test_rename_with_changes(patch2):
    fd = _file(patch2, "drivers/misc/foo/foo_helpers.c")
    assert fd.is_rename and fd.old_path == "drivers/misc/foo/foo_util.c"
    assert not fd.is_new and not fd.is_deleted
    (hunk,) = fd.hunks
    assert (hunk.old_start, hunk.old_len, hunk.new_start, hunk.new_len) == (3, 6, 3, 8)
    assert [(ln.new_no, ln.text) for ln in fd.added()] == [
        (6, "\tif (!try_module_get(THIS_MODULE))"), (7, "\t\treturn -ENODEV;")]
    # context lines carry both numbers
    assert [(ln.old_no, ln.new_no) for ln in hunk.lines if ln.kind == " "][-1] == (8, 10)


def test_new_file_and_non_c_files_are_skipped(patch2):
    rst = _file(patch2, "Documentation/misc/foo.rst")
    assert rst.is_new and rst.old_path is None and not rst.is_c
    assert [ln.new_no for ln in rst.added()] == [1, 2, 3, 4]
    assert rst not in patch2.c_files


def test_deleted_file(patch2):
    fd = _file(patch2, "drivers/misc/foo/foo_legacy.c")
    assert fd.is_deleted and fd.old_path == fd.path
    assert [(ln.old_no, ln.new_no) for ln in fd.removed()] == [(1, None), (2, None)]


def test_binary_patch(patch2):
    fd = _file(patch2, "drivers/misc/foo/logo.bin")
    assert fd.is_binary and fd.hunks == ()
    assert fd not in patch2.c_files
    assert len(patch2.files) == 4 and patch2.problems == ()


def test_binary_file_differ_line():
    (fd,) = parse_diff("diff --git a/fw/blob.c b/fw/blob.c\nindex 1..2 100644\n"
                       "Binary files a/fw/blob.c and b/fw/blob.c differ\n")
    assert fd.is_binary and fd not in _one_patch_c_files(fd)


def _one_patch_c_files(fd):
    from reviewbot.model import Patch

    return Patch(1, "s", None, "a", "", "", "", (fd,)).c_files


def test_crlf_mail_gives_the_same_model(series_repo):
    raw = series_repo.v1[1].read_bytes()
    plain, crlf = _series(raw), _series(raw.replace(b"\n", b"\r\n"))
    assert crlf.patches[0].files == plain.patches[0].files
    assert not any("\r" in ln.text for fd in crlf.patches[0].files for ln in fd.lines())


def test_no_newline_at_end_of_file():
    text = ("diff --git a/lib/x.c b/lib/x.c\n--- a/lib/x.c\n+++ b/lib/x.c\n@@ -1,2 +1,3 @@\n"
            " int a;\n-int b;\n\\ No newline at end of file\n+int b;\n+int c;\n\\ No newline at end of file\n")
    (fd,) = parse_diff(text)
    assert [(ln.kind, ln.old_no, ln.new_no, ln.text) for ln in fd.lines()] == [
        (" ", 1, 1, "int a;"), ("-", 2, None, "int b;"), ("+", None, 2, "int b;"), ("+", None, 3, "int c;")]


def test_quoted_printable_real_mail():
    """Real linux-usb mail sent quoted-printable (`=2D--`, soft line breaks in the hunk header)."""
    raw = (DATA / "ingest/qp-noise-110.eml").read_bytes()
    assert b"Content-Transfer-Encoding: quoted-printable" in raw and b"=2D--" in raw
    (p,) = _series(raw).patches
    (fd,) = p.files
    assert fd.path == "drivers/usb/host/xhci-ring.c"
    assert fd.hunks[0].section == "static int process_bulk_intr_td(struct xhci_hcd *xhci, struct xhci_td *td,"
    assert [(ln.kind, ln.old_no or ln.new_no) for ln in fd.added() + fd.removed()] == [("+", 2273), ("-", 2273)]
    assert "Signed-off-by" in p.message and "=2D" not in p.diff


def test_base64_real_mail():
    """Real alsa-devel mail sent base64 with CRLF inside the encoded body."""
    raw = (DATA / "ingest/base64-noise-507.eml").read_bytes()
    assert b"Content-Transfer-Encoding: base64" in raw
    (p,) = _series(raw).patches
    (fd,) = p.files
    assert fd.path == "sound/soc/amd/yc/acp6x-mach.c"
    assert [ln.new_no for ln in fd.added()] == [664, 665, 666, 667, 668, 669, 670, 703]
    assert not any("\r" in ln.text for ln in fd.lines())


def test_signature_after_the_diff_is_not_part_of_it(series_repo):
    body = series_repo.v1[1].read_text().split("\n\n", 1)[1]
    assert "\n-- \n" in body  # git format-patch ends with its version as signature
    assert "\n-- \n" not in find_diff(body)


def test_non_c_files_are_never_checked():
    series = diff("""
        --- a/Documentation/driver-api/foo.rst
        +++ b/Documentation/driver-api/foo.rst
        @@ -1,1 +1,2 @@
         Example:
        +\tif (!try_module_get(THIS_MODULE))
    """)
    assert_quiet(module_self_pin, series, include_low=True)
    c_series = diff("""
        --- a/drivers/foo/foo.h
        +++ b/drivers/foo/foo.h
        @@ -1,1 +1,2 @@
         static inline int foo_get(void) {
        +\tif (!try_module_get(THIS_MODULE))
    """)
    assert_fires(module_self_pin, c_series, at=[("drivers/foo/foo.h", 2)])


def test_wrong_hunk_counts_are_a_diff_error():
    text = "--- a/x.c\n+++ b/x.c\n@@ -1,5 +1,6 @@\n int a;\n+int b;\n"
    with pytest.raises(DiffError):
        parse_diff(text)


def test_one_damaged_file_is_skipped_and_reported():
    good = "diff --git a/a.c b/a.c\n--- a/a.c\n+++ b/a.c\n@@ -1,1 +1,2 @@\n int a;\n+int b;\n"
    bad = "diff --git a/b.c b/b.c\n--- a/b.c\n+++ b/b.c\n@@ -1,9 +1,9 @@\n int a;\n"
    files, problems = parse_diff_lenient(good + bad)
    assert [f.path for f in files] == ["a.c"]
    assert problems == ("b.c: malformed diff: a hunk ends before the line counts of its @@ header "
                        "(truncated diff or wrong hunk counts)",)
    review = engine.review(_series(b"Subject: [PATCH] t\n\n---\n" + (good + bad).encode()))
    assert any(n.startswith("patch 1: skipped b.c: malformed diff") for n in review.notes)
