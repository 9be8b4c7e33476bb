"""Rule anchors: real-patch fixtures and the exact findings each one must give.

Every rule (by slug) owns a directory `tests/data/checks/<slug>/`.  Each patch or mbox there
(`*.patch`, `*.mbox`, `*.eml`) is a fixture: it is loaded the way `reviewbot review` loads it
(`reviewbot.pipeline.load`) and reviewed in hunk mode with only that rule selected.  Next to
it, `<fixture>.expected` holds one line per finding shown with `--all`, in report order:

    path:line:side:level:confidence:message

An empty `.expected` file says the fixture must stay silent.  When a rule's findings change on
purpose, rewrite the expectations and review them as a diff:

    .venv/bin/python -m tests.checks.anchors --update [RULE ...]     # RULE: ID or slug
    git diff tests/data/checks/

Without `--update` the command prints what differs and exits 1 (0 when all agree).
"""

from __future__ import annotations

import argparse
import difflib
import sys
from dataclasses import dataclass
from pathlib import Path

from reviewbot import pipeline
from reviewbot.model import Finding
from reviewbot.registry import all_checks

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "data" / "checks"
PATCH_SUFFIXES = (".patch", ".mbox", ".eml")
UPDATE = ".venv/bin/python -m tests.checks.anchors --update"


@dataclass(frozen=True)
class Fixture:
    rule_id: str
    slug: str
    path: Path

    @property
    def expected_path(self) -> Path:
        return self.path.with_name(self.path.name + ".expected")

    @property
    def name(self) -> str:
        return f"{self.slug}/{self.path.name}"


def rules() -> dict[str, str]:
    """slug -> rule ID, for every registered rule."""
    return {mod.RULE.slug: mod.RULE.id for mod in all_checks()}


def fixtures(select: tuple[str, ...] = ()) -> list[Fixture]:
    """Every fixture of every rule directory (or of the rules named by ID or slug)."""
    wanted = {s.lower() for s in select}
    out = []
    for slug, rule_id in sorted(rules().items(), key=lambda kv: kv[1]):
        if wanted and slug not in wanted and rule_id.lower() not in wanted:
            continue
        folder = FIXTURES / slug
        if folder.is_dir():
            out += [Fixture(rule_id, slug, p) for p in sorted(folder.iterdir())
                    if p.suffix in PATCH_SUFFIXES and p.is_file()]
    return out


def line_of(f: Finding) -> str:
    where = f"{f.path or ''}:{f.line if f.line is not None else ''}:{f.side.value}"
    return f"{where}:{f.effective_level.value}:{f.effective_confidence.value}:{f.message}"


def run(fx: Fixture) -> list[str]:
    """The fixture's findings at `--all`, one formatted line each, in report order.

    A rule that crashes is an error here, never an expectation."""
    opts = pipeline.Options(select=(fx.rule_id,))
    lines: list[str] = []
    for series in pipeline.load([str(fx.path)]):
        review = pipeline.review_series(series, opts)
        crashes = [n for n in review.notes if n.startswith("internal:")]
        if crashes:
            raise RuntimeError(f"{fx.name}: " + "; ".join(crashes))
        lines += [line_of(f) for f in sorted(review.shown(include_low=True), key=Finding.sort_key)]
    return lines


def expected(fx: Fixture) -> list[str] | None:
    if not fx.expected_path.exists():
        return None
    return fx.expected_path.read_text().splitlines()


def write(fx: Fixture, lines: list[str]) -> None:
    fx.expected_path.write_text("".join(ln + "\n" for ln in lines))


def _shown(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def diff_text(fx: Fixture, want: list[str] | None, got: list[str]) -> str:
    rel = _shown(fx.expected_path)
    if want is None:
        head = f"{rel} is missing; the fixture gives:\n" + "".join(f"  {ln}\n" for ln in got or ["(nothing)"])
    else:
        head = "".join(ln + "\n" for ln in difflib.unified_diff(
            want, got, f"{rel} (expected)", f"{fx.name} (now)", lineterm="", n=1))
    return head + f"If the change is intended: {UPDATE} {fx.rule_id}, then review `git diff {rel.parent}`."


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.checks.anchors",
                                 description="Check (or with --update rewrite) the rules' anchor expectations.")
    ap.add_argument("--update", action="store_true", help="rewrite the .expected files")
    ap.add_argument("rule", nargs="*", help="rule ID or slug (default: every rule)")
    args = ap.parse_args(argv)
    known = {k.lower() for kv in rules().items() for k in kv}
    unknown = [r for r in args.rule if r.lower() not in known]
    if unknown:
        print(f"anchors: unknown rule {', '.join(unknown)} (see `reviewbot rules`)", file=sys.stderr)
        return 2
    changed = 0
    for fx in fixtures(tuple(args.rule)):
        try:
            got = run(fx)
        except RuntimeError as exc:
            print(f"anchors: {exc}", file=sys.stderr)
            return 1
        want = expected(fx)
        if want == got:
            continue
        changed += 1
        if args.update:
            write(fx, got)
            print(f"updated {_shown(fx.expected_path)} ({len(got)} finding{'s' * (len(got) != 1)})")
        else:
            print(diff_text(fx, want, got) + "\n")
    if not changed:
        print("anchors: every expectation holds")
    return 0 if args.update or not changed else 1


if __name__ == "__main__":
    sys.exit(main())
