"""A devm set-up made plain whose release the patch adds to the teardown only (facts for MOD015).

devres undoes a managed set-up on both ends of a binding: when the driver unbinds and when
probe fails after it.  A patch that turns `devm_X()` into `X()` owes the release on both: in
`.remove()` (or whatever tears the binding down) and on every error exit of probe after the
set-up.  Adding it to `.remove()` only leaves each later failure of probe holding it (a clock,
a regulator, an IRQ, the memory), since `.remove()` never runs for a probe that failed.

`teardown_only()` answers, for one conversion (`_devm_dropped.Dropped`): the functions the
release was added to, and the first error exit of the set-up's function after the set-up that
reaches none of them (in a loop, the set-up's own failure exit: a later round's failure returns with
the earlier rounds set up); None when the release is added to the set-up's own function too, to a
helper that function calls, or no such exit is known (hunk mode: what the hunks show).
"""

from __future__ import annotations

import re

from reviewbot.checks.module import _devm_dropped
from reviewbot.checks.module._refs import enclosing_function

_EXIT = re.compile(r"^\s*(?:\}\s*)?(?:return\s+(?:-E[A-Z0-9]+|PTR_ERR\s*\(|dev_err_probe\s*\(|ERR_PTR\s*\(|"
                   r"(?:ret|err|rc|error|status|result)\s*;)|goto\s+\w+\s*;)")


def _fn_of(post: str | None, h, ln) -> str:
    """The function around a new-side line: from the post-image's column-0 braces in tree mode
    (a hunk header may name none), else as the hunk shows it."""
    if post is None or not ln.new_no:
        return enclosing_function(h, ln, "new")
    lines = post.splitlines()
    for k in range(min(ln.new_no - 1, len(lines) - 1), -1, -1):
        if lines[k].startswith("}"):
            return ""
        if lines[k].startswith("{"):
            j = k
            while j > 0 and lines[j - 1].strip() and not lines[j - 1].startswith(("}", "#", "/", " *")):
                j -= 1
            m = re.findall(r"\b(\w+)\s*\(", " ".join(lines[j:k]))
            return m[0] if m else ""
    return ""


def _added_by_function(fd, post: str | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for h in fd.hunks:
        for ln in h.new_side():
            if ln.added:
                out.setdefault(_fn_of(post, h, ln), []).append(ln.text)
    return out


def _setup_line(fd, d):
    """(hunk, the added line that calls the plain twin) of the conversion `d`."""
    for h in fd.hunks:
        if d.line not in h.lines:
            continue
        for ln in h.new_side():
            if ln.added and re.search(r"(?<![\w>.])%s\s*\(" % re.escape(d.plain), ln.text):
                return h, ln
    return None, None


def _after(fd, h, ln, fn: str, post: str | None) -> tuple[list[tuple[int, str]], str]:
    """The lines (new number, text) of `fn` after the set-up line `ln`, and the whole function's
    text as far as known (tree mode: the post-image's function; hunk mode: the hunks' new side
    in that function)."""
    if post is not None:
        lines = post.splitlines()
        i = ln.new_no - 1
        start = next((k for k in range(min(i, len(lines) - 1), -1, -1) if lines[k].startswith("{")), 0)
        end = next((k for k in range(i, len(lines)) if lines[k].startswith("}")), len(lines) - 1)
        return [(k + 1, lines[k]) for k in range(i + 1, end)], "\n".join(lines[start:end + 1])
    shown = [(x.new_no, x.text) for hh in fd.hunks for x in hh.new_side()
             if enclosing_function(hh, x, "new") == fn and x.new_no]
    return [(no, t) for no, t in shown if no > ln.new_no], "\n".join(t for _, t in shown)


def _before(fd, h, ln, fn: str, post: str | None) -> list[tuple[int, str]]:
    """The lines (new number, text) of `fn` above the set-up line `ln`, as far as known."""
    if post is not None:
        lines = post.splitlines()
        i = ln.new_no - 1
        start = next((k for k in range(min(i, len(lines) - 1), -1, -1) if lines[k].startswith("{")), 0)
        return [(k + 1, lines[k]) for k in range(start, i)]
    return [(x.new_no, x.text) for hh in fd.hunks for x in hh.new_side()
            if enclosing_function(hh, x, "new") == fn and x.new_no and x.new_no < ln.new_no]


def _skip_own_check(setup: str, after: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Drop the rest of the set-up statement (`setup` is its first line) and its own failure
    check (`if (IS_ERR(x)) return PTR_ERR(x);`, `if (ret) return ret;`, `if (!x) { ...; return
    -ENOMEM; }`, an `else` after it) right after it."""
    k = 0
    if not setup.rstrip().endswith(";"):
        while k < len(after) and not after[k][1].rstrip().endswith(";"):
            k += 1
        k += 1  # the line that ends the set-up statement
    while k < len(after) and not after[k][1].strip():
        k += 1
    while k < len(after) and not after[k][1].strip():
        k += 1
    if k >= len(after) or not re.match(r"^\s*if\s*\(", after[k][1]):
        return after[k:]
    indent = len(after[k][1]) - len(after[k][1].lstrip())
    j = k + 1
    while j < len(after):
        t = after[j][1]
        if t.strip() and len(t) - len(t.lstrip()) <= indent and not t.strip().startswith(("}", "||", "&&")):
            break
        j += 1
    return after[j:]


def _on_probe_path(fn: str, post: str | None) -> bool:
    """Is `fn` a probe, or (tree mode) a function a probe of the file calls?"""
    if "probe" in fn:
        return True
    if post is None:
        return False
    for m in re.finditer(r"^\w[^;\n]*\b(\w*probe\w*)\s*\([^;]*?\)\s*\{(.*?)^\}", post, re.M | re.S):
        if re.search(r"\b%s\s*\(" % re.escape(fn), m.group(2)):
            return True
    return False


def _in_loop(before: list[tuple[int, str]], setup: str) -> bool:
    """Is the set-up line inside a `for`/`while` body of its function?  `before`: the function's
    lines above it (as far as known), nearest last."""
    indent = len(setup) - len(setup.lstrip("\t"))
    for _no, text in reversed(before):
        if not text.strip() or text.lstrip().startswith(("/*", "*", "//", "#")):
            continue
        ind = len(text) - len(text.lstrip("\t"))
        if ind >= indent:
            continue
        if re.match(r"^\s*(?:for|while)\s*\(|^\s*\w*for_each\w*\s*\(", text):
            return True
        if ind == 0:
            return False
        indent = ind
    return False


def _own_exit(setup: str, after: list[tuple[int, str]], d) -> int | None:
    """The new line of the error exit of the set-up's own failure check, if it has one and
    that check releases nothing (`while (--i >= 0) led_classdev_unregister(...)`)."""
    rest = _skip_own_check(setup, after)
    own = after[:len(after) - len(rest)]
    if _devm_dropped.released("\n".join(t for _, t in own), d.plain, d.var, d.names, strict=True):
        return None
    return next((no for no, t in own if _EXIT.match(t) and not re.search(r"\bgoto\b", t)), None)


def teardown_only(fd, d, post: str | None) -> tuple[str, int, bool] | None:
    """(a function the release was added to, the new line of a leaking exit, whether that exit is
    the set-up's own failure check in a loop) or None."""
    by_fn = _added_by_function(fd, post)
    h, ln = _setup_line(fd, d)
    if ln is None or not ln.new_no:
        return None
    fn = _fn_of(post, h, ln)
    names = d.names
    rel_fns = [f for f, texts in by_fn.items() if _devm_dropped.released("\n".join(texts), d.plain, d.var, names)]
    if not rel_fns or fn in rel_fns or not fn:
        return None
    if not _on_probe_path(fn, post):
        return None  # devres undoes a set-up of open()/start() only at unbind: no exit of it changes
    after, body = _after(fd, h, ln, fn, post)
    if any(re.search(r"\b%s\s*\(" % re.escape(f), body) for f in rel_fns if f):
        return None  # a helper the set-up's function calls releases it
    if _devm_dropped.released(body, d.plain, d.var, names, strict=True):
        return None  # the function releases it itself
    rest = _skip_own_check(ln.text, after)
    last = max((no for no, t in rest if t.strip()), default=None)
    for no, text in rest:
        if _EXIT.match(text) and not (no == last and re.match(r"^\treturn\s+\w+\s*;", text)):
            if re.match(r"^\s*(?:\}\s*)?goto\s+(\w+)", text):
                label = re.match(r"^\s*(?:\}\s*)?goto\s+(\w+)", text).group(1)
                m = re.search(r"^%s:(.*)" % re.escape(label), body, re.M | re.S)
                if m is None or _devm_dropped.released(m.group(1), d.plain, d.var, names, strict=True):
                    continue  # its unwind releases it, or is out of sight (hunk mode)
            return rel_fns[0], no, False
    if _in_loop(_before(fd, h, ln, fn, post), ln.text):
        no = _own_exit(ln.text, after, d)
        if no is not None:
            return rel_fns[0], no, True  # a later round's failure returns with the earlier rounds' set up
    return None
