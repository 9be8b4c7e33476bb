"""Score the checks against a labelled corpus (docs/design.md, "Evaluation semantics").

Each manifest record is reviewed exactly as `reviewbot review FILE --format json` would
(defaults).  A positive is detected when some finding has the expected path, the same side and
a line within ±3 of an expected line; a negative is a false positive when it produces any
finding at all.

Tree mode (`tree=DIR`, a git clone of the kernel the corpus says its cases apply to): only the
records with `applies_to_6_12` are scored.  A positive (the reversal of a fix the tree contains,
or a patch posted with its defect) is reviewed against DIR's HEAD; a fix as posted
(`<id>-fix`) against a commit made on top of HEAD with its reversed case applied (the
defective state the fix repairs); other negatives against HEAD.  A record with
`tree_base_file` is reviewed against that patch applied on HEAD instead (null: HEAD itself):
fixes made after the tree, whose positives are their reversals on top of them.  Those commits
are written, like every object of tree mode, to the review's private object directory (DIR's
objects as an alternate): DIR itself is only read.  Their fixed dates make each case's commit the same on
every run.

Splits (`split="tune"|"holdout"`): the records are divided by the mailing list they came from
(a hash of the list name), so that rules tuned on one half can be measured on lists they were
never tuned on.  Records without a list are in the tune half.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from reviewbot import pipeline
from reviewbot.errors import InputError
from reviewbot.report.jsonout import review_dict

TOLERANCE = 3


@dataclass
class CaseResult:
    id: str
    kind: str
    rule: str
    unsure: bool
    ok: bool  # positive: detected; negative: silent
    findings: list[dict] = field(default_factory=list)
    error: str | None = None


SPLITS = ("tune", "holdout")


def list_name(rec: dict) -> str:
    """The mailing list a record came from: `.../linux-usb.vger.kernel.org.0` -> `linux-usb`."""
    repo = (rec.get("source") or {}).get("repository") or ""
    return repo.rsplit("/", 1)[-1].split(".", 1)[0]


def split_of(rec: dict) -> str:
    name = list_name(rec)
    if not name:
        return "tune"
    return SPLITS[int(hashlib.sha256(name.encode()).hexdigest(), 16) % 2]


def review_file(path: Path, tree: str | None = None, base: str | None = None) -> list[dict]:
    findings: list[dict] = []
    opts = pipeline.Options(tree=tree)
    for series in pipeline.load([str(path)]):
        if base is not None:
            series = dataclasses.replace(series, base=base)
        findings += review_dict(pipeline.review_series(series, opts))["findings"]
    return findings


def _git(tree: str, *args: str, env: dict | None = None) -> str:
    res = subprocess.run(["git", "-C", tree, *args], capture_output=True, text=True,
                         env={**os.environ, **(env or {})})
    if res.returncode:
        raise InputError(tree, f"git {' '.join(args[:2])}: {res.stderr.strip()[:200]}")
    return res.stdout.strip()


def defect_commit(tree: str, patch: Path, objects: dict | None = None) -> str:
    """A commit on top of `tree`'s HEAD with `patch` applied (objects only; no ref moves).
    `objects`: the environment that sends the new objects elsewhere (a tree-mode store's private
    object directory, the repository as an alternate); without it they go into `tree`."""
    base = dict(objects or {})
    head = _git(tree, "rev-parse", "HEAD", env=base)
    with tempfile.TemporaryDirectory(prefix="reviewbot-eval-") as tmp:
        env = {**base, "GIT_INDEX_FILE": os.path.join(tmp, "index")}
        _git(tree, "read-tree", head, env=env)
        _git(tree, "apply", "--cached", str(patch.resolve()), env=env)
        t = _git(tree, "write-tree", env=env)
    env = {**base, "GIT_AUTHOR_NAME": "eval", "GIT_AUTHOR_EMAIL": "eval@example.org",
           "GIT_COMMITTER_NAME": "eval", "GIT_COMMITTER_EMAIL": "eval@example.org",
           "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z"}
    return _git(tree, "commit-tree", t, "-p", head, "-m", f"eval: {patch.name}", env=env)


def _private_objects(tree: str) -> dict:
    """The object directories of the session's store for `tree` (its reads see what we write)."""
    from reviewbot.tree.store import open_store

    with open_store(tree) as store:
        return {k: store.env[k] for k in ("GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES")}


def _tree_base(root: Path, rec: dict, by_id: dict[str, dict], tree: str) -> str | None:
    if "tree_base_file" in rec:  # the record names its base: that patch on HEAD, or HEAD itself (null)
        base = rec["tree_base_file"]
        return defect_commit(tree, root / base, _private_objects(tree)) if base else None
    if rec["kind"] != "negative" or not rec["id"].endswith("-fix"):
        return None
    defect = by_id.get(rec["id"][: -len("-fix")])
    if defect is None:
        return None
    return defect_commit(tree, root / defect["file"], _private_objects(tree))


def _detected(expected: list[dict], findings: list[dict]) -> bool:
    for exp in expected:
        side = "new" if "new_line" in exp else "old"
        line = exp.get("new_line", exp.get("old_line"))
        for f in findings:
            if f["path"] == exp["path"] and f["side"] == side and abs(f["line"] - line) <= TOLERANCE:
                return True
    return False


def score_case(root: Path, rec: dict, tree: str | None = None,
               by_id: dict[str, dict] | None = None) -> CaseResult:
    res = CaseResult(id=rec["id"], kind=rec["kind"], rule=rec.get("rule", "none"),
                     unsure=bool(rec.get("unsure")), ok=False)
    try:
        # one session: the defect commit lives in its store's private objects, which the review reads
        with pipeline.session(pipeline.Options(tree=tree)):
            base = _tree_base(root, rec, by_id or {}, tree) if tree else None
            res.findings = review_file(root / rec["file"], tree=tree, base=base)
    except InputError as exc:
        res.error = str(exc)
    if rec["kind"] == "positive":
        res.ok = _detected(rec.get("expected_lines", []), res.findings)
    else:
        res.ok = not res.findings
    return res


def select(manifest: list[dict], split: str | None = None, applies: bool = False) -> list[dict]:
    return [rec for rec in manifest
            if (split is None or split_of(rec) == split) and (not applies or rec.get("applies_to_6_12"))]


def run(corpus: Path, tree: str | None = None, split: str | None = None,
        applies: bool = False) -> list[CaseResult]:
    """Score the records of `corpus` (of one split; in tree mode, those that apply)."""
    manifest = json.loads((corpus / "manifest.json").read_text())
    by_id = {rec["id"]: rec for rec in manifest}
    records = select(manifest, split, applies or tree is not None)
    with pipeline.session(pipeline.Options(tree=tree)):  # tree mode: one git plumbing for all cases
        return [score_case(corpus, rec, tree, by_id) for rec in records]


def summary(results: list[CaseResult], include_unsure: bool = True) -> dict:
    rs = [r for r in results if include_unsure or not r.unsure]
    pos = [r for r in rs if r.kind == "positive"]
    neg = [r for r in rs if r.kind == "negative"]
    detected = sum(r.ok for r in pos)
    fps = sum(not r.ok for r in neg)
    per_rule: dict[str, dict] = {}
    for r in rs:
        row = per_rule.setdefault(r.rule, {"positives": 0, "detected": 0, "negatives": 0, "false_positives": 0})
        if r.kind == "positive":
            row["positives"] += 1
            row["detected"] += r.ok
        else:
            row["negatives"] += 1
            row["false_positives"] += not r.ok
    return {
        "positives": len(pos), "detected": detected,
        "recall": detected / len(pos) if pos else 0.0,
        "negatives": len(neg), "false_positives": fps,
        "false_positive_rate": fps / len(neg) if neg else 0.0,
        "per_rule": dict(sorted(per_rule.items())),
        "missed": [r.id for r in pos if not r.ok],
        "noisy": [r.id for r in neg if not r.ok],
        "errors": {r.id: r.error for r in rs if r.error},
    }


@dataclass
class Noise:
    """What the default output says on ordinary patches (the comment rate)."""

    patches: int = 0
    findings: list = field(default_factory=list)  # the Findings default output shows
    errors: list[InputError] = field(default_factory=list)  # unreadable threads

    @property
    def per_100(self) -> float:
        return 100 * len(self.findings) / max(self.patches, 1)


def noise(mbox: str | Path) -> Noise:
    """Review every series of `mbox` in hunk mode and keep what default output shows."""
    out = Noise()
    for series in pipeline.load([str(mbox)], errors=out.errors):
        out.patches += len(series.patches)
        out.findings += pipeline.review_series(series).shown()
    return out
