#!/usr/bin/env python3
"""Cross-version benchmark: real reference-counting fixes between Linux 6.1 and 6.12, as cases.

The corpora we tune on are small; the mutation benchmark makes synthetic defects.  This one
takes REAL changes nobody tuned for: it diffs every C file that Debian's `linux-source-6.1`
(6.1.y stable) and `linux-source-6.12` both have, and keeps the one-hunk changes whose meaning
is a reference-counting fix between the two (6.12 is the fixed side):

  put_removed    6.12 drops a reference (a putter of checks/data/refs.tsv) that 6.1 does not:
                 a small hunk whose only change is the put (plus braces/labels/jumps);
  goto_return    6.12 jumps into an unwind label that runs a put where 6.1 returned directly;
  get_removed    6.12 takes a reference (a getter statement) that 6.1 does not: a put elsewhere
                 then drops a reference never taken;
  store_get      6.12 stores `x->m = getter(y)` where 6.1 stored `x->m = y` (a getter that
                 returns the object it is given: of_node_get(), get_device(), ...).

With --lifetimes (meant for a fix side far from the defect side, 6.12 -> 7.2), four more:

  devm_removed   the fixed side calls `X(...)` where the defective side called `devm_X(...)`
                 (memory or a resource the device's devres frees at unbind, still reachable after);
  devm_added     the fixed side calls `devm_X(...)` where the defective side called `X(...)` and
                 the hunk frees nothing (a leak, or no undo on a later error exit);
  devres_action  the fixed side registers `devm_add_action*()` (an undo devres runs at unbind or
                 on probe failure) that the defective side lacks;
  owner_added    the fixed side sets `.owner = THIS_MODULE` in an initializer the defective side
                 left without one.

--strict keeps only hunks whose function (or initializer) is otherwise identical on both sides
(whitespace aside): across a refactoring distance the rest of the function must not have moved.
--tree-side old numbers the cases against the DEFECTIVE tree (--old): the fix then applies to
it as is, and each positive (the fix reversed) gets `tree_base_file`, the fix, which
`reviewbot eval --tree` applies before reviewing it (the fix negative is reviewed against the
tree itself).  That is how a set of fixes made after the tree (6.12.118 -> 7.2) scores in tree
mode against the 6.12 tree.

Not a kind: a put 6.1 runs and 6.12 does not.  Read by hand, nearly all of those are 6.12's
move to `for_each_*_scoped()` loops and `__free()` (the put is gone because the loop header,
in another hunk, now drops it), not extra puts removed.

Each becomes a positive case in the corpus manifest format (the hunk from 6.12 back to 6.1,
against 6.12 line numbers, so it applies to the 6.12 tree: tree mode works on it), with the
fix direction (6.1 -> 6.12) as its negative.  Labels are mechanical: a hand-read sample of each
kind is in benchmarks/crossversion.md.  The output directory is a corpus `reviewbot eval` reads:

    .venv/bin/python benchmarks/crossversion.py [--old DIR] [--new DIR] [--out DIR] [--limit N]
    .venv/bin/reviewbot eval .cache/bench/xv-corpus [--tree /path/to/6.12-git-tree]

--old defaults to .cache/bench/linux-source-6.1 (extracted from the Debian package, fetched
with `apt-get download linux-source-6.1` when missing), --new to .cache/bench/linux-source-6.12
(as benchmarks/mutations.py extracts it).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CACHE = ROOT / ".cache" / "bench"
DIRS = ("drivers", "sound", "net", "fs", "block", "crypto", "kernel", "mm", "lib", "virt", "security")

from reviewbot.checks import _kapi as kapi  # noqa: E402

PUTTERS = frozenset(r.name for r in kapi.of_kind("putter"))
GETTERS = frozenset(r.name for r in kapi.of_kind("getter") if r.ref_arg == 0)
RETURNS_ARG = frozenset(r.name for r in kapi.of_kind("getter") if r.ref_arg == 0 and not r.name.startswith("try_"))
CALL = re.compile(r"^\s*(?:if\s*\(.*\)\s*)?(\w+)\s*\((.*)\)\s*;\s*$")
TRIVIAL = re.compile(r"^\s*(\{|\}|\}\s*else\s*\{|else|\w+:|goto\s+\w+\s*;|return\b[^;]*;|break;|continue;|)\s*(/\*.*\*/)?\s*$")
HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$")
EXTRA_PUTS = [False]  # --extra-puts
LIFETIMES = [False]  # --lifetimes
STRICT = [False]  # --strict
TREE_OLD = [False]  # --tree-side old
NAMES: list = [None]  # (old, new) version names for the subjects, with --lifetimes/--strict/--tree-side old
DEVM_CALL = re.compile(r"\bdevm_(\w+)\s*\(")
OWNER = re.compile(r"^\s*\.owner\s*=\s*THIS_MODULE\s*,?\s*$")
FREES = re.compile(r"\b\w*(?:free|put|release|unregister|destroy|remove|disable|iounmap|unmap)\w*\s*\(")
STORE = re.compile(r"^\s*([\w\[\]]+(?:(?:->|\.)[\w\[\]]+)*->\w+)\s*=\s*(.+?);\s*$")


def ensure_old(path: Path) -> Path:
    if path.is_dir():
        return path
    deb = next(CACHE.glob("linux-source-6.1_*.deb"), None)
    if deb is None:
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(["apt-get", "download", "linux-source-6.1"], cwd=CACHE, check=True)
        deb = next(CACHE.glob("linux-source-6.1_*.deb"))
    tar = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], check=True, capture_output=True).stdout
    import io
    inner = tarfile.open(fileobj=io.BytesIO(tar))
    member = next(m for m in inner.getmembers() if m.name.endswith(".tar.xz"))
    xz = inner.extractfile(member)
    path.mkdir(parents=True)
    subprocess.run(["tar", "-xJf", "-", "-C", str(path), "--strip-components=1"], input=xz.read(), check=True)
    return path


def ensure_new(path: Path) -> Path:
    if path.is_dir():
        return path
    path.mkdir(parents=True)
    subprocess.run(["tar", "-xJf", "/usr/src/linux-source-6.12.tar.xz", "-C", str(path), "--strip-components=1"],
                   check=True)
    return path


def pairs(old: Path, new: Path):
    for d in DIRS:
        for dirpath, _, files in os.walk(new / d):
            for f in files:
                if not f.endswith(".c"):
                    continue
                n = Path(dirpath) / f
                rel = n.relative_to(new)
                o = old / rel
                if o.is_file():
                    yield str(rel), o, n


def file_hunks(job) -> list[dict]:
    rel, o, n = job
    try:
        a, b = n.read_bytes(), o.read_bytes()  # a: 6.12 (the case's pre-image), b: 6.1
    except OSError:
        return []
    if a == b or b"put" not in a + b and not (LIFETIMES[0] and (b"devm_" in a + b or b"THIS_MODULE" in a + b)):
        return []
    res = subprocess.run(["diff", "-U3", "-p", str(n), str(o)], capture_output=True)
    text = res.stdout.decode("utf-8", "replace")
    out, cur = [], None
    for line in text.splitlines():
        m = HUNK.match(line)
        if m:
            cur = {"path": rel, "old": int(m.group(1)), "new": int(m.group(3)), "section": m.group(5).strip(),
                   "lines": []}
            out.append(cur)
        elif cur is not None and line[:1] in (" ", "+", "-"):
            cur["lines"].append(line)
    new_text = a.decode("utf-8", "replace").splitlines()
    old_text = b.decode("utf-8", "replace").splitlines() if STRICT[0] else []
    cases = []
    for h in out:
        kind = classify(h, new_text)
        if kind and (not STRICT[0] or only_change(h, new_text, old_text)):
            h["kind"], h["expect"] = kind
            if TREE_OLD[0]:  # number the fixed side as the defective tree with only this fix applied
                delta = h["new"] - h["old"]
                for e in h["expect"]:
                    if "old_line" in e:
                        e["old_line"] += delta
                h["old"] = h["new"]
            cases.append(h)
    return cases


def _span(lines: list[str], first: int, last: int) -> tuple[int, int] | None:
    """0-based [start, end] of the function or initializer holding lines first..last (0-based):
    from the last line at column 0 that starts a name (diff -p's heading) to the first `}` at
    column 0; a label is not a heading)."""
    start = next((i for i in range(min(first, len(lines) - 1), -1, -1)
                  if re.match(r"[A-Za-z_]", lines[i]) and not re.match(r"\w+\s*:(?!:)", lines[i])), None)
    end = next((i for i in range(last, len(lines)) if lines[i].startswith("}")), None)
    if start is None or end is None or end - start > 600:
        return None
    return start, end


def only_change(h, fixed: list[str], defect: list[str]) -> bool:
    """Is the hunk the only difference between its function in the fixed and the defective file?
    (The defective file with the hunk applied, against the fixed file, over the function.)"""
    rows = list(numbered(h))
    d0, f0 = h["new"] - 1, h["old"] - 1
    n_len = sum(r[0] != "-" for r in rows)
    patched = defect[:d0] + [t for k, _, _, t in rows if k != "+"] + defect[d0 + n_len:]
    at = [o - 1 for k, o, _, _ in rows if k == "-"] or [o - 1 for k, o, _, _ in rows if k == " "]
    fs = _span(fixed, min(at), max(at))
    ps = _span(patched, min(at) - f0 + d0, max(at) - f0 + d0)
    if fs is None or ps is None:
        return False

    def norm(ls):
        return re.sub(r"\s+", " ", "\n".join(ls)).strip()
    return norm(patched[ps[0]:ps[1] + 1]) == norm(fixed[fs[0]:fs[1] + 1])


def numbered(h):
    """(kind, old_no, new_no, text) for each line of a hunk."""
    o, n = h["old"], h["new"]
    for ln in h["lines"]:
        k, t = ln[0], ln[1:]
        yield k, (o if k != "+" else None), (n if k != "-" else None), t
        o += k != "+"
        n += k != "-"


def classify(h, new_text):
    rows = list(numbered(h))
    rem = [(o, t) for k, o, _, t in rows if k == "-"]  # 6.12 lines
    add = [(n, t) for k, _, n, t in rows if k == "+"]  # 6.1 lines
    if not rem and not add or len(rem) + len(add) > 6 or any("/*" in t or "*/" in t or "#" in t for _, t in rem + add):
        return None
    puts_rem = [(o, t) for o, t in rem if (m := CALL.match(t)) and m.group(1) in PUTTERS]
    puts_add = [(n, t) for n, t in add if (m := CALL.match(t)) and m.group(1) in PUTTERS]
    if EXTRA_PUTS[0]:  # `if (err)` -> `if (err) {` (the braces a put's block needs) is trivial too
        rem, add = unbraced(rem, add)
    # put_removed: the only non-trivial change is one or more puts that 6.1 lacks
    if puts_rem and not puts_add and all(TRIVIAL.match(t) for o, t in rem if (o, t) not in puts_rem) \
            and all(TRIVIAL.match(t) for _, t in add):
        return "put_removed", [{"path": h["path"], "old_line": o, "text": t.strip()} for o, t in puts_rem]
    # put_added (only with --extra-puts): 6.1 runs a put that 6.12 does not -- between two
    # stable builds of one version (no refactors) a removed extra put; the case puts it back
    if EXTRA_PUTS[0] and puts_add and not puts_rem and all(TRIVIAL.match(t) for _, t in rem) \
            and all(TRIVIAL.match(t) for n, t in add if (n, t) not in puts_add):
        return "put_added", [{"path": h["path"], "new_line": n, "text": t.strip()} for n, t in puts_add]
    if LIFETIMES[0]:
        kind = lifetime_kind(h, rem, add)
        if kind:
            return kind
    # get_removed: 6.12 takes a reference (a getter statement of the table) that 6.1 does not:
    # without it, a put elsewhere drops a reference never taken
    gets_rem = [(o, t) for o, t in rem if (m := CALL.match(t)) and m.group(1) in GETTERS]
    if gets_rem and not add and len(gets_rem) == len(rem):
        return "get_removed", [{"path": h["path"], "old_line": o, "text": t.strip()} for o, t in gets_rem]
    # goto_return: 6.12 `goto L;` (L runs a put) where 6.1 has `return ...;`
    if len(rem) == 1 and len(add) == 1:
        g = re.match(r"^\s*goto\s+(\w+)\s*;\s*$", rem[0][1])
        r = re.match(r"^\s*return\b[^;]*;\s*$", add[0][1])
        if g and r and label_puts(new_text, rem[0][0], g.group(1)):
            return "goto_return", [{"path": h["path"], "new_line": add[0][0], "text": add[0][1].strip()}]
        s, t = STORE.match(rem[0][1]), STORE.match(add[0][1])
        if s and t and s.group(1) == t.group(1):
            c = re.fullmatch(r"(\w+)\s*\((.*)\)", s.group(2).strip())
            if c and c.group(1) in RETURNS_ARG and c.group(2).strip() == t.group(2).strip():
                return "store_get", [{"path": h["path"], "old_line": rem[0][0], "text": rem[0][1].strip()}]
    return None


def unbraced(rem, add):
    """Drop the lines of each side that equal a line of the other but for a trailing `{`."""
    key = lambda t: re.sub(r"\s*\{\s*$", "", t).strip()  # noqa: E731
    kr, ka = [key(t) for _, t in rem], [key(t) for _, t in add]
    pairs = {k for k in kr if k in ka and k}
    return [(o, t) for o, t in rem if key(t) not in pairs], [(n, t) for n, t in add if key(t) not in pairs]


def lifetime_kind(h, rem, add):
    """--lifetimes kinds (rem: the fixed side's lines, add: the defective side's)."""
    path = h["path"]
    if len(rem) == 1 and len(add) == 1:
        (o, fixed), (n, defect) = rem[0], add[0]
        fd, dd = DEVM_CALL.search(fixed), DEVM_CALL.search(defect)
        # devm_X(dev, ...) <-> X(...): the same call otherwise (its name and the first argument)
        # one statement swapped: the defect is the new call, the old one names the same line
        swap = [{"path": path, "new_line": n, "text": defect.strip()}, {"path": path, "old_line": o, "text": fixed.strip()}]
        if dd and not fd and re.search(r"\b%s\s*\(" % re.escape(dd.group(1)), fixed):
            return "devm_removed", swap
        if fd and not dd and re.search(r"\b%s\s*\(" % re.escape(fd.group(1)), defect):
            return "devm_added", swap
    if not add and any(OWNER.match(t) for _, t in rem) and all(OWNER.match(t) or TRIVIAL.match(t) for _, t in rem):
        return "owner_added", [{"path": path, "old_line": o, "text": t.strip()} for o, t in rem if OWNER.match(t)]
    acts = [(o, t) for o, t in rem if re.search(r"\bdevm_add_action(?:_or_reset)?\s*\(", t)]
    if acts and not add and not any(FREES.search(t) for _, t in rem if (_, t) not in acts):
        ok = all(TRIVIAL.match(t) or re.match(r"^\s*(?:if\s*\(\s*\w+\s*\)|\w+\s*=\s*devm_add_action|return\s+\w+;|"
                                              r"return dev_err_probe\()", t) for _, t in rem)
        if ok:
            return "devres_action", [{"path": path, "old_line": o, "text": t.strip()} for o, t in acts]
    return None


def label_puts(lines: list[str], at: int, label: str) -> bool:
    """Does `label:` below line `at` (1-based) of the 6.12 file run a putter before its function ends?"""
    lab = re.compile(r"^\s*%s\s*:(?!:)" % re.escape(label))
    for i in range(at, min(len(lines), at + 400)):
        if lines[i].startswith("}"):
            return False
        if lab.match(lines[i]):
            for t in lines[i + 1:i + 40]:
                if t.startswith("}"):
                    return False
                m = re.match(r"^\s*(\w+)\s*\(", t)
                if m and m.group(1) in PUTTERS:
                    return True
            return False
    return False


def patch_text(h, reverse: bool) -> str:
    path = h["path"]
    lines = h["lines"]
    o_len = sum(ln[0] != "+" for ln in lines)
    n_len = sum(ln[0] != "-" for ln in lines)
    if reverse:  # the fix: 6.1 -> 6.12
        lines = [({"+": "-", "-": "+"}.get(ln[0], " ")) + ln[1:] for ln in lines]
        head = f"@@ -{h['new']},{n_len} +{h['old']},{o_len} @@ {h['section']}".rstrip()
    else:
        head = f"@@ -{h['old']},{o_len} +{h['new']},{n_len} @@ {h['section']}".rstrip()
    subj = f"{path}: {'6.1 -> 6.12' if reverse else '6.12 -> 6.1'} hunk"
    what = "Linux 6.12 and 6.1.y"
    if NAMES[0]:
        old, new = NAMES[0]
        subj = f"{path}: {f'{old} -> {new}' if reverse else f'{new} -> {old}'} hunk"
        what = f"Linux {new} and {old}"
    return (f"From: crossversion <bench@localhost>\nSubject: [PATCH] {subj}\n\n"
            f"A hunk of the difference between {what} (benchmarks/crossversion.py).\n---\n"
            f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n{head}\n" + "\n".join(lines) + "\n")


def subsystem(path: str) -> str:
    """drivers/gpu/drm/x.c -> drivers/gpu, sound/soc/codecs/y.c -> sound/soc, block/z.c -> block."""
    parts = path.split("/")
    return "/".join(parts[:2]) if parts[0] in ("drivers", "sound", "net", "fs") and len(parts) > 2 else parts[0]


def write_halves(out: Path, manifest: list[dict], frozen_b: frozenset[str] | None = None) -> None:
    """OUT/half-a, OUT/half-b: whole subsystems, in name order, each to the half with fewer positives
    so far (a tie to a); with `frozen_b` (the verdict table's `# half-b:` line, written when the
    tuning began) those subsystems are half-b and every other one half-a, so that cases read later
    do not move a subsystem between halves.  Their `cases` is a link to OUT/cases."""
    count: dict[str, int] = {}
    for r in manifest:
        if r["kind"] == "positive":
            sub = subsystem(r["source"]["path"])
            count[sub] = count.get(sub, 0) + 1
    size, half = {"a": 0, "b": 0}, {}
    for sub in sorted(count):
        h = ("b" if sub in frozen_b else "a") if frozen_b is not None else "a" if size["a"] <= size["b"] else "b"
        half[sub], size[h] = h, size[h] + count[sub]
    for h in ("a", "b"):
        d = out / f"half-{h}"
        d.mkdir(exist_ok=True)
        if not (d / "cases").exists():
            (d / "cases").symlink_to(Path("..") / "cases")
        recs = [r for r in manifest if half.get(subsystem(r["source"]["path"])) == h]
        (d / "manifest.json").write_text(json.dumps(recs, indent=1))
        print(f"half-{h}: {size[h]} positives, " + ", ".join(sorted(s for s in half if half[s] == h)))


def half_b(path: Path) -> frozenset[str] | None:
    """The subsystems a verdict table's `# half-b: SUB SUB ...` line puts in half-b (None: no line)."""
    for line in path.read_text().splitlines():
        if line.startswith("# half-b:"):
            return frozenset(line.split(":", 1)[1].split())
    return None


def verdicts(path: Path) -> dict[str, str]:
    """id -> verdict of a hand-read table (benchmarks/crossversion_x72.tsv)."""
    out = {}
    for line in path.read_text().splitlines():
        if line.startswith("#") or not line.strip() or line.startswith("id\t"):
            continue
        cid, verdict = line.split("\t")[:2]
        out[cid] = verdict
    return out


def version(tree: Path) -> str:
    """`6.12.118` from a tree's Makefile (the directory name when it has none)."""
    try:
        mk = (tree / "Makefile").read_text(errors="replace")[:400]
    except OSError:
        return tree.name
    v = dict(re.findall(r"^(VERSION|PATCHLEVEL|SUBLEVEL)\s*=\s*(\d+)", mk, re.M))
    return ".".join(v[k] for k in ("VERSION", "PATCHLEVEL", "SUBLEVEL") if k in v) or tree.name


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--old", default=str(CACHE / "linux-source-6.1"))
    ap.add_argument("--new", default=str(CACHE / "linux-source-6.12"))
    ap.add_argument("--out", default=str(CACHE / "xv-corpus"))
    ap.add_argument("--extra-puts", action="store_true",
                    help="also the kind put_added (a put the old tree runs and the new does not): meaningful "
                         "between two stable builds of one version, not across a refactoring release")
    ap.add_argument("--lifetimes", action="store_true",
                    help="also the kinds devm_removed, devm_added, devres_action, owner_added")
    ap.add_argument("--strict", action="store_true",
                    help="only hunks whose function is otherwise identical in both trees")
    ap.add_argument("--tree-side", choices=("new", "old"), default="new",
                    help="the tree the positives are numbered against (old: the defective one; each "
                         "positive then names its fix as tree_base_file)")
    ap.add_argument("--verdicts", help="a hand-read table (TSV: id, verdict, why): keep only its R cases (R-nofix: "
                         "the positive only, its one-hunk fix being incomplete)")
    ap.add_argument("--halves", action="store_true",
                    help="also write OUT/half-a and OUT/half-b: the cases split by subsystem (tune on one, measure the other)")
    ap.add_argument("--limit", type=int, default=0, help="at most N cases per kind (seeded sample)")
    ap.add_argument("--seed", type=int, default=61)
    ap.add_argument("-j", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args(argv)
    EXTRA_PUTS[0] = a.extra_puts
    LIFETIMES[0], STRICT[0], TREE_OLD[0] = a.lifetimes, a.strict, a.tree_side == "old"
    if a.lifetimes or a.strict or TREE_OLD[0]:
        NAMES[0] = (version(Path(a.old)), version(Path(a.new)))
    old, new = ensure_old(Path(a.old)), ensure_new(Path(a.new))
    with concurrent.futures.ThreadPoolExecutor(a.j) as ex:
        found = [c for cs in ex.map(file_hunks, pairs(old, new), chunksize=64) for c in cs]
    by_kind: dict[str, list] = {}
    for c in found:
        by_kind.setdefault(c["kind"], []).append(c)
    out = Path(a.out)
    (out / "cases").mkdir(parents=True, exist_ok=True)
    manifest = []
    rnd = random.Random(a.seed)
    keep = verdicts(Path(a.verdicts)) if a.verdicts else None
    for kind, cs in sorted(by_kind.items()):
        cs.sort(key=lambda c: (c["path"], c["old"]))
        if a.limit and len(cs) > a.limit:
            cs = sorted(rnd.sample(cs, a.limit), key=lambda c: (c["path"], c["old"]))
        for c in cs:
            cid = f"xv-{kind}-{hashlib.sha1((c['path'] + str(c['old'])).encode()).hexdigest()[:10]}"
            if keep is not None and keep.get(cid) not in ("R", "R-nofix"):
                continue
            (out / "cases" / f"{cid}.patch").write_text(patch_text(c, False))
            (out / "cases" / f"{cid}.fix.patch").write_text(patch_text(c, True))
            src = {"repository": "debian linux-source-6.12 vs linux-source-6.1", "path": c["path"],
                   "commit": "", "message_id": "", "subject": c["section"], "note": kind}
            if NAMES[0]:
                src["repository"] = f"linux {NAMES[0][1]} vs {NAMES[0][0]}"
            pos = {"id": cid, "kind": "positive", "rule": kind, "file": f"cases/{cid}.patch",
                   "expected_lines": c["expect"], "source": src, "derived": "reversed-fix",
                   "fix_file": f"cases/{cid}.fix.patch", "applies_to_6_12": True, "note": kind}
            fix = {"id": cid + "-fix", "kind": "negative", "rule": kind, "file": f"cases/{cid}.fix.patch",
                   "source": src, "derived": "fix-as-posted", "applies_to_6_12": False, "note": kind}
            if TREE_OLD[0]:  # scored against the defective tree: the positive on top of its fix
                pos["tree_base_file"], fix["tree_base_file"], fix["applies_to_6_12"] = pos["fix_file"], None, True
            # R-nofix: the hunk is half of its fix (the rest is in another function): not a negative
            manifest += [pos] if keep is not None and keep.get(cid) == "R-nofix" else [pos, fix]
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    if a.halves:
        write_halves(out, manifest, half_b(Path(a.verdicts)) if a.verdicts else None)
    kinds = {k: len(v) for k, v in by_kind.items()}
    if keep is not None:  # the kept ones
        kinds = {k: sum(r["rule"] == k and r["kind"] == "positive" for r in manifest) for k in kinds}
    print(f"{len(manifest)} records in {out}: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
