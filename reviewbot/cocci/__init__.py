"""Coccinelle as the path engine of tree mode.

In tree mode every patch comes with the pre- and post-image of the files it touches
(``Context.files``).  This package runs `spatch` with semantic patches generated from the
get/put table (``reviewbot.cocci.generate``) on both images of the touched C functions
(``reviewbot.cocci.run``), keeps only what the patch introduces (a match in the post-image
whose rule, function and object have no match in the pre-image: line numbers play no part),
and puts each on the line of the diff a reviewer should look at (``reviewbot.cocci.anchor``).

The result goes to the checks as data: ``Context.matches`` holds `Match` records, each naming
the rule that reports it (``Match.rule``, e.g. MOD003), and that rule's check turns them into
findings with its own ID, docs and fingerprints.  Checks stay pure: the subprocess runs here,
on the engine side, once per series (one spatch start for the whole series).

`spatch` is optional at run time: without it the Python engine alone runs and the review's
notes say so.  ``REVIEWBOT_ENGINES`` (comma-separated ``python``, ``cocci``; default both)
chooses the engines, to compare them (``benchmarks/cocci_engines.py``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Callable

from reviewbot.context import Context
from reviewbot.model import Patch, Series, Side

ENGINES = ("python", "cocci")
# Which reviewbot rule reports each kind of match.
RULE_OF_KIND = {"leak": "MOD003", "field": "MOD003", "take": "MOD003", "iter": "MOD030", "iterbreak": "MOD030", "register": "MOD003",
                "doubleput": "MOD019", "borrowput": "MOD019"}
UNAVAILABLE = "coccinelle: spatch not found on PATH; path checks by the Python engine only"


@dataclass(frozen=True)
class Match:
    """A path the patch introduces, placed on a line of its diff."""

    rule: str  # the reviewbot rule that reports it (RULE_OF_KIND)
    kind: str  # "leak": a get not released on some exit ("field": kept in a structure, on an
    #            error exit); "iter"/"iterbreak": a for_each_* loop left early (by return or goto /
    #            by break); "register": a failed registration not released on its error path;
    #            "doubleput": a reference put twice; "borrowput": a lent pointer put
    path: str
    function: str
    api: str  # the getter, lookup or iterator
    obj: str  # the reference's holder (a local variable)
    line: int  # where to report, on `side` of the diff
    side: Side
    get_line: int  # post-image lines of the get and of the leaking exit
    exit_line: int


def engines() -> tuple[str, ...]:
    raw = os.environ.get("REVIEWBOT_ENGINES", "")
    chosen = tuple(e for e in ENGINES if e in {s.strip() for s in raw.split(",")}) if raw.strip() else ENGINES
    return chosen or ENGINES


def available() -> bool:
    from reviewbot.cocci import run

    return run.spatch() is not None


def with_matches(series: Series, context_for: Callable[[Patch], Context], rule_ids: set[str],
                 notes: list[str]) -> Callable[[Patch], Context]:
    """`context_for`, with each tree-mode Context carrying the matches its patch introduces.

    spatch runs once, on the first call, for all patches of the series.
    """
    chosen = engines()
    wanted = {r for r in RULE_OF_KIND.values() if r in rule_ids}
    state: dict[int, Context] = {}
    done = [False]

    def ctx_for(patch: Patch) -> Context:
        if not done[0]:
            done[0] = True
            try:
                state.update(_annotate(series, context_for, chosen, wanted, notes))
            except Exception as exc:  # a bug here must not lose the Python engine's review
                notes.append(f"internal: coccinelle engine failed: {exc.__class__.__name__}: {exc}")
        return state.get(patch.index) or _with_engines(context_for(patch), chosen)

    return ctx_for


def _with_engines(ctx: Context, chosen: tuple[str, ...]) -> Context:
    if chosen == ENGINES:
        return ctx
    return replace(ctx, options=MappingProxyType({**ctx.options, "engines": chosen}))


_STARTS: list = []


def _starts():
    """A test for any API the semantic patch starts from (built once): does a word of the
    text (a maximal run of word characters, as ``\\bNAME\\b`` finds it) name one?  A set
    look-up per word, three times faster than one regular expression of all the names."""
    import re

    from reviewbot.cocci.generate import api_names

    if not _STARTS:
        names = frozenset(api_names())
        if all(re.fullmatch(r"\w+", n) for n in names):
            from reviewbot.analysis import words

            _STARTS.append(lambda text: not names.isdisjoint(words.of(text)))
        else:
            _STARTS.append(re.compile(r"\b(%s)\b" % "|".join(sorted(map(re.escape, names)))).search)
    return _STARTS[0]


def _post_first(run, images: dict, functions: dict, reported=None) -> tuple[list, str | None]:
    """spatch on the post-images, then on the pre-images of only the files with a post-image
    match: a pre-image match serves only to hide a post-image match of its file (see
    ``anchor.introduced``), so without one the pre-images need no run (most series).  The
    same matches and errors as one run over all images: a failed run of the pre-images after
    post-image matches is no error (one run would have printed the post-image matches), a
    timeout is.  `reported(match)`: would this post-image match be reported if no pre-image
    match hid it (``anchor.reportable``)?  Only files with such a match need their pre-image."""
    post = {key: text for key, text in images.items() if key[0] == "post"}
    raw, error = run.run(post, functions) if post else ([], None)
    if error or not raw:
        return raw, error
    hit = {m.path for m in raw if reported is None or reported(m)}
    pre = {key: text for key, text in images.items() if key[0] == "pre" and key[1] in hit}
    if not pre:
        return raw, None
    before, error = run.run(pre, functions)
    if error and not error.startswith("spatch failed"):
        return [], error
    return raw + before, None


def _annotate(series: Series, context_for, chosen, wanted, notes: list[str]) -> dict[int, Context]:
    from reviewbot.cocci import anchor, run

    contexts = {p.index: context_for(p) for p in series.patches if p.c_files}
    tree = {i: c for i, c in contexts.items() if c.mode == "tree"}
    if "cocci" not in chosen or not wanted or not tree:
        return {i: _with_engines(c, chosen) for i, c in contexts.items()}
    if run.spatch() is None:
        notes.append(UNAVAILABLE)
        return {i: _with_engines(c, chosen) for i, c in contexts.items()}
    patches = {p.index: p for p in series.patches}
    images: dict[tuple[str, str], str] = {}
    functions: dict[tuple[str, str], set[str] | None] = {}
    starts = _starts()
    for i, ctx in tree.items():
        def has_start(fd, ctx=ctx) -> bool:  # none of the table's getters, iterators or registrations: no match
            return any(text and starts(text) for text in (ctx.pre(fd.old_path or fd.path), ctx.post(fd.path)))

        for fd, names in anchor.touched(patches[i], ctx, keep=has_start).items():
            pair = (("pre", ctx.pre(fd.old_path or fd.path)), ("post", ctx.post(fd.path)))
            for side, text in pair:
                if text is not None and names:
                    images[(side, f"{i}/{fd.path}")] = text
                    functions[(side, f"{i}/{fd.path}")] = names

    def reported(m) -> bool:  # the post-image tests of anchor.introduced, which no pre-image match changes
        i, _, path = m.path.partition("/")
        return RULE_OF_KIND[m.kind] in wanted and anchor.reportable(patches[int(i)], tree[int(i)],
                                                                      replace(m, path=path))

    raw, error = _post_first(run, images, functions, reported)
    if error:
        notes.append(f"coccinelle: {error}; path checks by the Python engine only")
    out = {}
    for i, ctx in contexts.items():
        mine = [replace(m, path=m.path.split("/", 1)[1]) for m in raw if m.path.split("/", 1)[0] == str(i)]
        found = tuple(m for m in anchor.introduced(patches[i], ctx, mine) if m.rule in wanted) if i in tree else ()
        out[i] = _with_engines(replace(ctx, matches=found) if found else ctx, chosen)
    return out
