"""Speed-ups and import-time workarounds for b4 0.16, behind one call: install().

b4's library API is not declared stable, and everything here leans on b4 0.16's insides
(what it imports at its top level, the annotations Python evaluates while it loads,
LoreMessage.find_trailers / get_payload, the lazy patch-id cache).  So install() applies them
only when the installed b4 is 0.16.x (`b4.__VERSION__`); any other b4 is imported as it is,
with one log line, and works, only slower.  reviewbot.ingest.b4 calls install() once.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import sys
import threading
import types
from typing import ClassVar

from reviewbot import budget

SUPPORTED = "0.16."  # the b4 versions (prefix of b4.__VERSION__) these were written for
log = logging.getLogger(__name__)
_b4: types.ModuleType | None = None
_patched = False


def applies(version: str | None) -> bool:
    return bool(version) and version.startswith(SUPPORTED)


def _source_version() -> str | None:
    """b4.__VERSION__ read from its source, before `import b4` (the deferrals must come first)."""
    spec = importlib.util.find_spec("b4")
    if spec is None or not spec.origin:
        return None
    try:
        with open(spec.origin, encoding="utf-8") as f:
            m = re.search(r"""^__VERSION__\s*(?::[^=\n]*)?=\s*['"]([^'"]+)['"]""", f.read(), re.M)
    except OSError:
        return None
    return m.group(1) if m else None


# What b4 0.16 and liblore import at their top level and use only in functions a review never
# calls (mbox/maildir output, gzip'd HTTP caches, temporary files, shell quoting, random
# tokens): ~4 ms of a cold review, deferred the same way (reviewbot.ingest.b4compat._Deferred).
_UNUSED = ("mailbox", "tempfile", "gzip", "secrets", "shlex")


def install() -> types.ModuleType:
    """Import b4 (deferring its attestation, HTTP and SMTP stacks) and patch b4 0.16's
    LoreMessage; another b4 version is imported untouched.  Idempotent; returns the b4 module."""
    global _b4, _patched, _B4_FIND_TRAILERS, _B4_GET_PAYLOAD
    if _b4 is not None:
        return _b4
    version = _source_version()
    if applies(version) and "b4" not in sys.modules:
        for name in ("dkim", "patatt", "requests", "smtplib") + _UNUSED:
            _defer(name)
        _Annotation.thread = threading.get_ident()
        try:
            import b4
        finally:
            _Annotation.thread = None
    else:
        import b4
    if applies(getattr(b4, "__VERSION__", None)):
        _B4_FIND_TRAILERS, _B4_GET_PAYLOAD = b4.LoreMessage.find_trailers, b4.LoreMessage.get_payload
        b4.LoreMessage.find_trailers = staticmethod(_find_trailers)
        b4.LoreMessage.get_payload = staticmethod(_get_payload)
        _patched = True
    else:
        log.info("b4 %s is not b4 %sx: its speed-ups are not applied, b4 is used as it is",
                 getattr(b4, "__VERSION__", "(unknown version)"), SUPPORTED)
    _b4 = b4
    return b4


class _Deferred(types.ModuleType):
    """A module that runs its code at the first use of one of its names.

    b4 imports dkim (and through it dnspython and PyNaCl) and patatt at its top level, but
    uses them only to verify attestation, which we never ask for: deferred, they cost nothing
    (about 55 ms per process, a third of b4's import).  Not importlib.util.LazyLoader: on
    Python 3.11 the `import dkim` statement itself reads the module's __spec__, which makes a
    LazyLoader module load at once.  The dunder attributes the import system reads are set
    eagerly here; any other name loads the real module, under a lock (service threads).
    requests (with urllib3, charset_normalizer, idna: ~60 ms) and smtplib (with ssl: ~20 ms;
    b4 sends mail, we never ask it to) are deferred too, see _Annotation.  liblore.node is not: b4 evaluates `liblore.LoreNode` at import.
    """

    _lock = threading.RLock()
    _loading: ClassVar[set[str]] = set()

    def __getattr__(self, name: str):
        if _Annotation.thread == threading.get_ident() and type(self) is _Deferred and name in _Annotation.names:
            return _Annotation.stand_in(self.__name__, name)
        with _Deferred._lock:
            if type(self) is _Deferred:
                if self.__name__ in _Deferred._loading:  # its own code asks: really missing
                    raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
                _Deferred._loading.add(self.__name__)
                try:
                    self.__spec__.loader.exec_module(self)
                finally:
                    _Deferred._loading.discard(self.__name__)
                self.__class__ = types.ModuleType
        return getattr(self, name)


def _defer(name: str) -> None:
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return  # not installed: `import b4` reports it as before
    module = importlib.util.module_from_spec(spec)
    module.__class__ = _Deferred
    sys.modules[name] = module


class _Annotation:
    """b4 names `requests.Session` in three annotations that Python evaluates while b4 is
    imported (`REQSESSION: Optional[requests.Session]`, two return types), and
    `smtplib.SMTP` / `smtplib.SMTP_SSL` in two more; nothing else of them runs then.  While `import b4` runs, and only in the thread that runs it, those
    names of a deferred module answer with an inert class named like them, left in b4's
    __annotations__; any other name, or the same name anywhere else, loads the real module."""

    thread: int | None = None
    names = frozenset({"Session", "SMTP", "SMTP_SSL"})

    @staticmethod
    def stand_in(module: str, name: str) -> type:
        return type(name, (), {"__module__": module, "__doc__": "annotation only (reviewbot)"})


def normalise_line_ends(text: str) -> str:
    """CRLF and bare CR line ends become LF (regular expressions with re.M see only LF)."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _trailer_text(body: str) -> str:
    """The body as b4's trailer search may see it: one line end, and no line longer than
    MAX_TRAILER_LINE (its regular expressions are quadratic in the length of a line, and no
    trailer is that long: such a line is replaced by a short non-trailer line)."""
    body = normalise_line_ends(body)
    if len(body) <= budget.MAX_TRAILER_LINE or all(len(ln) <= budget.MAX_TRAILER_LINE
                                                   for ln in body.split("\n")):
        return body
    return "\n".join(ln if len(ln) <= budget.MAX_TRAILER_LINE else "(long line)" for ln in body.split("\n"))


_B4_FIND_TRAILERS = None  # b4's own LoreMessage.find_trailers, once install() patched it
_B4_GET_PAYLOAD = None  # b4's own LoreMessage.get_payload, likewise


def _find_trailers(body: str, followup: bool = False):
    """b4's LoreMessage.find_trailers, minus the work on patches (a quarter of the load time).

    LoreMessage.__init__ (b4 0.16) scans every line of the body, diff included, for trailers
    (`find_trailers(body, followup=True)`) and uses them only (a) to mark a message without
    a diff that carries trailers as a reply and (b) as follow-up trailers for the patch a
    reply answers.  With a diff in the body (b4.DIFF_RE, exactly b4's has_diff test), (a)
    does not apply, and (b) only feeds trailer bookkeeping (trailers, followup_trailers,
    trailer_map) that a Series never reads.  Everything else, including every message without
    a diff, goes to b4's own function.  b4 calls it as `LoreMessage.find_trailers`, so the
    replacement is a class attribute (see tests/ingest/test_b4_speed.py).
    """
    if followup and _b4.DIFF_RE.search(body):
        return [], []
    return _B4_FIND_TRAILERS(_trailer_text(body), followup=followup)


def _get_payload(msg, use_patch: bool = True):
    """b4's LoreMessage.get_payload with the decoded body's line ends normalised.

    The raw mail is normalised in split_mbox(), but a quoted-printable or base64 body decodes
    to whatever line ends its sender had: bare CRs there made the body one long line for b4's
    diff test and trailer search (quadratic in a line's length)."""
    body, charset = _B4_GET_PAYLOAD(msg, use_patch)
    return normalise_line_ends(body), charset


def skip_patch_ids(lmbx) -> None:
    """Spare get_series() one `git patch-id` subprocess per patch (half the ingest time).

    b4 computes patch-ids there only to carry follow-up trailers (Reviewed-by: ...) across
    revisions; a Series has no trailers, so an empty id ("no id": never matches, never stored
    in trailer_map) changes nothing we read.  `_git_patch_id` is b4 0.16's lazy cache of
    LoreMessage.git_patch_id: on another b4 this does nothing (the slow, correct path).
    """
    if not _patched:
        return
    for lmsg in lmbx.msgid_map.values():
        if hasattr(lmsg, "_git_patch_id") and lmsg._git_patch_id is None:
            lmsg._git_patch_id = ""
