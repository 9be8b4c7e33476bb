"""Import layers (CONTRIBUTING.md, docs/design.md), checked by reading every module's imports (AST).

- reporters (reviewbot/report/) never import the checks;
- checks never import reporters, sources (reviewbot/ingest, b4, git), templates (jinja2),
  the network or subprocesses: they are pure functions of the diff and the Context;
- a check never imports another check (shared code lives in `_helper` modules);
- the C analysis layer (reviewbot/analysis/: clex, cmodel, flow) sits below the checks: from
  reviewbot it uses only the diff model (reviewbot.model) and itself, so it knows C and diffs,
  never rules, the kernel-API table, the engine or a source.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHECKS_MUST_NOT_IMPORT = (
    "reviewbot.report", "reviewbot.ingest", "reviewbot.render", "reviewbot.pipeline", "reviewbot.cli",
    "reviewbot.commands", "jinja2", "b4", "liblore", "git", "subprocess", "socket", "requests", "httpx",
    "urllib.request", "http.client", "sqlalchemy",
)
REPORT_MUST_NOT_IMPORT = ("reviewbot.checks", "checks")
ANALYSIS_MAY_IMPORT = ("reviewbot.model", "reviewbot.analysis")  # of reviewbot's own modules


def imports(path: Path, package: str) -> list[str]:
    """Absolute names of everything a module imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(), str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.append(mod)
            out += [f"{mod}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            out.append(str(node.args[0].value))
    return out


def _hits(names: list[str], banned: tuple[str, ...]) -> list[str]:
    return sorted({n for n in names for b in banned if n == b or n.startswith(b + ".")})


def _modules(base: Path, pkg: str) -> list[tuple[Path, str]]:
    out = []
    for path in sorted(base.rglob("*.py")):
        rel = path.relative_to(base).with_suffix("")
        parts = [p for p in rel.parts if p != "__init__"]
        name = ".".join([pkg, *parts])
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        out.append((path, package))
    return out


CHECK_MODULES = _modules(ROOT / "checks", "reviewbot.checks")
REPORT_MODULES = _modules(ROOT / "reviewbot" / "report", "reviewbot.report")
ANALYSIS_MODULES = _modules(ROOT / "reviewbot" / "analysis", "reviewbot.analysis")


@pytest.mark.parametrize("path,package", CHECK_MODULES, ids=[str(p.relative_to(ROOT)) for p, _ in CHECK_MODULES])
def test_checks_are_pure(path, package):
    bad = _hits(imports(path, package), CHECKS_MUST_NOT_IMPORT)
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}: checks are pure (no reporters, I/O or templates)"


@pytest.mark.parametrize("path,package", CHECK_MODULES, ids=[str(p.relative_to(ROOT)) for p, _ in CHECK_MODULES])
def test_a_check_never_imports_another_check(path, package):
    if path.name.startswith("_"):
        return  # helpers and family __init__
    own = "reviewbot.checks." + ".".join(path.relative_to(ROOT / "checks").with_suffix("").parts)
    other_rules = []
    for name in imports(path, package):
        parts = name.split(".")
        if name.startswith("reviewbot.checks.") and len(parts) >= 4 and name != own:
            if not any(p.startswith("_") for p in parts[2:4]):
                other_rules.append(name)
    assert not other_rules, f"{path.relative_to(ROOT)} imports another check {other_rules}; share code via _helpers"


@pytest.mark.parametrize("path,package", REPORT_MODULES, ids=[str(p.relative_to(ROOT)) for p, _ in REPORT_MODULES])
def test_reporters_never_import_checks(path, package):
    bad = _hits(imports(path, package), REPORT_MUST_NOT_IMPORT)
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}: reporters get rules from findings"


def _outside_analysis(names: list[str]) -> list[str]:
    """reviewbot modules (or the rule catalog) named in `names` that the analysis layer may not use."""
    own = [n for n in names if n == "checks" or n.startswith(("checks.", "reviewbot.")) or n == "reviewbot"]
    return sorted({n for n in own if not any(n == a or n.startswith(a + ".") for a in ANALYSIS_MAY_IMPORT)})


@pytest.mark.parametrize("path,package", ANALYSIS_MODULES, ids=[str(p.relative_to(ROOT)) for p, _ in ANALYSIS_MODULES])
def test_analysis_sits_below_the_checks(path, package):
    names = imports(path, package)
    bad = _outside_analysis(names) + _hits(names, CHECKS_MUST_NOT_IMPORT)
    assert not bad, (f"{path.relative_to(ROOT)} imports {bad}: the analysis layer uses only "
                     f"{', '.join(ANALYSIS_MAY_IMPORT)} of reviewbot (rules pass it what it needs)")


def test_the_analysis_layer_is_scanned():
    names = {p.name for p, _ in ANALYSIS_MODULES}
    assert {"clex.py", "cmodel.py", "flow.py"} <= names
    assert _outside_analysis(["reviewbot.checks.module._apis", "reviewbot.context.Context", "checks",
                              "reviewbot.model.DiffLine", "reviewbot.analysis.cmodel", "re"]) == [
        "checks", "reviewbot.checks.module._apis", "reviewbot.context.Context"]


def test_the_scan_sees_imports():
    """The scanner itself, on a known module: it must find what it is meant to forbid."""
    names = imports(ROOT / "reviewbot" / "render.py", "reviewbot")
    assert "jinja2" in names and "reviewbot.rules.Rule" in names
    assert _hits(["jinja2.sandbox", "reviewbot.report.base"], CHECKS_MUST_NOT_IMPORT) == [
        "jinja2.sandbox", "reviewbot.report.base"]
    assert _hits(["gitlab", "reviewbot.reporting"], CHECKS_MUST_NOT_IMPORT) == []
