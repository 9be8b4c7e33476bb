"""The owner-member table of the module rules checked against the real 6.12 headers.

MOD006 tells authors to add `.<member> = THIS_MODULE`; a table entry naming a member that 6.12
does not declare would give advice that does not compile.  The headers come from Debian's
`linux-source-6.12` tarball (skipped when it is absent).
"""

from __future__ import annotations

import re
from pathlib import Path

from reviewbot.checks.module._owners import FORMER_OWNER_FIELDS, NO_OWNER_TYPES, OWNER_FIELDS
from tests.helpers import ROOT
from tests.tree.conftest import extract_subset

# include/ to three levels, plus the private core headers that declare table types.
HEADERS = ("include/*/*.h", "include/*/*/*.h", "include/*/*/*/*.h", "block/elevator.h",
           "drivers/md/*.h", "drivers/mmc/core/pwrseq.h", "drivers/hwtracing/stm/stm.h",
           "drivers/nvme/host/*.h", "drivers/nvme/target/nvmet.h")

_STRUCT = re.compile(r"^struct\s+(\w+)\s*\{(.*?)^\}[^;\n]*;", re.S | re.M)
_MODULE_MEMBER = re.compile(r"^\s*(?:const\s+)?struct\s+module\s*\*\s*(\w+)\s*;", re.M)


def _declared() -> dict[str, set[str]]:
    """struct type -> its `struct module *` members, over every extracted header."""
    root = extract_subset(HEADERS, ROOT / ".cache" / "linux-6.12-headers")
    out: dict[str, set[str]] = {}
    for path in root.rglob("*.h"):
        text = path.read_text(errors="replace")
        if "struct" not in text:
            continue
        for m in _STRUCT.finditer(text):
            out.setdefault(m.group(1), set()).update(_MODULE_MEMBER.findall(m.group(2)))
    return out


def test_owner_table_names_members_that_6_12_declares():
    declared = _declared()
    assert len(declared) > 1000, "the header subset looks incomplete"
    wrong = {t: f for t, f in OWNER_FIELDS.items() if f not in declared.get(t, set())}
    assert not wrong, f"owner table entries with no such struct module * member in 6.12: {wrong}"
    former = {t: f for t, f in FORMER_OWNER_FIELDS.items() if f in declared.get(t, set())}
    assert not former, f"still declared in 6.12, belongs in OWNER_FIELDS: {former}"
    has_owner = {t: declared[t] for t in NO_OWNER_TYPES if declared.get(t)}
    assert not has_owner, f"types listed as ownerless that declare a module member: {has_owner}"
