"""All check modules, listed explicitly (greppable; no registration at import).

tests/contract asserts that every module under checks/ is listed here exactly once.
"""

from reviewbot.checks.module import removed_needed_ref, removed_owner, self_pin

ALL = (
    self_pin,
    removed_needed_ref,
    removed_owner,
)
