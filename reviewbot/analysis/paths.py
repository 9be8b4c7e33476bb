"""Every path through one function, walked over its syntax tree with a set of abstract states.

`walk(func, sem)` runs a `Semantics` (what a statement does to the state, which branch a
condition allows, what an exit means) over each path of `func`'s body: `if`/`else`, `switch`
with fall-through, `break`/`continue`, loops (run zero times or once: a reference the body
takes and keeps shows on its first turn), `goto` into an unwind ladder (the states wait at the
label and join the code falling into it), `return` and falling off the end.  States are
hashable values the semantics defines; equal states on two paths are walked once, so the
cost is bounded by the number of distinct states, not of paths.

What a state means (references held, objects dropped) is the caller's business: the API table
lives with the checks (checks/module/_refcount.py).  Nothing here raises on odd syntax: an
unknown node is handed to the semantics as a plain statement.  A walk that exceeds its budget
returns False, and its caller must not judge the function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Hashable, Protocol

MAX_STATES = 96  # distinct states at one program point; more are dropped (the walk is marked lossy)
BUDGET = 60_000  # statement visits per walk


class Semantics(Protocol):
    def stmt(self, state: Hashable, node) -> Hashable:
        """The state after an expression statement or declaration (or a condition's effects)."""

    def branch(self, state: Hashable, cond, truth: bool) -> Hashable | None:
        """The state on the side of `cond` where it is `truth`; None when that side cannot run."""

    def jump(self, state: Hashable, node) -> Hashable:
        """The state leaving through a `goto` or `return` (e.g. remember where the path left)."""

    def exit(self, state: Hashable, node) -> None:
        """A path ends: `node` is the return_statement, or None when the body falls off its end."""

    def loop(self, state: Hashable, loop_node, phase: str) -> Hashable:
        """Loop bookkeeping: phase "enter" (the body starts a turn), "next" (a turn ended
        normally or by `continue`), "done" (the loop test failed)."""


@dataclass
class _Out:
    normal: list = field(default_factory=list)
    breaks: list = field(default_factory=list)
    conts: list = field(default_factory=list)


def _uniq(states) -> list:
    return list(dict.fromkeys(s for s in states if s is not None))


class Walker:
    def __init__(self, sem: Semantics, max_states: int = MAX_STATES, budget: int = BUDGET):
        self.sem = sem
        self.max_states = max_states
        self.budget = budget
        self.lossy = False
        self.pending: dict[str, list] = {}
        self.label_at: dict[str, int] = {}

    def _cap(self, states: list) -> list:
        states = _uniq(states)
        if len(states) > self.max_states:
            self.lossy = True
            return states[:self.max_states]
        return states

    def run(self, body, initial) -> bool:
        self.label_at = {}
        stack = [body]
        while stack:
            n = stack.pop()
            if n.type == "labeled_statement":
                lab = n.child_by_field_name("label")
                if lab is not None:
                    self.label_at[lab.text.decode("utf-8", "replace")] = n.start_byte
            stack.extend(n.named_children)
        try:
            out = self.exec(body, [initial])
        except _OverBudget:
            return False
        for s in out.normal:
            self.sem.exit(s, None)
        return True

    def _tick(self):
        self.budget -= 1
        if self.budget < 0:
            raise _OverBudget()

    def exec(self, node, states: list) -> _Out:
        self._tick()
        out = _Out()
        if not states and node.type != "labeled_statement" and not self._has_label(node):
            return out
        t = node.type
        if t == "compound_statement" or t.startswith("preproc_") or t == "translation_unit":
            cur = states
            for c in node.named_children:
                if c.type in ("comment", "preproc_directive", "preproc_def", "preproc_function_def",
                              "preproc_include", "preproc_call"):
                    continue
                if t.startswith("preproc_") and c == node.child_by_field_name("condition"):
                    continue
                if c.type in ("preproc_else", "preproc_elif"):
                    # one #if arm is compiled: the states before the #if run the other arm too
                    o = self.exec(c, states)
                    out.breaks += o.breaks
                    out.conts += o.conts
                    cur = self._cap(cur + o.normal)
                    continue
                o = self.exec(c, cur)
                out.breaks += o.breaks
                out.conts += o.conts
                cur = o.normal
            out.normal = cur
            return out
        if t == "labeled_statement":
            lab = node.child_by_field_name("label")
            name = lab.text.decode("utf-8", "replace") if lab is not None else ""
            states = self._cap(states + self.pending.pop(name, []))
            inner = [c for c in node.named_children if c.type != "statement_identifier"]
            if inner:
                return self.exec(inner[0], states)
            out.normal = states
            return out
        if t == "if_statement":
            cond = node.child_by_field_name("condition")
            states = [self.sem.stmt(s, cond) for s in states] if cond is not None else states
            yes = self._cap([self.sem.branch(s, cond, True) for s in states])
            no = self._cap([self.sem.branch(s, cond, False) for s in states])
            o1 = self.exec(node.child_by_field_name("consequence"), yes)
            alt = node.child_by_field_name("alternative")
            if alt is not None:
                if alt.type == "else_clause":
                    kids = [c for c in alt.named_children if c.type != "comment"]
                    alt = kids[0] if kids else None
            o2 = self.exec(alt, no) if alt is not None else _Out(normal=no)
            out.normal = self._cap(o1.normal + o2.normal)
            out.breaks = o1.breaks + o2.breaks
            out.conts = o1.conts + o2.conts
            return out
        if t == "switch_statement":
            cond = node.child_by_field_name("condition")
            states = self._cap([self.sem.stmt(s, cond) for s in states]) if cond is not None else states
            body = node.child_by_field_name("body")
            cur: list = []
            has_default = False
            for c in (body.named_children if body is not None else []):
                if c.type == "case_statement":
                    if c.child_by_field_name("value") is None:
                        has_default = True
                    cur = self._cap(cur + states)
                    for k in c.named_children:
                        if k == c.child_by_field_name("value") or k.type == "comment":
                            continue
                        o = self.exec(k, cur)
                        out.breaks += o.breaks  # a break leaves the switch
                        out.conts += o.conts
                        cur = o.normal
                elif c.type != "comment":
                    o = self.exec(c, cur)
                    out.conts += o.conts
                    out.breaks += o.breaks
                    cur = o.normal
            out.normal = self._cap(cur + out.breaks + ([] if has_default else states))
            out.breaks = []
            return out
        if t in ("while_statement", "for_statement", "do_statement"):
            return self._loop(node, states)
        if t == "return_statement":
            for s in states:
                s = self.sem.stmt(s, node)
                self.sem.exit(self.sem.jump(s, node), node)
            return out
        if t == "goto_statement":
            lab = node.child_by_field_name("label")
            name = lab.text.decode("utf-8", "replace") if lab is not None else ""
            at = self.label_at.get(name)
            if at is not None and at > node.start_byte:
                self.pending.setdefault(name, []).extend(self.sem.jump(s, node) for s in states)
            # a backward goto (retry) or an unknown label: the path was already walked / ends here
            return out
        if t == "break_statement":
            out.breaks = list(states)
            return out
        if t == "continue_statement":
            out.conts = list(states)
            return out
        if t in ("attributed_statement",):
            kids = [c for c in node.named_children if c.type != "attribute_declaration"]
            return self.exec(kids[-1], states) if kids else _Out(normal=states)
        out.normal = self._cap([self.sem.stmt(s, node) for s in states])
        return out

    def _has_label(self, node) -> bool:
        """Can a goto enter `node` (it holds a label some path waits for)?"""
        if not self.pending:
            return False
        stack = [node]
        while stack:
            n = stack.pop()
            if n.type == "labeled_statement":
                lab = n.child_by_field_name("label")
                if lab is not None and lab.text.decode("utf-8", "replace") in self.pending:
                    return True
            stack.extend(c for c in n.named_children if c.type.endswith("statement") or c.type.startswith("preproc")
                         or c.type in ("else_clause", "case_statement"))
        return False

    def _loop(self, node, states: list) -> _Out:
        out = _Out()
        t = node.type
        body = node.child_by_field_name("body")
        cond = node.child_by_field_name("condition")
        if t == "for_statement":
            init = node.child_by_field_name("initializer")
            if init is not None:
                states = self._cap([self.sem.stmt(s, init) for s in states])
        if t == "do_statement":
            entry = states
            skip: list = []
        else:
            if cond is not None:
                states = self._cap([self.sem.stmt(s, cond) for s in states])
            entry = self._cap([self.sem.branch(s, cond, True) for s in states]) if cond is not None else states
            skip = self._cap([self.sem.branch(s, cond, False) for s in states]) if cond is not None else []
        entry = [self.sem.loop(s, node, "enter") for s in entry]
        o = self.exec(body, entry) if body is not None else _Out(normal=entry)
        turned = [self.sem.loop(s, node, "next") for s in o.normal + o.conts]
        if t == "for_statement":
            upd = node.child_by_field_name("update")
            if upd is not None:
                turned = [self.sem.stmt(s, upd) for s in turned]
        if cond is not None:
            turned = self._cap([self.sem.stmt(s, cond) for s in turned])
            ended = [self.sem.branch(s, cond, False) for s in turned]
        else:
            ended = []  # `for (;;)`: only a break leaves it
        done = [self.sem.loop(s, node, "done") for s in _uniq(skip + ended)]
        out.normal = self._cap(done + o.breaks)
        return out


class _OverBudget(Exception):
    pass


def walk(body, sem: Semantics, initial, max_states: int = MAX_STATES, budget: int = BUDGET) -> tuple[bool, bool]:
    """Walk every path of a function body from `initial`.  Returns (finished, lossy): not
    finished when the budget ran out; lossy when some states were dropped at a join."""
    w = Walker(sem, max_states, budget)
    ok = w.run(body, initial)
    return ok, w.lossy
