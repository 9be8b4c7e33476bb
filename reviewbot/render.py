"""Jinja2 environments over templates/: text unescaped, HTML autoescaped, StrictUndefined.

Patch text is only ever passed as data, never used as template source.  Jinja2 is imported
on the first render: the text filters below (`plain`, `first_sentence`, ...) do not need it.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

from reviewbot import resource_dir
from reviewbot.rules import Rule


def fence(text: str, lang: str = "") -> str:
    """Wrap text in a Markdown code fence longer than any backtick run inside it."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{text.rstrip()}\n{ticks}"


_FENCE = re.compile(r"^(`{3,}|~{3,})[^\n]*\n(.*?)^\1[ \t]*$", re.M | re.S)
_INLINE = (
    (re.compile(r"\[([^\]]+)\]\((\S+?)\)"), r"\1 (\2)"),  # [text](url)
    (re.compile(r"(?<![`\w])`([^`\n]+)`(?![`\w])"), r"\1"),  # `code`
    (re.compile(r"\*\*([^*\n]+)\*\*"), r"\1"),  # **strong**
    (re.compile(r"(?<![\w*])\*([^*\s][^*\n]*?)\*(?![\w*])"), r"\1"),  # *emphasis*
)


def plain(markdown: str) -> str:
    """Markdown as plain text for a terminal or a mail: code blocks indented by four spaces,
    no fences, backticks, emphasis marks or headings' `#`; links as `text (url)`."""
    blocks: list[str] = []

    def keep(m: re.Match) -> str:
        blocks.append("\n".join("    " + ln if ln.strip() else "" for ln in m.group(2).rstrip("\n").split("\n")))
        return f"\0{len(blocks) - 1}\0"

    text = _FENCE.sub(keep, markdown)
    text = re.sub(r"^#{1,6}\s+(.*?)\s*#*\s*$", r"\1", text, flags=re.M)
    for pattern, repl in _INLINE:
        text = pattern.sub(repl, text)
    return re.sub(r"\0(\d+)\0", lambda m: blocks[int(m.group(1))], text)


def first_sentence(markdown: str, limit: int = 100) -> str:
    """The first sentence of a Markdown paragraph, as one plain line of at most `limit` chars
    (cut at its first colon or semicolon when longer)."""
    para = plain(markdown.strip().split("\n\n", 1)[0])
    line = " ".join(para.split())
    m = re.search(r"(?<=[.!?])\s+(?=[A-Z(])", line)
    if m and m.start() > 20:
        line = line[: m.start()]
    if len(line) > limit:
        m = re.search(r"[:;]\s", line[20:limit])
        if m:
            line = line[: 20 + m.start()]
    if len(line) > limit:
        line = line[: limit - 4].rsplit(" ", 1)[0] + " ..."
    return line


def why_lines(markdown: str, width: int = 70, max_lines: int = 3) -> list[str]:
    """The first paragraph of a rule's "Why is this bad?", plain, wrapped to `width`, cut to
    `max_lines` (ending in ` ...` when cut): the few lines of why a reply carries per rule."""
    import textwrap

    para = " ".join(plain(markdown.strip().split("\n\n", 1)[0]).split())
    lines = textwrap.wrap(para, width) or []
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: width - 4].rstrip() + " ..."
    return lines


@functools.lru_cache(maxsize=None)
def environment(html: bool = False) -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resource_dir("templates"))),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=html,
    )
    env.filters["fence"] = fence
    env.filters["plain"] = plain
    env.filters["first_sentence"] = first_sentence
    env.filters["why_lines"] = why_lines
    return env


def render(template: str, **data) -> str:
    html = template.endswith(".html.j2")
    return environment(html).get_template(template).render(**data)


def rule_text(rule: Rule) -> str:
    """A rule's full explanation (Markdown: forges, SARIF, the docs page)."""
    return render("_rule.md.j2", rule=rule)


def rule_plain(rule: Rule) -> str:
    """A rule's full explanation as plain text (terminal, mail)."""
    return render("_rule.txt.j2", rule=rule)
