#!/usr/bin/env python3
"""reviewbot's benchmarks, side by side with checkpatch.pl.  See benchmarks/README.md.

    .venv/bin/python benchmarks/run.py            # everything, 3 runs each, median
    .venv/bin/python benchmarks/run.py --quick    # everything, 1 run each
    .venv/bin/python benchmarks/run.py --smoke    # 3 patches, no checkpatch/tree/kernel source

Every measured program runs in its own process (reviewbot through its CLI or
benchmarks/worker.py, checkpatch.pl through perl); wall time is taken around it, CPU time
(user + sys) and peak RSS come from the kernel (os.wait4).  Inputs and the kernel source are
prepared once under .cache/bench/ and reused.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("REVIEWBOT_BENCH_CACHE", ROOT / ".cache" / "bench"))
NOISE = ROOT.parent / "shared" / "corpus" / "noise" / "patches.mbox"
TARBALL = Path("/usr/src/linux-source-6.12.tar.xz")
LINUX = CACHE / "linux-source-6.12"
TREE = CACHE / "tree-6.12"
PYTHON = Path(sys.executable)
_SCRIPT = PYTHON.parent / "reviewbot"  # the console script users run (python -m otherwise)
REVIEWBOT = [str(_SCRIPT)] if _SCRIPT.exists() else [str(PYTHON), "-m", "reviewbot.cli"]
WORKER = [str(PYTHON), str(Path(__file__).resolve().parent / "worker.py")]
# The ~22k-line driver of the "one very large patch" input (a new-file patch of both files).
BIG_DRIVER = ("drivers/net/ethernet/broadcom/tg3.c", "drivers/net/ethernet/broadcom/tg3.h")
CHECKPATCH_FILES = ("scripts/checkpatch.pl", "scripts/spelling.txt", "scripts/const_structs.checkpatch")
SERIES_LENGTHS = (1, 10, 100, 1000)
PATCH_SIZES = (10, 100, 1000, 5000, 10000, 20000)
HUNK_COUNTS = (1000, 10000, 100000)
BIG_BYTES = 20 * 1024 * 1024  # the "20 MB patch": new files of real driver source
FROM_LINE = "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"


class BenchError(Exception):
    pass


# The measured processes run as an installed reviewbot does: with its bytecode compiled (pip
# compiles a wheel's modules at install time).  PYTHONDONTWRITEBYTECODE, set on some machines,
# would otherwise make every run compile ~50 modules from source (~40 ms of start-up).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def compile_bytecode() -> None:
    subprocess.run([str(PYTHON), "-m", "compileall", "-q", str(ROOT / "reviewbot"), str(ROOT / "checks")],
                   env=ENV, check=True, stdout=subprocess.DEVNULL)


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Measuring one process


@dataclass
class Run:
    wall: float
    cpu: float  # user + sys of the process and its children
    rss_mb: float  # peak resident set size
    rc: int
    stdout: str = ""
    stderr: str = ""


def measure(argv: list[str], cwd: Path | None = None, keep_stdout: bool = False, env: dict | None = None) -> Run:
    """Run argv to completion; stdout to a file (or /dev/null), stderr captured."""
    out_path = CACHE / "last.stdout"
    err_path = CACHE / "last.stderr"
    with open(out_path if keep_stdout else os.devnull, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                env=dict(ENV, **(env or {})))
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(wall=wall, cpu=ru.ru_utime + ru.ru_stime, rss_mb=ru.ru_maxrss / 1024, rc=proc.returncode,
               stdout=out_path.read_text(errors="replace") if keep_stdout else "",
               stderr=err_path.read_text(errors="replace"))


# The hunk-count rows review one patch of up to 100,000 hunks / 27 MB: over the size limits
# that refuse such a mail by default (reviewbot.budget); lifted for those rows only.
NO_SIZE_LIMITS = {"REVIEWBOT_MAX_HUNKS": "0", "REVIEWBOT_MAX_MAIL_BYTES": "0"}


def reviewbot_run(source: Path, whole: bool = False) -> Run:
    """`reviewbot review SOURCE`; `whole`: one patch that must be reviewed (not refused)."""
    run = measure(REVIEWBOT + ["review", str(source)], env=NO_SIZE_LIMITS if whole else None)
    if whole and run.rc not in (0, 1):
        raise BenchError(f"reviewbot review {source} did not review it (exit {run.rc}): {run.stderr.strip()[-500:]}")
    # Exit 2 with one "reviewbot: ..." line per damaged thread (a few noise mails have mangled
    # diffs) still means every other thread was reviewed; a traceback never does.
    damaged_only = run.rc == 2 and all(ln.startswith("reviewbot: ") for ln in run.stderr.splitlines())
    if not (run.rc in (0, 1) or damaged_only) or "Traceback" in run.stderr:
        raise BenchError(f"reviewbot review {source} failed (exit {run.rc}): {run.stderr.strip()[-500:]}")
    return run


def checkpatch_run(files: list[Path]) -> Run:
    # --no-tree: checkpatch's cheapest configuration.  In a tree it also runs get_maintainer.pl
    # once per touched file (MAINTAINERS status), several times slower; spelling.txt and
    # const_structs.checkpatch are read from beside the script either way.  --root=. all the
    # same: the CamelCase check seeds itself from include/*.h (`find $root/include`, cached in
    # .checkpatch-camelcase.*), and without a root it runs `find /include` and warns.
    run = measure(["perl", "scripts/checkpatch.pl", "--no-tree", "--root=.", *map(str, files)], cwd=LINUX,
                  keep_stdout=True)
    done = len(re.findall(r"^total: \d+ errors", run.stdout, re.M))
    if run.rc not in (0, 1) or run.stderr.strip() or done != len(files):
        raise BenchError(f"checkpatch.pl did not run cleanly (exit {run.rc}, {done}/{len(files)} "
                         f"patches checked): {run.stderr.strip()[:500]}")
    return run


def worker_run(sources: list[Path], tree: Path | None = None) -> tuple[Run, dict]:
    argv = WORKER + (["--tree", str(tree)] if tree else []) + [str(s) for s in sources]
    run = measure(argv, keep_stdout=True)
    if run.rc != 0:
        raise BenchError(f"worker failed (exit {run.rc}): {run.stderr.strip()[-800:]}")
    return run, json.loads(run.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# Inputs (prepared once under .cache/bench/)


def ensure_linux() -> Path:
    """The Debian linux-source-6.12 tree, extracted once (checkpatch.pl, its data, big driver)."""
    if (LINUX / ".extracted").exists():
        return LINUX
    if not TARBALL.exists():
        raise BenchError(f"{TARBALL} not found: apt-get install linux-source-6.12 (or run with --no-linux)")
    log(f"extracting {TARBALL} into {LINUX} (once, ~30 s)")
    tmp = CACHE / "linux.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    subprocess.run(["tar", "-xJf", str(TARBALL), "-C", str(tmp)], check=True)
    shutil.rmtree(LINUX, ignore_errors=True)
    (tmp / "linux-source-6.12").rename(LINUX)
    tmp.rmdir()
    for f in CHECKPATCH_FILES:
        if not (LINUX / f).exists():
            raise BenchError(f"{f} missing from {TARBALL}")
    (LINUX / ".extracted").touch()
    return LINUX


def ensure_tree_repo() -> tuple[Path, Run | None]:
    """A git repository of the whole 6.12 source (one commit), built once; returns its cost."""
    if (TREE / ".built").exists():
        return TREE, None
    ensure_linux()
    log(f"building the git repository {TREE} from the whole 6.12 source (once, ~1-2 min)")
    shutil.rmtree(TREE, ignore_errors=True)
    subprocess.run(["cp", "-al", str(LINUX), str(TREE)], check=True)  # hard links: no copy
    (TREE / ".extracted").unlink(missing_ok=True)
    # Debian's tarball ignores everything at the top level (.gitignore '/*'): add -f.
    script = ("git init -q && git add -A -f && git -c user.name=bench -c user.email=bench@example.org "
              "commit -q -m 'linux-source-6.12 (Debian)'")
    cost = measure(["sh", "-c", script], cwd=TREE)
    if cost.rc != 0:
        raise BenchError(f"building {TREE} failed: {cost.stderr.strip()[-300:]}")
    (TREE / ".git" / "info" / "exclude").write_text(".built\n")
    (TREE / ".built").write_text(json.dumps({"wall": cost.wall, "cpu": cost.cpu}))
    return TREE, cost


@dataclass
class Mail:
    index: int
    subject: str
    headers: dict[str, str]
    body: str
    changed: int  # '+'/'-' lines of the diff

    def render(self, subject: str | None = None, headers: dict[str, str] | None = None) -> str:
        hdrs = dict(self.headers if headers is None else headers)
        hdrs["Subject"] = subject or self.subject
        head = "".join(f"{k}: {v}\n" for k, v in hdrs.items())
        body = self.body if self.body.endswith("\n") else self.body + "\n"
        return FROM_LINE + head + "\n" + body


_CHANGED = re.compile(r"^[+-](?![+-][+-] )", re.M)


def read_noise(path: Path, limit: int | None) -> list[Mail]:
    """The noise mails, transfer-decoded (checkpatch.pl reads text, not base64/QP mail)."""
    raw = path.read_bytes()
    chunks = re.split(rb"(?m)^From mboxrd@z [^\n]*\n", raw)
    mails = []
    for i, chunk in enumerate(c for c in chunks if c.strip()):
        if limit is not None and len(mails) >= limit:
            break
        msg = email.message_from_bytes(chunk, policy=email.policy.default)
        texts = []
        for part in msg.walk():
            if part.get_content_maintype() == "text" and not part.is_multipart():
                try:
                    texts.append(part.get_content())
                except (LookupError, ValueError):
                    texts.append(part.get_payload(decode=True).decode("utf-8", "replace"))
        # mboxrd-quoted ('>From '), as in the mbox: reviewbot reads a directory of patches as one
        # mbox, and a base64 body decodes to unquoted 'From ' lines.
        body = re.sub(r"(?m)^(>*From )", r">\1", "\n".join(texts))
        headers = {}
        for name in ("From", "Date", "Message-ID", "In-Reply-To", "References"):
            if msg.get(name):
                headers[name] = " ".join(str(msg.get(name)).split())
        subject = " ".join(str(msg.get("Subject", "")).split())
        mails.append(Mail(i + 1, subject, headers, body.replace("\r\n", "\n"),
                          len(_CHANGED.findall(body))))
    return mails


def write_set(name: str, mails: list[str]) -> tuple[Path, list[Path]]:
    """A directory of NNNN.patch files (checkpatch's input) that reviewbot reads as one source."""
    d = CACHE / "inputs" / name
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    files = []
    for i, text in enumerate(mails, 1):
        f = d / f"{i:04d}.patch"
        f.write_text(text)
        files.append(f)
    return d, files


def readable(m: Mail) -> bool:
    """Whether reviewbot can read the mail's diff: a series is refused as a whole when one of its
    patches has no readable file (a few noise mails were line-wrapped by the sender's mailer)."""
    from reviewbot.errors import InputError
    from reviewbot.ingest.b4 import series_from_mbox_bytes

    try:
        # Trailing blank lines dropped, as when another mail follows in an mbox (a truncated
        # hunk padded by blank lines passes only as the last mail).
        series_from_mbox_bytes((m.render().rstrip("\n") + "\n").encode(), f"noise mail {m.index}")
    except InputError:
        return False
    return True


def as_series(mails: list[Mail], tag: str) -> list[str]:
    """Real patches re-threaded as one series [PATCH i/n] (git send-email, no cover letter)."""
    n = len(mails)
    width = len(str(n))
    first = f"<{tag}-1@bench.invalid>"
    out = []
    for i, m in enumerate(mails, 1):
        subj = re.sub(r"^(\s*\[[^\]]*\]\s*)+", "", m.subject) or "change"
        hdrs = {k: v for k, v in m.headers.items() if k not in ("Message-ID", "In-Reply-To", "References")}
        hdrs["Message-ID"] = f"<{tag}-{i}@bench.invalid>"
        if i > 1:
            hdrs["In-Reply-To"] = first
            hdrs["References"] = first
        out.append(m.render(f"[PATCH {i:0{width}d}/{n}] {subj}", hdrs))
    return out


def new_file_patch(subject: str, files: list[tuple[str, list[str]]]) -> str:
    """A git-style new-file patch mail adding `files` (path, lines)."""
    parts = [FROM_LINE, "From: Bench <bench@example.org>\n", "Date: Mon, 23 Nov 2026 09:00:00 +0000\n",
             f"Subject: [PATCH] {subject}\n", f"Message-ID: <{abs(hash(subject))}@bench.invalid>\n", "\n",
             f"{subject}.\n\nSigned-off-by: Bench <bench@example.org>\n---\n"]
    for path, lines in files:
        parts += [f"diff --git a/{path} b/{path}\n", "new file mode 100644\n", "index 0000000..1111111\n",
                  "--- /dev/null\n", f"+++ b/{path}\n", f"@@ -0,0 +1,{len(lines)} @@\n"]
        parts += [f"+{ln}\n" for ln in lines]
    parts.append("-- \n2.47.0\n")
    return "".join(parts)


def driver_lines(use_linux: bool, mails: list[Mail]) -> list[tuple[str, list[str]]]:
    """The big driver's files; without the kernel source, real C lines from the noise patches."""
    if use_linux:
        return [(p, (LINUX / p).read_text(errors="replace").splitlines()) for p in BIG_DRIVER]
    lines = []
    for m in mails:
        lines += [ln[1:] for ln in m.body.splitlines() if ln.startswith("+") and not ln.startswith("+++")]
    return [("drivers/misc/bench_synthetic.c", lines)]


def cut(files: list[tuple[str, list[str]]], n: int) -> list[tuple[str, list[str]]]:
    out = []
    for path, lines in files:
        if n <= 0:
            break
        out.append((path, lines[:n]))
        n -= len(lines[:n])
    return out


# ---------------------------------------------------------------------------------------------
# Reporting


def source_files(use_linux: bool, mails: list[Mail]):
    """Real C files to cut hunks from, one at a time (path, lines): drivers/**/*.c of the 6.12
    source in name order, or without it the noise patches' added lines as one file.  Lazily:
    what this process holds when it starts a measured one counts in that one's peak RSS."""
    if not use_linux:
        yield from driver_lines(False, mails)
        return
    for p in sorted((LINUX / "drivers").rglob("*.c")):
        yield str(p.relative_to(LINUX)), p.read_text(errors="replace").splitlines()


_HEAD = ("From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"
         "From: Bench <bench@example.org>\nDate: Mon, 23 Nov 2026 09:00:00 +0000\n"
         "Subject: [PATCH] {subject}\nMessage-ID: <{tag}@bench.invalid>\n\n{subject}.\n\n"
         "Signed-off-by: Bench <bench@example.org>\n---\n")


def many_hunks_patch(n: int, files, out: Path) -> int:
    """Write one patch of `n` one-line hunks to `out` (a treewide edit: every 12th line of real
    files gets a trailing comment, 3 lines of context each side); returns its size in bytes."""
    made, rounds = 0, 0
    with open(out, "w") as fh:
        fh.write(_HEAD.format(subject=f"treewide: {n} hunks", tag=f"hunks{n}"))
        while made < n:
            before = made
            for path, lines in files():
                body = []
                for i in range(6, len(lines) - 6, 12):
                    t = lines[i]
                    if made >= n or not t.strip() or t.rstrip().endswith(("\\", "*/")) or "/*" in t or "//" in t:
                        continue
                    body.append(f"@@ -{i - 2},7 +{i - 2},7 @@\n" + "".join(f" {c}\n" for c in lines[i - 3:i])
                                + f"-{t}\n+{t.rstrip()} /* bench */\n"
                                + "".join(f" {c}\n" for c in lines[i + 1:i + 4]))
                    made += 1
                if body:
                    name = f"{path}.{rounds}" if rounds else path
                    fh.write(f"diff --git a/{name} b/{name}\n--- a/{name}\n+++ b/{name}\n" + "".join(body))
                if made >= n:
                    break
            if made == before:
                raise BenchError("no source lines to make hunks of")
            rounds += 1  # not enough files: the same lines again under other names
        fh.write("-- \n2.47.0\n")
    return out.stat().st_size


def big_bytes_patch(size: int, files, out: Path) -> int:
    """Write a new-file patch of real source files of about `size` bytes to `out`."""
    count, rounds = 0, 0
    with open(out, "w") as fh:
        fh.write(_HEAD.format(subject=f"drivers: add {size >> 20} MB of files", tag=f"bytes{size}"))
        while fh.tell() < size:
            for path, lines in files():
                name = f"{path}.{rounds}" if rounds else path
                fh.write(f"diff --git a/{name} b/{name}\nnew file mode 100644\nindex 0000000..1111111\n"
                         f"--- /dev/null\n+++ b/{name}\n@@ -0,0 +1,{len(lines)} @@\n"
                         + "".join(f"+{ln}\n" for ln in lines))
                count += 1
                if fh.tell() >= size:
                    break
            rounds += 1
        fh.write("-- \n2.47.0\n")
    return out.stat().st_size


def med(values: list[float]) -> float:
    return statistics.median(values)


def fmt_s(x: float) -> str:
    return f"{x:.2f} s" if x < 100 else f"{x:.0f} s"


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)

    def add(self, text: str = "") -> None:
        self.lines.append(text)
        print(text, flush=True)


# ---------------------------------------------------------------------------------------------
# The benchmarks


def repeated(what: str, repeats: int, budget: float, once):
    """Run `once()` up to `repeats` times, but not again after a run slower than `budget` s."""
    out = []
    for i in range(repeats):
        log(f"{what}: run {i + 1}/{repeats}")
        t0 = time.perf_counter()
        out.append(once())
        if time.perf_counter() - t0 > budget:
            break
    return out


def bench_compare(rep: Report, sets: list[tuple[str, Path, list[Path]]], repeats: int, budget: float,
                  warmup: list[Path]) -> None:
    log("checkpatch.pl warm-up (builds its CamelCase cache from include/*.h once)")
    checkpatch_run(warmup)
    rep.add("## reviewbot vs checkpatch.pl (same patches, one process each)")
    rep.add("")
    rep.add("median of the runs; ratio = reviewbot / checkpatch (lower is better); speed-up = "
            "checkpatch CPU / reviewbot CPU; both include their start-up; checkpatch.pl --no-tree. "
            "Warm: reviewbot's load + review CPU in a process already started (benchmarks/worker.py: "
            "what `reviewbot serve`/`watch` spend per series), against checkpatch's whole CPU")
    rep.add("")
    rep.add("| input | patches | runs | reviewbot wall | reviewbot CPU | checkpatch wall | checkpatch CPU "
            "| wall ratio | CPU ratio | speed-up (CPU) | warm reviewbot CPU | warm speed-up |")
    rep.add("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = {}
    for name, source, files in sets:
        # Interleaved, so that changes in machine load hit both alike.
        pairs = repeated(f"compare {name}", repeats, budget,
                         lambda: (reviewbot_run(source), checkpatch_run(files)))
        rb, cp = [a for a, _ in pairs], [b for _, b in pairs]
        rw, rc = med([r.wall for r in rb]), med([r.cpu for r in rb])
        cw, cc = med([r.wall for r in cp]), med([r.cpu for r in cp])
        warm = med([i["cpu_load"] + i["cpu_review"]
                    for _, i in repeated(f"warm {name}", repeats, budget, lambda: worker_run([source]))])
        rows[name] = dict(patches=len(files), runs=len(pairs), reviewbot_wall=rw, reviewbot_cpu=rc, checkpatch_wall=cw,
                          checkpatch_cpu=cc, wall_ratio=rw / cw, cpu_ratio=rc / cc, speedup_cpu=cc / rc,
                          reviewbot_rss_mb=max(r.rss_mb for r in rb), warm_cpu=warm, speedup_warm=cc / warm,
                          checkpatch_rss_mb=max(r.rss_mb for r in cp))
        rep.add(f"| {name} | {len(files)} | {len(pairs)} | {fmt_s(rw)} | {fmt_s(rc)} | {fmt_s(cw)} | {fmt_s(cc)} "
                f"| {rw / cw:.3f} | {rc / cc:.3f} | {cc / rc:.1f}x | {fmt_s(warm)} | {cc / warm:.1f}x |")
    rep.add("")
    rep.data["compare"] = rows


def bench_throughput(rep: Report, noise: Path, repeats: int, budget: float, tree: Path | None,
                     tree_note: str) -> None:
    rep.add("## Whole noise mbox: throughput and peak RSS (in-process API, benchmarks/worker.py)")
    rep.add("")
    rep.add("| mode | patches | runs | wall | CPU (process) | load CPU | review CPU | patches/s (wall) "
            "| patches/s (CPU) | peak RSS |")
    rep.add("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = {}
    modes = [("hunks", None)] + ([("tree", tree)] if tree else [])
    for mode, repo in modes:
        runs = repeated(f"throughput {mode}", repeats, budget, lambda: worker_run([noise], repo))
        wall, cpu = med([r.wall for r, _ in runs]), med([r.cpu for r, _ in runs])
        info = runs[0][1]
        load, review = med([d["cpu_load"] for _, d in runs]), med([d["cpu_review"] for _, d in runs])
        n = info["patches"]
        rss = max(r.rss_mb for r, _ in runs)
        rows[mode] = dict(patches=n, runs=len(runs), wall=wall, cpu=cpu, cpu_load=load, cpu_review=review,
                          per_s_wall=n / wall, per_s_cpu=n / cpu, rss_mb=rss,
                          unreadable_threads=info["unreadable_threads"], findings=info["findings"],
                          crashed_checks=info["crashed_checks"])
        rep.add(f"| {mode} | {n} | {len(runs)} | {fmt_s(wall)} | {fmt_s(cpu)} | {fmt_s(load)} | {fmt_s(review)} "
                f"| {n / wall:.0f} | {n / cpu:.0f} | {rss:.0f} MB |")
    if not tree:
        rep.add(f"| tree | - | - | - | - | - | - | - | - | {tree_note} |")
    rep.add("")
    rep.data["throughput"] = rows


def bench_scaling(rep: Report, length_sets: list[tuple[int, Path]], size_sets: list[tuple[int, Path]],
                  hunk_sets: list[tuple[str, int, int, Path]] = ()) -> None:
    rep.add("## Scaling (hunk mode, one worker process per row)")
    rep.add("")
    rep.add("Series length (real noise patches re-threaded as one series):")
    rep.add("")
    rep.add("| patches | changed lines | CPU (process) | load + review CPU | per patch | peak RSS |")
    rep.add("|---:|---:|---:|---:|---:|---:|")
    rows = []
    for n, source in length_sets:
        log(f"scaling: series of {n}")
        run, d = worker_run([source])
        work = d["cpu_load"] + d["cpu_review"]
        rows.append(dict(patches=d["patches"], changed=d["changed_lines"], cpu=run.cpu, work=work,
                         rss_mb=run.rss_mb))
        rep.add(f"| {d['patches']} | {d['changed_lines']} | {fmt_s(run.cpu)} | {fmt_s(work)} "
                f"| {1000 * work / max(d['patches'], 1):.1f} ms | {run.rss_mb:.0f} MB |")
    rep.data["scaling_length"] = rows
    rep.add("")
    rep.add("Patch size (one new-file patch of the first N lines of the big driver):")
    rep.add("")
    rep.add("| changed lines | CPU (process) | load + review CPU | per 1,000 lines | peak RSS |")
    rep.add("|---:|---:|---:|---:|---:|")
    srows = []
    for n, source in size_sets:
        log(f"scaling: patch of {n} lines")
        run, d = worker_run([source])
        work = d["cpu_load"] + d["cpu_review"]
        srows.append(dict(changed=d["changed_lines"], cpu=run.cpu, work=work, rss_mb=run.rss_mb))
        rep.add(f"| {d['changed_lines']} | {fmt_s(run.cpu)} | {fmt_s(work)} "
                f"| {1000 * work / max(d['changed_lines'], 1):.2f} s | {run.rss_mb:.0f} MB |")
    rep.data["scaling_size"] = srows
    rep.add("")
    if not hunk_sets:
        return
    rep.add("Hunk count and patch size in bytes (one patch; a treewide edit of real driver lines, and "
            "new files of real driver source; `reviewbot review`, text output, start-up included):")
    rep.add("")
    rep.add("| patch | hunks | MB | wall | CPU (process) | per 1,000 hunks (CPU) | peak RSS |")
    rep.add("|---|---:|---:|---:|---:|---:|---:|")
    hrows = []
    for name, hunks, size, source in hunk_sets:
        log(f"scaling: {name}")
        run = reviewbot_run(source, whole=True)
        hrows.append(dict(name=name, hunks=hunks, bytes=size, wall=run.wall, cpu=run.cpu, rss_mb=run.rss_mb))
        per = f"{1000 * run.cpu / hunks:.3f} s" if hunks else "-"
        rep.add(f"| {name} | {hunks} | {size / 1e6:.1f} | {fmt_s(run.wall)} | {fmt_s(run.cpu)} | {per} "
                f"| {run.rss_mb:.0f} MB |")
    rep.data["scaling_hunks"] = hrows
    rep.add("")


def bench_jobs(rep: Report, noise: Path, tree: Path | None, jobs: int = 2) -> None:
    """`reviewbot review -j N` against -j 1 on the noise mbox, hunk and tree mode: whole processes,
    CPU of the workers included; the same output is checked, not assumed."""
    rep.add(f"## Worker processes: `reviewbot review -j {jobs}` vs `-j 1` (whole noise mbox, one process each)")
    rep.add("")
    rep.add("| mode | -j 1 wall | -j 1 CPU | -j 2 wall | -j 2 CPU | speed-up (wall) | same output |")
    rep.add("|---|---:|---:|---:|---:|---:|---|")
    rows = {}
    for mode, repo in [("hunks", None)] + ([("tree", tree)] if tree else []):
        extra = ["--tree", str(repo)] if repo else []
        log(f"jobs: {mode} -j 1")
        one = measure(REVIEWBOT + ["review", "--format", "json", *extra, str(noise)], keep_stdout=True)
        log(f"jobs: {mode} -j {jobs}")
        many = measure(REVIEWBOT + ["review", "-j", str(jobs), "--format", "json", *extra, str(noise)],
                       keep_stdout=True)
        same = (one.rc, one.stdout, one.stderr) == (many.rc, many.stdout, many.stderr)
        rows[mode] = dict(j1_wall=one.wall, j1_cpu=one.cpu, jn_wall=many.wall, jn_cpu=many.cpu,
                          speedup=one.wall / many.wall, same=same, jobs=jobs)
        rep.add(f"| {mode} | {fmt_s(one.wall)} | {fmt_s(one.cpu)} | {fmt_s(many.wall)} | {fmt_s(many.cpu)} "
                f"| {one.wall / many.wall:.2f}x | {'yes' if same else 'NO'} |")
    rep.add("")
    rep.add(f"Load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (the wall speed-up "
            "needs two idle cores).")
    rep.add("")
    rep.data["jobs"] = rows


_EMPTY_PATCH = """From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
From: Bench <bench@example.org>
Subject: [PATCH] docs: one line

---
 Documentation/x.txt | 1 +
 1 file changed, 1 insertion(+)

diff --git a/Documentation/x.txt b/Documentation/x.txt
--- a/Documentation/x.txt
+++ b/Documentation/x.txt
@@ -1 +1,2 @@
 x
+y
"""


def bench_startup(rep: Report, repeats: int) -> None:
    """What every review pays before the first patch: the interpreter, b4, the rules, a
    one-line documentation patch (no C: no rule runs)."""
    tiny = CACHE / "inputs" / "startup.patch"
    tiny.parent.mkdir(parents=True, exist_ok=True)
    tiny.write_text(_EMPTY_PATCH)
    runs = [measure(REVIEWBOT + ["review", str(tiny)]) for _ in range(repeats)]
    w, c = med([r.wall for r in runs]), med([r.cpu for r in runs])
    rep.data["startup"] = dict(wall=w, cpu=c)
    rep.add(f"Start-up (`reviewbot review` of a one-line documentation patch; included in every "
            f"whole-process number below): {fmt_s(w)} wall, {fmt_s(c)} CPU.")
    rep.add("")


def targets(rep: Report) -> None:
    d = rep.data
    rep.add("## Targets")
    rep.add("")
    cmp_ = d.get("compare", {})
    if cmp_:
        worst = min(cmp_.items(), key=lambda kv: kv[1]["speedup_cpu"])
        ok = all(r["speedup_cpu"] >= 20 for r in cmp_.values())
        rep.add(f"- >= 20x checkpatch's throughput (CPU): {'MET' if ok else 'NOT MET'} — "
                + ", ".join(f"{k} {v['speedup_cpu']:.1f}x" for k, v in cmp_.items())
                + f" (lowest: {worst[0]})")
    if cmp_:
        rep.add("- the same, in a process already started (`serve`, `watch`): "
                + ", ".join(f"{k} {v['speedup_warm']:.1f}x" for k, v in cmp_.items()))
    series50 = d.get("series50")
    if series50:
        rep.add(f"- 50-patch series < 1 s CPU (hunk mode): load + review {series50['work']:.2f} s "
                f"({'MET' if series50['work'] < 1 else 'NOT MET'}); whole process incl. start-up "
                f"{series50['cpu']:.2f} s ({'MET' if series50['cpu'] < 1 else 'NOT MET'})")
    rows = d.get("scaling_length", [])
    if len(rows) >= 2:
        lo, hi = rows[0], rows[-1]
        per_patch_kb = 1024 * (hi["rss_mb"] - lo["rss_mb"]) / max(hi["patches"] - lo["patches"], 1)
        flat = hi["rss_mb"] <= 2 * lo["rss_mb"]
        rep.add(f"- memory flat in series length: {lo['patches']} -> {hi['patches']} patches: peak RSS "
                f"{lo['rss_mb']:.0f} -> {hi['rss_mb']:.0f} MB ({per_patch_kb:.0f} KB per extra patch; "
                f"{'MET' if flat else 'NOT MET'}: within 2x of a 1-patch run)")
    tree = d.get("throughput", {}).get("tree")
    if tree:
        rep.add(f"- tree mode >= 150 patches/s on the noise mbox: {tree['per_s_cpu']:.0f}/s per CPU second, "
                f"{tree['per_s_wall']:.0f}/s wall ({'MET' if tree['per_s_cpu'] >= 150 else 'NOT MET'}, CPU)")
    hunks = [r for r in d.get("scaling_hunks", []) if r["hunks"] == 100000]
    if hunks:
        h = hunks[0]
        rep.add(f"- 100k hunks in < 5 s: {h['cpu']:.1f} s CPU, {h['wall']:.1f} s wall "
                f"({'MET' if h['cpu'] < 5 else 'NOT MET'}, CPU)")
    jobs = d.get("jobs", {}).get("hunks")
    if jobs:
        rep.add(f"- -j {jobs['jobs']} >= 1.7x -j 1 on the noise mbox: {jobs['speedup']:.2f}x wall "
                f"({'MET' if jobs['speedup'] >= 1.7 else 'NOT MET'}); same output in every mode: "
                + ("yes" if all(r["same"] for r in d["jobs"].values()) else "NO"))
    rep.add("")


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="one run per measurement instead of 3")
    ap.add_argument("--smoke", action="store_true", help="3 patches, one run, no checkpatch, no tree mode, "
                    "no kernel source (what the test suite runs)")
    ap.add_argument("--repeats", type=int, help="runs per measurement (median reported; default 3)")
    ap.add_argument("--budget", type=float, default=60, help="do not repeat a measurement whose run "
                    "took longer than this many seconds (default: %(default)s)")
    ap.add_argument("--patches", type=int, help="use only the first N noise mails (default: all 2070)")
    ap.add_argument("--no-checkpatch", action="store_true", help="skip the checkpatch.pl comparison")
    ap.add_argument("--no-tree", action="store_true", help="skip tree mode (and building its git repo)")
    ap.add_argument("--no-linux", action="store_true", help="do not extract the 6.12 source (implies "
                    "--no-checkpatch --no-tree; the big patch is then made of noise-patch lines)")
    ap.add_argument("--tree-repo", type=Path, help="an existing kernel git repository for tree mode "
                    "(read-only to reviewbot) instead of building one under .cache/bench")
    ap.add_argument("--only", choices=("compare", "throughput", "scaling", "jobs"), action="append",
                    help="run only these parts (repeatable)")
    ap.add_argument("--output", type=Path, help="also write the report (markdown) here")
    ap.add_argument("--json", type=Path, help="also write the raw numbers (JSON) here")
    ap.add_argument("--mbox", type=Path, default=NOISE, help="the noise mbox (default: %(default)s)")
    args = ap.parse_args(argv)
    if args.smoke:
        args.patches, args.no_linux = args.patches or 3, True
        args.repeats = args.repeats or 1
    if args.no_linux:
        args.no_checkpatch = args.no_tree = True
    repeats = args.repeats or (1 if args.quick else 3)
    parts = set(args.only or ("compare", "throughput", "scaling", "jobs"))
    if not args.mbox.exists():
        print(f"benchmarks: {args.mbox}: no such file", file=sys.stderr)
        return 2
    CACHE.mkdir(parents=True, exist_ok=True)
    compile_bytecode()
    try:
        return _main(args, repeats, parts)
    except BenchError as exc:
        print(f"benchmarks: {exc}", file=sys.stderr)
        return 2


def _main(args, repeats: int, parts: set[str]) -> int:
    use_linux = not args.no_linux
    if use_linux:
        ensure_linux()
    log(f"reading {args.mbox}")
    mails = read_noise(args.mbox, args.patches)
    n = len(mails)
    rep = Report()
    rep.add(f"# reviewbot benchmarks ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})")
    rep.add("")

    driver = driver_lines(use_linux, mails)
    big_lines = sum(len(lines) for _, lines in driver)
    big_name = "+".join(Path(p).name for p, _ in driver)
    # The 50-patch series: every k-th noise mail (a cross-section of sizes), re-threaded.
    k = max(n // 50, 1)
    ok = [m for m in mails if readable(m)]
    series50 = as_series([m for m in mails[::k] if readable(m)][:50], "series50")
    largest = sorted(mails, key=lambda m: (-m.changed, m.index))[:1000]
    largest.sort(key=lambda m: m.index)
    big = new_file_patch(f"net: add the {big_name} driver", driver)
    sets = [(f"{len(series50)}-patch series", *write_set("series50", series50)),
            (f"{len(largest)} largest noise patches", *write_set("largest", [m.render() for m in largest])),
            (f"one {big_lines}-line patch ({big_name})", *write_set("big", [big]))]

    if not args.smoke:
        bench_startup(rep, repeats)
    if "compare" in parts and not args.no_checkpatch:
        camel = ["static int benchWarmUp;", "", "int bench_warm_up(void)", "{", "\treturn benchWarmUp;", "}"]
        _, warmup = write_set("warmup", [new_file_patch("net: warm up", [("drivers/net/bench_warm_up.c", camel)])])
        bench_compare(rep, sets, repeats, args.budget, warmup)
    elif "compare" in parts:
        rep.add("checkpatch.pl comparison: skipped (--no-checkpatch)")
        rep.add("")

    if "throughput" in parts:
        tree, note = None, "skipped (--no-tree)"
        if not args.no_tree:
            try:
                import reviewbot.tree as rtree  # noqa: F401  (being written in parallel)
                has = hasattr(rtree, "review_with_tree")
            except ImportError:
                has = False
            if has and args.tree_repo:
                tree = args.tree_repo
                rep.add(f"Tree-mode repository: {tree} (given with --tree-repo).")
                rep.add("")
            elif has:
                tree, cost = ensure_tree_repo()
                built = json.loads((TREE / ".built").read_text())
                rep.add(f"Tree-mode repository: whole 6.12 source, one commit; building it cost "
                        f"{fmt_s(built['wall'])} wall, {fmt_s(built['cpu'])} CPU (once, cached"
                        f"{'' if cost else '; built by an earlier run'}).")
                rep.add("")
            else:
                note = "skipped: reviewbot.tree.review_with_tree not available"
        noise_src = args.mbox
        if args.patches:
            noise_src = CACHE / "inputs" / "noise-first.mbox"
            noise_src.write_text("".join(m.render() for m in mails))
        bench_throughput(rep, noise_src, repeats, args.budget, tree, note)
        rep.data["_tree"] = str(tree) if tree else None

    if "scaling" in parts:
        length_sets = []
        for size in SERIES_LENGTHS:
            if size <= len(ok):
                d, _ = write_set(f"len{size}", as_series(ok[:size], f"len{size}"))
                length_sets.append((size, d))
        if n >= 50:
            length_sets.append((50, sets[0][1]))
            length_sets.sort()
        size_sets = []
        for size in PATCH_SIZES:
            if size <= big_lines:
                d, _ = write_set(f"size{size}", [new_file_patch(f"net: add {size} lines", cut(driver, size))])
                size_sets.append((size, d))
        hunk_sets = []
        if not args.smoke:
            def files():
                return source_files(use_linux, mails)

            for count in HUNK_COUNTS:
                d = CACHE / "inputs" / f"hunks{count}"
                shutil.rmtree(d, ignore_errors=True)
                d.mkdir(parents=True)
                size = many_hunks_patch(count, files, d / "0001.patch")
                hunk_sets.append((f"{count:,} hunks", count, size, d))
            d = CACHE / "inputs" / "bytes20m"
            shutil.rmtree(d, ignore_errors=True)
            d.mkdir(parents=True)
            size = big_bytes_patch(BIG_BYTES, files, d / "0001.patch")
            hunk_sets.append((f"{size / 1e6:.0f} MB of new files", 0, size, d))
        bench_scaling(rep, length_sets, size_sets, hunk_sets)
        rep.data["series50"] = next((r for r in rep.data["scaling_length"] if r["patches"] == 50), None)

    if "jobs" in parts and not args.smoke:
        noise_src = args.mbox
        if args.patches:
            noise_src = CACHE / "inputs" / "noise-first.mbox"
            noise_src.write_text("".join(m.render() for m in mails))
        tree = rep.data.get("_tree")
        if tree is None and not args.no_tree:
            tree = str(args.tree_repo) if args.tree_repo else (str(TREE) if (TREE / ".built").exists() else None)
        bench_jobs(rep, noise_src, Path(tree) if tree else None)

    rep.data.pop("_tree", None)
    targets(rep)
    if args.output:
        args.output.write_text("\n".join(rep.lines) + "\n")
    if args.json:
        args.json.write_text(json.dumps(rep.data, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
