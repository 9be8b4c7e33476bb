"""Jinja2 environments over templates/: text unescaped, HTML autoescaped, StrictUndefined.

Patch text is only ever passed as data, never used as template source.
"""

from __future__ import annotations

import functools
import re

import jinja2

from reviewbot import resource_dir
from reviewbot.rules import Rule


def fence(text: str, lang: str = "") -> str:
    """Wrap text in a Markdown code fence longer than any backtick run inside it."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{text.rstrip()}\n{ticks}"


@functools.lru_cache(maxsize=None)
def environment(html: bool = False) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resource_dir("templates"))),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=html,
    )
    env.filters["fence"] = fence
    return env


def render(template: str, **data) -> str:
    html = template.endswith(".html.j2")
    return environment(html).get_template(template).render(**data)


def rule_text(rule: Rule) -> str:
    """A rule's full explanation (Markdown; readable as plain text)."""
    return render("_rule.md.j2", rule=rule)
