"""What a check may know beyond the diff: read-only, no I/O from inside a check.

In hunk mode a Context holds nothing but options.  In tree mode (``--tree``) the caller
(reviewbot.tree) fills ``files`` with the pre- and post-image of every touched file, and
``extra`` with file-level facts other files provide (Kconfig, Makefile, headers), and
reviewbot.cocci adds ``matches``, the paths Coccinelle found that the patch introduces.
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
class Context:
    mode: str = "hunks"  # "hunks" | "tree"
    files: Mapping[str, FileImages] = field(default_factory=lambda: MappingProxyType({}))
    extra: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
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
        return self.extra.get(path)
