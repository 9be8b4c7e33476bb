"""Rule metadata and documentation, parsed from each check module's docstring.

A check module's docstring is its documentation (ruff's form): a one-line summary, then the
fixed Markdown sections below.  Every reporter renders the same parsed RuleDoc.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from reviewbot.model import Confidence, DiffLine, Finding, Level, Scope, Side

REQUIRED_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "References")
OPTIONAL_SECTIONS = ("Known problems", "Options", "Confidence")
SECTION_ORDER = ("What it does", "Why is this bad?", "Example", "Use instead", "Known problems",
                 "Confidence", "Options", "References")

# Old IDs or slugs -> current ID.  IDs are never reused.
REDIRECTS: dict[str, str] = {}

RULES_URL_ENV = "REVIEWBOT_RULES_URL"


def rules_url() -> str:
    """Where the rule pages are: the one setting every link to a rule comes from.

    $REVIEWBOT_RULES_URL, set from the configuration's `rules_url` by the commands that read
    it (`serve` defaults it to its own `/rules/` pages), else the rules page shipped with
    reviewbot (docs/rules.md, a file: URL).  A value ending in `/` is a directory of pages
    (`<url>MOD001`); anything else is one document with an anchor per rule.
    """
    url = os.environ.get(RULES_URL_ENV, "").strip()
    if url:
        return url
    from reviewbot import resource_dir

    try:
        return (resource_dir("docs") / "rules.md").as_uri()
    except FileNotFoundError:
        return "reviewbot explain"  # not installed with its docs: the command says the same


def rule_url(rule_id: str, slug: str) -> str:
    base = rules_url()
    if base.endswith("/"):
        return f"{base}{rule_id}"
    return f"{base}#{rule_id.lower()}-{slug}"


@dataclass(frozen=True, slots=True)
class RuleDoc:
    summary: str
    sections: dict[str, str]

    @classmethod
    def parse(cls, doc: str) -> "RuleDoc":
        text = (doc or "").strip("\n")
        head, _, rest = text.partition("\n")
        sections: dict[str, str] = {}
        current = None
        buf: list[str] = []
        for line in rest.splitlines():
            m = re.match(r"^## (.+?)\s*$", line) if line.startswith("## ") else None
            if m:
                if current:
                    sections[current] = "\n".join(buf).strip("\n")
                current, buf = m.group(1), []
            elif current:
                buf.append(line)
        if current:
            sections[current] = "\n".join(buf).strip("\n")
        return cls(summary=head.strip(), sections=sections)

    def missing_sections(self) -> list[str]:
        return [s for s in REQUIRED_SECTIONS if not self.sections.get(s)]

    def ordered(self) -> list[tuple[str, str]]:
        return [(s, self.sections[s]) for s in SECTION_ORDER if self.sections.get(s)]

    def code_blocks(self, section: str) -> list[str]:
        return re.findall(r"```[a-z]*\n(.*?)```", self.sections.get(section, ""), flags=re.S)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    slug: str
    level: Level
    doc: RuleDoc
    scope: Scope = Scope.PATCH
    confidence: Confidence = Confidence.HIGH
    tags: tuple[str, ...] = field(default=())  # corpus rule tags this rule answers
    # What finds it: "python" (the check's own code) and/or "coccinelle" (tree mode, spatch).
    engines: tuple[str, ...] = field(default=("python",))

    @classmethod
    def from_doc(cls, doc: str | None, *, id: str, slug: str, level: Level,
                 scope: Scope = Scope.PATCH, confidence: Confidence = Confidence.HIGH,
                 tags: tuple[str, ...] = (), engines: tuple[str, ...] = ("python",)) -> "Rule":
        return cls(id=id, slug=slug, level=level, doc=RuleDoc.parse(doc or ""), scope=scope,
                   confidence=confidence, tags=tags, engines=engines)

    @property
    def help_uri(self) -> str:
        return rule_url(self.id, self.slug)

    def finding(self, path: str, line: DiffLine | int, message: str, *, side: Side | None = None,
                text: str | None = None, confidence: Confidence | None = None,
                level: Level | None = None) -> Finding:
        """Build a Finding anchored at a diff line (side inferred) or at a line number."""
        if isinstance(line, DiffLine):
            if side is None:
                side = Side.OLD if line.removed else Side.NEW
            no = line.old_no if side is Side.OLD else line.new_no
            text = line.text if text is None else text
        else:
            no = line
            side = side or Side.NEW
        return Finding(rule=self, path=path, line=no, message=message, side=side,
                       text=(text or "").rstrip(), confidence=confidence, level=level)


def resolve(name: str, rules: "tuple[Rule, ...]") -> Rule | None:
    """Find a rule by ID or slug (case-insensitive), following REDIRECTS."""
    key = REDIRECTS.get(name.upper(), REDIRECTS.get(name.lower(), name))
    for r in rules:
        if r.id.lower() == key.lower() or r.slug == key.lower():
            return r
    return None
