"""The module-ownership rules never raise on mangled real patches (deterministic mutations)."""

import random

from reviewbot.checks.module import (code_after_module_put, fops_misuse, init_exit_self_ref, missing_owner,
                                     module_ref_for_unbind, ownerless_register_api, register_time_pin,
                                     removed_needed_ref, removed_owner, symbol_get_imbalance,
                                     unchecked_module_get, unconditional_module_get, unmatched_module_put)
from reviewbot.context import Context
from reviewbot.diffparse import parse_diff_lenient
from reviewbot.errors import InputError
from reviewbot.model import Patch
from tests.helpers import DATA, load_case

RULES = (code_after_module_put, fops_misuse, init_exit_self_ref, missing_owner, module_ref_for_unbind,
         ownerless_register_api, register_time_pin, removed_needed_ref, removed_owner, symbol_get_imbalance,
         unchecked_module_get, unconditional_module_get, unmatched_module_put)
INSERTS = ("{", "}", "(", ")", "/*", "*/", '"', "try_module_get(", ".owner = THIS_MODULE,", "struct foo bar = {",
           "module_put(THIS_MODULE);", "#define x(a) __x(a, THIS_MODULE)", "\\", "dvb_attach(", "cdev_init(&")


def _mutate(rnd: random.Random, diff: str) -> str:
    d = diff.splitlines()
    body = [i for i, ln in enumerate(d) if ln[:1] in "+- " and not ln.startswith(("+++", "---"))]
    for _ in range(rnd.randint(1, 4)):
        i = rnd.choice(body)
        txt = d[i] or " "
        op = rnd.random()
        if op < 0.3:
            d[i] = txt[0] + txt[1:rnd.randint(1, len(txt))]
        elif op < 0.7:
            d[i] = txt[0] + rnd.choice(INSERTS) + txt[1:]
        else:
            d[i] = txt[0] + txt[1:][::-1]
    return "\n".join(d) + "\n"


def test_rules_never_raise_on_mutated_patches():
    diffs = [p.diff for path in sorted((DATA / "checks").glob("*/*.patch"))
             for p in load_case(path).patches if p.diff.strip()]
    assert len(diffs) >= 10
    rnd = random.Random(20261123)
    for _ in range(400):
        text = _mutate(rnd, rnd.choice(diffs))
        try:
            files, _ = parse_diff_lenient(text)
        except (InputError, ValueError):  # DiffError is a ValueError
            continue
        patch = Patch(index=1, subject="fuzz", msgid=None, author="f", message="", notes="", diff=text,
                      files=tuple(files))
        for rule in RULES:
            list(rule.check(patch, Context()))
