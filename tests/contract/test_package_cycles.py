"""No import cycles between reviewbot's packages, read from the source (AST).

Every import counts: module level, inside functions, under ``TYPE_CHECKING``.  A package may use
another only if that one never uses it back, directly or through a third: reporters render,
the forge clients publish; the list follower drives the patchwork client; the service
composes the results pages, which never reach back into the service.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PACKAGES = (
    "reviewbot.forge", "reviewbot.report", "reviewbot.watch", "reviewbot.service", "reviewbot.ingest",
    "reviewbot.patchwork", "reviewbot.cocci", "reviewbot.web", "reviewbot.commands", "reviewbot.checks",
    "reviewbot.analysis",
)


def _sources(root: Path) -> list[tuple[Path, str, str]]:
    """(file, module name, package its relative imports resolve against)."""
    out = []
    for base, pkg in ((root / "reviewbot", "reviewbot"), (root / "checks", "reviewbot.checks")):
        for path in sorted(base.rglob("*.py")):
            rel = path.relative_to(base).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            name = ".".join([pkg, *parts])
            out.append((path, name, name if path.name == "__init__.py" else name.rsplit(".", 1)[0]))
    return out


def imported_names(tree: ast.AST, package: str) -> list[tuple[str, int]]:
    """Absolute names a module imports anywhere in it, with their line."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                mod = ".".join(base[: len(base) - node.level + 1] + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out += [(mod, node.lineno)] + [(f"{mod}.{a.name}", node.lineno) for a in node.names]
    # the rule catalog is imported as `checks` in the source tree and `reviewbot.checks` when installed
    return [("reviewbot." + n if n == "checks" or n.startswith("checks.") else n, line) for n, line in out]


def owner(name: str) -> str | None:
    return next((p for p in PACKAGES if name == p or name.startswith(p + ".")), None)


def package_graph(root: Path = ROOT) -> dict[str, dict[str, list[str]]]:
    """package -> {package it imports: ["file:line", ...]}."""
    graph: dict[str, dict[str, list[str]]] = {p: {} for p in PACKAGES}
    for path, name, package in _sources(root):
        src = owner(name)
        if src is None:
            continue
        tree = ast.parse(path.read_text(), str(path))
        for imported, line in imported_names(tree, package):
            dst = owner(imported)
            where = f"{path.relative_to(root)}:{line}"
            if dst and dst != src and where not in graph[src].setdefault(dst, []):
                graph[src][dst].append(where)
    return graph


def cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """Strongly connected components of more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle_between_packages():
    graph = package_graph()
    found = cycles(graph)
    detail = [f"{a} -> {b} ({', '.join(sorted(set(graph[a][b]))[:3])})"
              for comp in found for a in comp for b in comp if b in graph[a]]
    assert not found, f"import cycles between packages {found}:\n" + "\n".join(detail)


def test_the_graph_sees_every_kind_of_import(tmp_path):
    """The scanner on a made-up tree: function-level, relative and TYPE_CHECKING imports all count,
    and a cycle through three packages is found."""
    files = {
        "reviewbot/forge/a.py": "def f():\n    from reviewbot.report import base\n",
        "reviewbot/report/base.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                    "    from ..watch import follow\n",
        "reviewbot/watch/follow.py": "import reviewbot.forge.a\n",
        "reviewbot/web/pages.py": "from checks import ALL\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    graph = package_graph(tmp_path)
    assert graph["reviewbot.report"] == {"reviewbot.watch": ["reviewbot/report/base.py:3"]}
    assert set(graph["reviewbot.web"]) == {"reviewbot.checks"}
    assert cycles(graph) == [["reviewbot.forge", "reviewbot.report", "reviewbot.watch"]]
    assert cycles({"a": {"b": []}, "b": {}}) == []
