"""Kbuild: which Makefile line builds a source file, into which module, under which Kconfig
symbol, and whether that symbol is tristate or bool.  Parsed Makefiles are cached by blob id."""

from __future__ import annotations

import posixpath
import re

from reviewbot.tree.store import Reader, Snap

_ASSIGN = re.compile(r"^([A-Za-z0-9_.+/-]+?)-(y|m|objs|\$\(CONFIG_(\w+)\))\s*(?::=|\+=|\?=|=)\s*(.*)$")
_NOT_MODULES = {"ccflags", "asflags", "ldflags", "subdir-ccflags", "subdir", "lib", "extra", "always",
                "hostprogs", "targets", "userprogs", "clean-files", "header-test", "CFLAGS", "AFLAGS"}


def _makefile(reader: Reader, commit: Snap, d: str) -> tuple[str, list] | None:
    for name in ("Kbuild", "Makefile"):
        path = posixpath.join(d, name) if d else name
        sha = reader.blob_id(commit, path)
        if sha is None:
            continue
        if sha not in reader.makefiles:
            entries = []
            joined = re.sub(r"\\\n", " ", reader.text(commit, path) or "")
            for raw in joined.splitlines():
                line = raw.split("#", 1)[0].strip()
                m = _ASSIGN.match(line)
                if m and m.group(1) not in _NOT_MODULES:
                    cond = m.group(3) or m.group(2)
                    entries.append((m.group(1), cond, m.group(4).split(), " ".join(raw.split())))
            reader.makefiles[sha] = entries
        return path, reader.makefiles[sha]
    return None


def _find_obj(entries: list, obj: str, depth: int = 0):
    """(how, symbol, lines, module, members) for `obj` in one Makefile's assignments."""
    for prefix, cond, values, line in entries:
        if obj not in values:
            continue
        if prefix == "obj":
            how = cond if cond in ("y", "m") else ""
            return how, "" if how else cond, [line], obj[:-2], [obj]
        if depth < 3:
            found = _find_obj(entries, prefix + ".o", depth + 1)
            if found:
                how, symbol, lines, _, _ = found
                members = [v for p, _c, vals, _l in entries if p == prefix for v in vals if v.endswith(".o")]
                mine = [ln for p, _c, vals, ln in entries if p == prefix and obj in vals]
                return how, symbol, mine + lines, prefix, members
    return None


def build_facts(reader: Reader, commit: Snap, path: str):
    """Which Makefile builds `path` and how: looks in its directory, then up to two parents."""
    d = posixpath.dirname(path)
    rel = posixpath.basename(path)[:-2] + ".o"
    for _ in range(3):
        mk = _makefile(reader, commit, d)
        if mk is not None:
            found = _find_obj(mk[1], rel)
            if found:
                how, symbol, lines, module, members = found
                objects = []
                for o in members:
                    src = posixpath.normpath(posixpath.join(d, o[:-2] + ".c"))
                    if reader.exists(commit, src) and src not in objects:
                        objects.append(src)
                return mk[0], how, symbol, lines, posixpath.normpath(posixpath.join(d, module)), objects
        if not d:
            break
        rel = posixpath.basename(d) + "/" + rel
        d = posixpath.dirname(d)
    return None


_KCONFIG_END = re.compile(r"^(config|menuconfig|choice|endchoice|menu|endmenu|if|endif|source|comment|mainmenu)\b")
_KCONFIG_TYPE = re.compile(r"^\s+(tristate|def_tristate|bool|boolean|def_bool)\b")


def _kconfig_type(text: str, symbol: str) -> str | None:
    """'tristate' / 'bool' / '' for the first definition of `symbol` in `text`; None if absent."""
    lines = text.split("\n")
    head = re.compile(rf"^\s*(menu)?config\s+{re.escape(symbol)}\s*$")
    for i, ln in enumerate(lines):
        if not head.match(ln):
            continue
        for body in lines[i + 1:]:
            if _KCONFIG_END.match(body) or re.match(r"^\s*(---)?help(---)?\s*$", body):
                break
            m = _KCONFIG_TYPE.match(body)
            if m:
                return "tristate" if "tristate" in m.group(1) else "bool"
        return ""
    return None


def kconfig(reader: Reader, commit: Snap, d: str, symbol: str) -> tuple[str, str] | None:
    """(Kconfig file, type) defining `symbol`: the directory and its parents first, then git grep."""
    cands = []
    while True:
        cands.append(posixpath.join(d, "Kconfig") if d else "Kconfig")
        if not d:
            break
        d = posixpath.dirname(d)
    for kfile in cands:
        text = reader.text(commit, kfile)
        if text is not None and symbol in text:
            kind = _kconfig_type(text, symbol)
            if kind is not None:
                return kfile, kind
    kfile = reader.grep_config(commit, symbol)
    if kfile:
        kind = _kconfig_type(reader.text(commit, kfile) or "", symbol)
        if kind is not None:
            return kfile, kind
    return None
