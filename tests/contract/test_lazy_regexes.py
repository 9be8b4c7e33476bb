"""reviewbot.lazyre patterns are compiled on first use; they are not `re.Pattern` objects.

Where a module compares a match's pattern by identity (`m.re is _X`) a lazy pattern silently
changes the answer (the match holds the compiled pattern, not the lazy one), and re's
functions (`re.search(_X, ...)`) refuse it.  So a module that uses lazyre.compile must do
neither with its module-level patterns; this test reads every module under checks/ and
reviewbot/ for the two shapes.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_modules_with_lazy_patterns_neither_compare_them_by_identity_nor_pass_them_to_re():
    lazy_modules = 0
    for path in sorted(list((ROOT / "checks").rglob("*.py")) + list((ROOT / "reviewbot").rglob("*.py"))):
        text = path.read_text()
        names = re.findall(r"(?m)^(\w+)\s*(?::[^=\n]*)?=\s*lazyre\.compile\(", text)
        if not names:
            continue
        lazy_modules += 1
        assert not re.search(r"\.re\s+(is|==|!=)\s", text), f"{path}: compares a match's pattern (m.re is ...)"
        for name in names:
            call = re.search(r"\bre\.\w+\(\s*%s\b" % re.escape(name), text)
            assert call is None, f"{path}: {call.group(0)}: pass {name}.pattern, or call {name}'s own method"
    assert lazy_modules > 10
