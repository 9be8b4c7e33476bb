"""diffparse.find_diff(): the diff part of a body, a signature after it cut off, as the
regular expression it replaces (a search for the signature's first line) did."""

import random
import re

from reviewbot.diffparse import find_diff


def _reference(body: str) -> str:
    m = re.search(r"^(diff --git |--- \S|Index: )", body, re.M)
    return "" if not m else re.sub(r"\n-- \n(?:.*\n?)*\Z", "\n", body[m.start():])


def test_find_diff_is_the_regex_form():
    rng = random.Random(1)
    parts = ["diff --git a/x b/x\n", "-- \n", "\n", "+a\n", " b\n", "-- x\n", "--\n", "2.43.0\n",
             "--- a/x\n", "\r\n", "Index: y\n", "-- "]
    for _ in range(20000):
        body = "".join(rng.choice(parts) for _ in range(rng.randrange(0, 12)))
        assert find_diff(body) == _reference(body), repr(body)


def test_signature_is_cut():
    body = "msg\n---\ndiff --git a/x b/x\n+a\n-- \n2.43.0\n"
    assert find_diff(body) == "diff --git a/x b/x\n+a\n"
