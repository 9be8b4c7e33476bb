"""A real git repository with a small kernel-style series, and its `git format-patch` output.

Used by the session fixtures in tests/conftest.py.  The series is built with plain git (no
GitPython) so that the mails are exactly what a contributor sends:

  v1  [PATCH 0/2] cover letter
      [PATCH 1/2] foo: pin the module while the device is open   (MOD001 at foo_core.c:OPEN_LINE)
      [PATCH 2/2] foo: rename foo_util.c, drop the old logo       (rename with a hunk: MOD001 at
                  foo_helpers.c:HELPER_LINE; a binary file change, a deleted file, a new
                  non-C file)
  v2  the same two patches plus
      [PATCH v2 3/3] foo: pin the module in ioctl                 (MOD001 at foo_core.c:IOCTL_LINE)

v2 is threaded to v1's cover letter (`--in-reply-to`), as `git send-email` users do, so a
thread fetched by Message-Id holds both revisions.
"""

from __future__ import annotations

import datetime
import email.utils
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

LIST_ADDR = "testlist@example.org"

FOO_CORE = """\
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/fs.h>

static int foo_open(struct inode *inode, struct file *file)
{
\tstruct foo_dev *foo = container_of(inode->i_cdev, struct foo_dev, cdev);

\tfile->private_data = foo;
\treturn 0;
}

static long foo_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
\tstruct foo_dev *foo = file->private_data;

\treturn foo_do_ioctl(foo, cmd, arg);
}

static int foo_release(struct inode *inode, struct file *file)
{
\treturn 0;
}
"""

FOO_UTIL = """\
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>

int foo_start_worker(struct foo_dev *foo)
{
\tqueue_work(system_wq, &foo->work);
\treturn 0;
}
"""

# When the revisions were "sent": b4 takes the latest revision by date.
SENT_V1 = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.timezone.utc)
SENT_V2 = datetime.datetime(2026, 3, 9, 10, 0, tzinfo=datetime.timezone.utc)

# Line numbers of the findings in the post-images (asserted by the tests).
OPEN_LINE = 9
HELPER_LINE = 6
IOCTL_LINE = 19


@dataclass(frozen=True)
class SeriesRepo:
    repo: Path
    base: str  # the base commit (what --base= records)
    v1: list[Path]  # format-patch files: cover, 1/2, 2/2
    v2: list[Path]  # cover, 1/3, 2/3, 3/3

    @property
    def v1_range(self) -> str:
        return f"{self.base}..v1"


def git(repo: Path, *args: str, input: bytes | None = None) -> str:
    env_args = ["-c", "user.name=Ann Author", "-c", "user.email=ann@example.org",
                "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=master"]
    out = subprocess.run(["git", *env_args, *args], cwd=repo, input=input, check=True,
                         capture_output=True)
    return out.stdout.decode()


def _write(repo: Path, rel: str, text: str | bytes) -> None:
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)


def _commit(repo: Path, subject: str, body: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", subject, "-m", body + "\n\nSigned-off-by: Ann Author <ann@example.org>")


def build(root: Path) -> SeriesRepo:
    repo = root / "linux"
    repo.mkdir(parents=True)
    git(repo, "init", "-q")
    _write(repo, "drivers/misc/foo/foo_core.c", FOO_CORE)
    _write(repo, "drivers/misc/foo/foo_util.c", FOO_UTIL)
    _write(repo, "drivers/misc/foo/foo_legacy.c", "// SPDX-License-Identifier: GPL-2.0\nint foo_legacy;\n")
    _write(repo, "drivers/misc/foo/logo.bin", bytes(range(256)) * 4)
    _commit(repo, "foo: add the foo driver", "The base the series applies to.")
    base = git(repo, "rev-parse", "HEAD").strip()

    core = FOO_CORE.replace("\tfile->private_data = foo;\n\treturn 0;",
                            "\tif (!try_module_get(THIS_MODULE))\n\t\treturn -ENODEV;\n"
                            "\tfile->private_data = foo;\n\treturn 0;")
    core = core.replace("static int foo_release(struct inode *inode, struct file *file)\n{\n",
                        "static int foo_release(struct inode *inode, struct file *file)\n{\n"
                        "\tmodule_put(THIS_MODULE);\n")
    _write(repo, "drivers/misc/foo/foo_core.c", core)
    _commit(repo, "foo: pin the module while the device is open",
            "Keep the module loaded while a file is open.")

    git(repo, "mv", "drivers/misc/foo/foo_util.c", "drivers/misc/foo/foo_helpers.c")
    _write(repo, "drivers/misc/foo/foo_helpers.c",
           FOO_UTIL.replace("\tqueue_work(", "\tif (!try_module_get(THIS_MODULE))\n\t\treturn -ENODEV;\n\tqueue_work("))
    (repo / "drivers/misc/foo/foo_legacy.c").unlink()
    _write(repo, "drivers/misc/foo/logo.bin", bytes(reversed(range(256))) * 4)
    _write(repo, "Documentation/misc/foo.rst", "foo driver\n==========\n\nPins itself while open.\n")
    _commit(repo, "foo: rename foo_util.c, drop the old logo",
            "foo_util.c holds helpers: name it so.  The legacy file is unused.")
    git(repo, "tag", "v1")

    git(repo, "checkout", "-q", "-b", "v2branch")
    core2 = core.replace("\tstruct foo_dev *foo = file->private_data;\n\n\treturn foo_do_ioctl",
                         "\tstruct foo_dev *foo = file->private_data;\n\n"
                         "\tif (!try_module_get(THIS_MODULE))\n\t\treturn -ENODEV;\n\treturn foo_do_ioctl")
    _write(repo, "drivers/misc/foo/foo_core.c", core2)
    _commit(repo, "foo: pin the module in ioctl", "ioctl can race with rmmod as well.")
    git(repo, "tag", "v2")

    v1 = _format_patch(repo, root / "v1", f"{base}..v1", [], "foo: keep the module while in use", SENT_V1)
    for f in v1:  # format-patch ids are <sha>.<seconds>.git.<email>: v2 would reuse them
        f.write_text(f.read_text().replace(".git.ann@example.org>", ".v1.git.ann@example.org>"))
    cover_v1 = _msgid(v1[0])
    v2 = _format_patch(repo, root / "v2", f"{base}..v2", ["-v2", f"--in-reply-to={cover_v1}"],
                       "foo: keep the module while in use", SENT_V2)
    return SeriesRepo(repo=repo, base=base, v1=v1, v2=v2)


def _format_patch(repo: Path, out: Path, rev_range: str, extra: list[str], title: str,
                  sent: datetime.datetime) -> list[Path]:
    git(repo, "format-patch", "-q", "--cover-letter", "--thread=shallow", f"--base={rev_range.split('..')[0]}",
        f"--to={LIST_ADDR}", "-o", str(out), *extra, rev_range)
    files = sorted(out.glob("*.patch"))
    cover = files[0]
    text = cover.read_text()
    text = text.replace("*** SUBJECT HERE ***", title)
    text = text.replace("*** BLURB HERE ***", "Two places pin the module; please review.")
    cover.write_text(text)
    for i, f in enumerate(files):  # git send-email dates each mail when it sends it
        date = email.utils.format_datetime(sent + datetime.timedelta(seconds=i))
        f.write_text(re.sub(r"(?m)^Date: .*$", f"Date: {date}", f.read_text(), count=1))
    return files


def _msgid(path: Path) -> str:
    for line in path.read_text().splitlines():
        if line.lower().startswith("message-id:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"{path}: no Message-Id")


def msgid(path: Path) -> str:
    """The bare Message-Id (no <>) of a format-patch file."""
    return _msgid(path).strip("<>")


_ID = re.compile(r"\.(v1\.)?git\.ann@example\.org>")


def variant(path: Path, label: str, standalone: bool = False) -> bytes:
    """A format-patch mail with Message-Ids relabelled (a distinct posting of the same patch).

    v1 ids get `.<label>1.`, v2 ids `.<label>2.`, so a relabelled v2 still replies to the
    relabelled v1 cover.  `standalone` drops In-Reply-To/References (a thread of its own).
    """
    text = _ID.sub(lambda m: f".{label}{'1' if m.group(1) else '2'}.git.ann@example.org>", path.read_text())
    if standalone:
        text = re.sub(r"(?m)^(In-Reply-To|References):.*\n(?:[ \t].*\n)*", "", text)
    return text.encode()


def variant_msgid(path: Path, label: str) -> str:
    return _ID.sub(lambda m: f".{label}{'1' if m.group(1) else '2'}.git.ann@example.org>", f"<{msgid(path)}>").strip("<>")
