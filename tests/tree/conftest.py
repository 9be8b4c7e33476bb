"""A real kernel tree for tree-mode tests: a small git repository built from Debian's 6.12 source.

`linux-source-6.12` (scripts/system-deps.sh) ships /usr/src/linux-source-6.12.tar.xz.  The few
files the tests need (four drivers with get/put/owner patterns, their Makefiles and Kconfigs, and
the top-level headers of include/linux and include/sound) are extracted once into
`.cache/linux-6.12-subset/` (gitignored) and reused: decompressing the 145 MB xz takes ~7 s
with two threads, reading the cache ~0.1 s.  Each session then builds a git repository from
the subset (one commit, "base", with fixed dates: the commit ids are stable) and writes patches
against it with `git format-patch`: each case commits a change that ADDS a defect to a real
driver and one that FIXES it again.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import ROOT

TARBALL = Path(os.environ.get("REVIEWBOT_LINUX_TARBALL", "/usr/src/linux-source-6.12.tar.xz"))
TOPDIR = "linux-source-6.12"
CACHE = ROOT / ".cache" / "linux-6.12-subset"

# Exact files plus one-level globs ('*' does not cross '/': --no-wildcards-match-slash).
MEMBERS = (
    "drivers/leds/leds-netxbig.c", "drivers/leds/Makefile", "drivers/leds/Kconfig",
    "sound/soc/fsl/imx-es8328.c", "sound/soc/fsl/imx-audmux.h", "sound/soc/fsl/Makefile",
    "sound/soc/fsl/Kconfig",
    "drivers/dma/at_hdmac.c", "drivers/dma/dmaengine.c", "drivers/dma/dmaengine.h",
    "drivers/dma/virt-dma.h", "drivers/dma/Makefile", "drivers/dma/Kconfig",
    "drivers/misc/open-dice.c", "drivers/misc/Makefile", "drivers/misc/Kconfig",
    "drivers/leds/leds-mc13783.c", "drivers/mtd/nand/raw/ingenic/ingenic_ecc.c", "sound/hda/hdac_sysfs.c",
    "include/linux/*.h", "include/sound/*.h", "include/linux/gpio/consumer.h",
    "include/dt-bindings/dma/at91.h",
)

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author", "GIT_AUTHOR_EMAIL": "author@example.org",
    "GIT_COMMITTER_NAME": "Test Author", "GIT_COMMITTER_EMAIL": "author@example.org",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str, input: str | None = None) -> str:
    env = {**os.environ, **GIT_ENV}
    res = subprocess.run(["git", "-C", str(repo), *args], input=input, capture_output=True, text=True, env=env)
    if res.returncode:
        raise AssertionError(f"git {' '.join(args)} failed: {res.stderr.strip()}")
    return res.stdout


def extract_subset(members: tuple[str, ...] = MEMBERS, cache: Path = CACHE) -> Path:
    """The cached subset directory (extracted from the tarball on first use)."""
    return extract_members(members, cache)


def extract_members(members, cache: Path = CACHE) -> Path:
    """These files (or one-level globs) of the 6.12 tree, extracted once and cached."""
    if not TARBALL.is_file():
        pytest.skip(f"{TARBALL} is missing: run scripts/system-deps.sh (Debian package linux-source-6.12)")
    key = hashlib.sha256("\n".join(members).encode() + str(TARBALL.stat().st_size).encode()).hexdigest()[:12]
    dest = cache / key
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel sessions wait for one extraction
        if (dest / ".complete").is_file():
            return dest
        tmp = cache / f".tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        start = time.monotonic()
        xz = subprocess.Popen(["xz", "-T0", "-dc", str(TARBALL)], stdout=subprocess.PIPE)
        tar = subprocess.run(["tar", "-x", "-C", str(tmp), "--strip-components=1", "--wildcards",
                              "--no-wildcards-match-slash", *(f"{TOPDIR}/{m}" for m in members)],
                             stdin=xz.stdout, capture_output=True, text=True)
        xz.stdout.close()
        xz.wait()
        if tar.returncode or xz.returncode:
            shutil.rmtree(tmp, ignore_errors=True)
            pytest.fail(f"extracting {TARBALL} failed: {tar.stderr.strip()[:500]}")
        (tmp / ".complete").write_text(f"extracted in {time.monotonic() - start:.1f} s\n")
        shutil.rmtree(dest, ignore_errors=True)
        tmp.rename(dest)
    return dest


@dataclass
class Case:
    """A patch mail (`mbox`) and the commits around it in the kernel repository."""

    name: str
    mbox: str
    base: str  # the commit the patch applies to
    commit: str  # the commit it made


class KernelRepo:
    def __init__(self, path: Path):
        self.path = path
        self.base = git(path, "rev-parse", "HEAD").strip()
        self.cases: dict[str, Case] = {}

    def read(self, rev: str, path: str) -> str:
        return git(self.path, "show", f"{rev}:{path}")

    def change(self, name: str, edits: list[tuple[str, str, str]], subject: str, parent: str | None = None,
               body: str = "") -> Case:
        """Commit `edits` [(path, old, new)] on top of `parent` (default: base) as branch `name`."""
        parent = parent or self.base
        git(self.path, "checkout", "-q", "-B", name, parent)
        for path, old, new in edits:
            f = self.path / path
            text = f.read_text()
            assert text.count(old) == 1, f"{name}: {old!r} is not unique in {path}"
            f.write_text(text.replace(old, new))
            git(self.path, "add", path)
        git(self.path, "commit", "-q", "-m", f"{subject}\n\n{body or subject}\n\nSigned-off-by: Test Author <author@example.org>")
        commit = git(self.path, "rev-parse", "HEAD").strip()
        mbox = git(self.path, "format-patch", "-1", "--stdout", f"--base={parent}", commit)
        git(self.path, "checkout", "-q", "--detach", self.base)
        case = Case(name, mbox, parent, commit)
        self.cases[name] = case
        return case

    def mail(self, rev_range: str, base: str | None = None, commit_ids: bool = False) -> bytes:
        """The commits of `rev_range` as a threaded mbox (`git format-patch --thread`).

        git's Message-Ids carry the commit id, which tree mode recognises; unless `commit_ids`,
        they are rewritten so the mails look like any posting (applied, not looked up)."""
        args = ["format-patch", "--stdout", "--thread=shallow", "--numbered", rev_range]
        if base:
            args.insert(1, f"--base={base}")
        mbox = git(self.path, *args)
        if not commit_ids:
            mbox = re.sub(r"<([0-9a-f]{40})\.", lambda m: f"<posted-{m.group(1)[:12]}.", mbox)
        return mbox.encode()

    def worktrees(self) -> list[str]:
        return [ln for ln in git(self.path, "worktree", "list", "--porcelain").splitlines() if ln.startswith("worktree ")]


ATHDMAC = "drivers/dma/at_hdmac.c"
OPENDICE = "drivers/misc/open-dice.c"
NETXBIG = "drivers/leds/leds-netxbig.c"
ES8328 = "sound/soc/fsl/imx-es8328.c"

# (old, new) text of each defect; the fix is the same edit reversed.
DEFECTS = {
    # the at_hdmac leak that 3832b78b3ec2 fixed: the lookup's device reference is not dropped
    "drop-put-device": (ATHDMAC, "\tif (!atslave) {\n\t\tput_device(&dmac_pdev->dev);\n\t\treturn NULL;\n",
                        "\tif (!atslave) {\n\t\treturn NULL;\n",
                        "dmaengine: at_hdmac: simplify at_dma_xlate() error path"),
    # an error path that returns instead of unwinding through put_device
    "return-skips-put": (NETXBIG, "\t\ttimers = devm_kcalloc(dev, num_timers, sizeof(*timers),\n\t\t\t\t      GFP_KERNEL);\n"
                         "\t\tif (!timers) {\n\t\t\tret = -ENOMEM;\n\t\t\tgoto put_device;\n\t\t}\n",
                         "\t\ttimers = devm_kcalloc(dev, num_timers, sizeof(*timers),\n\t\t\t\t      GFP_KERNEL);\n"
                         "\t\tif (!timers)\n\t\t\treturn -ENOMEM;\n",
                         "leds: netxbig: return early when timers cannot be allocated"),
    "drop-fops-owner": (OPENDICE, "static const struct file_operations open_dice_fops = {\n\t.owner = THIS_MODULE,\n",
                        "static const struct file_operations open_dice_fops = {\n",
                        "misc: open-dice: drop the owner of open_dice_fops"),
    "self-pin": (OPENDICE, "\tunsigned long val = to_open_dice_drvdata(filp)->rmem->size;\n\n"
                 "\treturn simple_read_from_buffer(ptr, len, off, &val, sizeof(val));\n",
                 "\tunsigned long val = to_open_dice_drvdata(filp)->rmem->size;\n\tssize_t ret;\n\n"
                 "\tif (!try_module_get(THIS_MODULE))\n\t\treturn -ENODEV;\n"
                 "\tret = simple_read_from_buffer(ptr, len, off, &val, sizeof(val));\n"
                 "\tmodule_put(THIS_MODULE);\n\treturn ret;\n",
                 "misc: open-dice: pin the module while reading"),
    "drop-card-owner": (ES8328, "\tdata->card.num_links = 1;\n\tdata->card.owner = THIS_MODULE;\n",
                        "\tdata->card.num_links = 1;\n",
                        "ASoC: fsl: imx-es8328: do not set the card owner"),
}


@pytest.fixture(scope="session")
def kernel_subset() -> Path:
    return extract_subset()


@pytest.fixture(scope="session")
def kernel_repo(kernel_subset: Path, tmp_path_factory) -> KernelRepo:
    path = tmp_path_factory.mktemp("kernel") / "linux"
    shutil.copytree(kernel_subset, path, ignore=shutil.ignore_patterns(".complete"))
    git(path, "init", "-q", "-b", "master")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "base: linux-source-6.12 subset")
    repo = KernelRepo(path)
    for name, (file, old, new, subject) in DEFECTS.items():
        bad = repo.change(name, [(file, old, new)], subject)
        repo.change(f"fix-{name}", [(file, new, old)], f"Revert \"{subject}\"", parent=bad.commit)
    # two patches to one file: patch 2's pre-image is patch 1's post-image
    _, sp_old, sp_new, sp_subject = DEFECTS["self-pin"]
    _, fo_old, fo_new, fo_subject = DEFECTS["drop-fops-owner"]
    first = repo.change("series-1", [(OPENDICE, sp_old, sp_new)], sp_subject)
    repo.change("series-2", [(OPENDICE, fo_old, fo_new)], fo_subject, parent=first.commit)
    # a built-in-only (bool) object
    repo.change("touch-dmaengine", [("drivers/dma/dmaengine.c", " * The subsystem keeps a global list",
                                     " * The subsystem keeps one global list")], "dmaengine: comment")
    # three lines more at the top of open-dice.c: patches made against base apply with an offset
    repo.change("shift", [(OPENDICE, "#include <linux/io.h>\n", "/*\n * shifted\n */\n#include <linux/io.h>\n")],
                "misc: open-dice: a comment")
    return repo
