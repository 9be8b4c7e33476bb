"""What a check may know beyond the diff: read-only, no I/O from inside a check.

In hunk mode a Context holds nothing but options.  In tree mode (``--tree``) the caller
(reviewbot.tree) fills ``files`` with the pre- and post-image of every touched file,
``others`` with other files of the tree (Makefile, Kconfig, local headers, the module's other
sources), ``facts`` with what those files say about each touched C file (``FileFacts``), and
``base``/``commit``; reviewbot.cocci adds ``matches``, the paths Coccinelle found that the
patch introduces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping


@dataclass(frozen=True)
class FileImages:
    pre: str | None  # None: the file is new (or unknown)
    post: str | None  # None: the file is deleted (or unknown)


@dataclass(frozen=True)
class FileFacts:
    """What the tree says about one touched C file (tree mode).  A field is None (or empty)
    when it could not be established: checks treat that as "unknown", never as "no"."""

    # Can the file be built as a module: True (obj-m, a tristate symbol), False (obj-y, a bool
    # symbol: THIS_MODULE is NULL), None (unknown; and always for a header).
    modular: bool | None = None
    kconfig_symbol: str | None = None  # the CONFIG_ symbol (without CONFIG_) building the object
    kconfig_type: str | None = None  # "tristate" | "bool" (def_* folded in)
    kconfig_file: str | None = None  # the Kconfig file defining kconfig_symbol
    makefile_lines: tuple[str, ...] = ()  # the Makefile lines naming the object, obj-... last
    module_name: str | None = None  # the .ko path without the suffix the file is linked into
    module_objects: tuple[str, ...] = ()  # the sources of that module
    includes: tuple[str, ...] = ()  # the headers the file includes that exist in the tree
    # (struct, member, header): struct types with a `struct module *` member declared in the
    # headers the file includes (breadth-first, 3 levels, at most 200 headers)
    owner_structs: tuple[tuple[str, str, str], ...] = ()
    # (name, header): macros and static inline functions of those headers that pass
    # THIS_MODULE, directly or through another such wrapper (platform_driver_register)
    owner_wrappers: tuple[tuple[str, str], ...] = ()


NO_FACTS = FileFacts()


@dataclass(frozen=True)
class Context:
    mode: str = "hunks"  # "hunks" | "tree"
    files: Mapping[str, FileImages] = field(default_factory=lambda: MappingProxyType({}))
    others: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # path -> text
    facts: Mapping[str, FileFacts] = field(default_factory=lambda: MappingProxyType({}))  # touched C files
    base: str | None = None  # tree mode: the commit the series was applied to (or the first's parent)
    commit: str | None = None  # --git, and --tree with the tree's own commits: the patch's commit
    options: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    series_text: str = ""  # cover letter + commit messages: the changelog some rules read
    # Tree mode with Coccinelle: the paths the patch introduces (reviewbot.cocci.Match), each
    # naming the rule that reports it.  Empty when spatch is absent or found nothing.
    matches: tuple = ()

    def engine_on(self, name: str) -> bool:
        """Is this engine ("python", "cocci") enabled?  Both are, unless options say otherwise."""
        return name in self.options.get("engines", ("python", "cocci"))

    @property
    def has_tree(self) -> bool:
        return self.mode == "tree"

    def post(self, path: str) -> str | None:
        img = self.files.get(path)
        return img.post if img else None

    def pre(self, path: str) -> str | None:
        img = self.files.get(path)
        return img.pre if img else None

    def read(self, path: str) -> str | None:
        """Another file of the base tree (headers, Kconfig, Makefile) when tree mode supplied it."""
        return self.others.get(path)

    def facts_of(self, path: str) -> FileFacts:
        """The tree's facts about touched file `path` (all unknown outside tree mode)."""
        return self.facts.get(path, NO_FACTS)
