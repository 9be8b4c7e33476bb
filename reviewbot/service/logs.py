"""Structured logs: one JSON object per line and event (``ts``, ``level``, ``logger``, ``msg``
and the event's ids: job, forge, repo, pr, head, list, series, state, seconds ...).

Fields come from ``log.info(..., extra={...})``; records without extras still become one line.
"""

from __future__ import annotations

import json
import logging
import sys
import time

_STD = frozenset(vars(logging.LogRecord("x", 0, "x", 0, "", (), None))) | {"message", "asctime", "taskName",
                                                                              "color_message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
               "level": record.levelname.lower(), "logger": record.name, "msg": record.getMessage()}
        for k, v in vars(record).items():
            if k not in _STD and not k.startswith("_"):
                out[k] = v if isinstance(v, (str, int, float, bool)) or v is None else str(v)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def setup(level: str = "info", fmt: str = "json", stream=None) -> None:
    """Configure the root logger once for a service process (``fmt``: json | text)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "huey", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
