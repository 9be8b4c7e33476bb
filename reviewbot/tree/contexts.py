"""Assembling the checks' Context for one patch: its files' images, the other files of the
tree they need, and each touched C file's ``FileFacts``."""

from __future__ import annotations

import posixpath
from dataclasses import replace
from types import MappingProxyType

from reviewbot.context import Context, FileFacts, FileImages
from reviewbot.model import Patch
from reviewbot.tree.headers import direct_includes, owner_facts
from reviewbot.tree.kbuild import build_facts, kconfig
from reviewbot.tree.store import Reader, Snap

MAX_EXTRA_FILE = 256 * 1024
MAX_EXTRA_TOTAL = 2 * 1024 * 1024

def build_context(reader: Reader, patch: Patch, pre: Snap | None, post: Snap, series_text: str,
                  base: str, commit: str | None = None) -> Context:
    files: dict[str, FileImages] = {}
    others: dict[str, str] = {}
    facts: dict[str, FileFacts] = {}
    budget = [MAX_EXTRA_TOTAL]
    for fd in patch.files:
        if fd.is_binary:
            continue
        before = None if fd.is_new else reader.text(pre, fd.old_path or fd.path)
        after = None if fd.is_deleted else reader.text(post, fd.path)
        files[fd.path] = FileImages(before, after)
    for fd in patch.files:  # a renamed file is found by its old name too
        if fd.old_path and fd.old_path != fd.path and fd.path in files:
            files.setdefault(fd.old_path, files[fd.path])
    for fd in patch.files:
        if fd.is_c and not fd.is_binary:
            at = pre if fd.is_deleted else post
            text = files[fd.path].pre if fd.is_deleted else files[fd.path].post
            if at is not None and text is not None:
                facts[fd.path] = _file_facts(reader, at, fd.path, text, others, files, budget)
    return Context(mode="tree", files=MappingProxyType(files), others=MappingProxyType(others),
                   facts=MappingProxyType(facts), base=base, commit=commit, series_text=series_text)


def _add_file(reader: Reader, at: Snap, path: str, others: dict, files: dict, budget: list) -> None:
    if path in others or path in files:
        return
    text = reader.text(at, path)
    if text is None or len(text) > MAX_EXTRA_FILE or len(text) > budget[0]:
        return
    budget[0] -= len(text)
    others[path] = text


def _file_facts(reader: Reader, at: Snap, path: str, text: str, others: dict, files: dict,
                budget: list) -> FileFacts:
    """`path`'s facts; the files they come from (its Makefile, Kconfig, local headers, the
    module's other sources) go into `others` while the budget lasts."""
    d = posixpath.dirname(path)
    includes = direct_includes(reader, at, path, text)
    for h in includes:
        if posixpath.dirname(h) == d:
            _add_file(reader, at, h, others, files, budget)
    structs, wrappers = owner_facts(reader, at, includes)
    facts = FileFacts(includes=tuple(includes), owner_structs=tuple(structs), owner_wrappers=tuple(wrappers))
    if not path.endswith(".c"):
        return facts
    build = build_facts(reader, at, path)
    if build is None:
        return facts
    mk, how, symbol, lines, module, objects = build
    _add_file(reader, at, mk, others, files, budget)
    for src in objects:
        _add_file(reader, at, src, others, files, budget)
    facts = replace(facts, makefile_lines=tuple(lines), module_name=module, module_objects=tuple(objects))
    kind = {"m": "tristate", "y": "bool"}.get(how)
    if symbol:
        facts = replace(facts, kconfig_symbol=symbol)
        found = kconfig(reader, at, d, symbol)
        if found:
            kfile, kind = found
            facts = replace(facts, kconfig_file=kfile, kconfig_type=kind or None)
            _add_file(reader, at, kfile, others, files, budget)
        else:
            kind = None
    modular = {"m": True, "y": False}.get(how)
    if modular is None:
        modular = {"tristate": True, "bool": False}.get(kind or "")
    return replace(facts, modular=modular)
