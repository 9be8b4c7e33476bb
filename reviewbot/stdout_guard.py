"""Standard output of the batch commands (`review`, `eval`, `b4-check`), guarded.

A reader that goes away (`reviewbot review x.mbox | head -1`) must cost neither the exit status
nor a traceback: the rest of the output is dropped and the review runs to its status.  Output
that cannot be written at all (a full disk, `>/dev/full`, a closed stdout) is a one-line error
and exit status 2, never output lost in silence.  A stderr that cannot be written costs its
messages, not the exit status.
"""

from __future__ import annotations

import os
import sys

from reviewbot.errors import InputError


class OutputError(InputError):
    """The output could not be written: 'reviewbot: <stdout>: <reason>', exit status 2."""

    def __init__(self, source: str = "<stdout>", reason: str = "cannot be written"):
        super().__init__(source, reason)


class GuardedStream:
    """sys.stdout (or sys.stderr) while a batch command runs: writes and flushes that hit a
    closed pipe are dropped; any other write error is raised as OutputError (stdout) or dropped
    too (stderr).  Either way the stream's descriptor then points at /dev/null, so that the
    interpreter's last flush has nothing left to fail on."""

    def __init__(self, stream, report: bool = True):
        self._stream = stream
        self._report = report  # False for stderr: an error there has nowhere to be told
        self.reader_gone = False

    def write(self, text: str) -> int:
        if self.reader_gone:
            return len(text)
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._drop()
            return len(text)
        except OSError as exc:
            self._drop()  # reported once, here; the interpreter's last flush must not fail again
            if self._report:
                raise _output_error(exc) from None
            return len(text)

    def flush(self) -> None:
        if self.reader_gone:
            return
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._drop()
        except OSError as exc:
            self._drop()
            if self._report:
                raise _output_error(exc) from None

    def _drop(self) -> None:
        self.reader_gone = True
        try:
            fd = self._stream.fileno()
        except (AttributeError, OSError, ValueError):  # not a file (a test's capture)
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, fd)
        finally:
            os.close(devnull)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _output_error(exc: OSError) -> OutputError:
    return OutputError(reason=f"cannot write the output: {exc.strerror or exc}")


def run_guarded(fn, args) -> int:
    """fn(args) with sys.stdout guarded, its buffered output flushed before the status is
    returned (a failed flush is an OutputError, not a silent loss at exit).  sys.stderr is
    guarded too: a closed or full stderr costs the messages, not the exit status."""
    if sys.stdout is None:
        raise OutputError(reason="closed: nowhere to write the output")
    real_out, real_err = sys.stdout, sys.stderr
    out = GuardedStream(real_out)
    sys.stdout = out
    if real_err is not None:
        sys.stderr = GuardedStream(real_err, report=False)
    try:
        rc = int(fn(args) or 0)
        out.flush()
        return rc
    except InputError as exc:  # told here, through the guarded stderr (main() would too)
        print(f"reviewbot: {exc}", file=sys.stderr)
        return 2
    finally:
        if sys.stderr is not real_err and real_err is not None:
            sys.stderr.flush()
        sys.stdout, sys.stderr = real_out, real_err
