"""What one HTTP client may hold of `reviewbot serve`: time to send its headers, time to send
its body, bytes of headers, idle keep-alive, and how many connections run at once.

    [server]
    header_timeout = 10      # s from connecting (or the previous response) to a complete request head
    body_timeout = 30        # s from the request head to the end of its body (chunked included)
    keep_alive = 5           # s an idle keep-alive connection stays open
    max_connections = 200    # at once; requests beyond get 503 (uvicorn limit_concurrency)
    max_header_bytes = 16384 # a request head larger than this is refused (h11)
    max_body = 5242880       # bytes of a webhook body (413 beyond), as before

uvicorn has the keep-alive timeout, the head size and the concurrency cap; it has no timeout
for a client that sends its head one byte at a time, nor for a body that never ends.  The
first is `GuardedH11Protocol` (a timer from the connection, or the end of the previous
response, to a complete head: the connection is closed), the second `BodyTimeout`, an ASGI
middleware (408 and the connection closed when the body is not complete in time).
docs/server-limits.md says how to run behind a reverse proxy.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Mapping

from uvicorn.protocols.http.h11_impl import H11Protocol

from reviewbot.errors import InputError


@dataclass(frozen=True)
class ServerLimits:
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    keep_alive: float = 5.0
    max_connections: int = 200
    max_header_bytes: int = 16384

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> "ServerLimits":
        sec = cfg.get("server") or {}
        vals: dict[str, Any] = {}
        for name, kind in (("header_timeout", float), ("body_timeout", float), ("keep_alive", float),
                           ("max_connections", int), ("max_header_bytes", int)):
            if name not in sec:
                continue
            v = sec[name]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0 or (kind is int and v != int(v)):
                raise InputError("[server]", f"{name} must be a positive {'whole ' if kind is int else ''}number")
            vals[name] = kind(v)
        return cls(**vals)

    def uvicorn_options(self) -> dict[str, Any]:
        """Keyword arguments for uvicorn.run()/uvicorn.Config() that apply these limits."""
        return {"http": guarded_protocol(self.header_timeout), "timeout_keep_alive": self.keep_alive,
                "limit_concurrency": self.max_connections, "h11_max_incomplete_event_size": self.max_header_bytes}


def guarded_protocol(header_timeout: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol, closing a connection whose request head is not complete within
    `header_timeout` seconds of the connection (or of the previous response)."""

    class GuardedH11Protocol(H11Protocol):
        _head_timer: asyncio.TimerHandle | None = None

        def _arm(self) -> None:
            self._disarm()
            self._head_timer = self.loop.call_later(header_timeout, self._head_timeout)

        def _disarm(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_timeout(self) -> None:
            self._head_timer = None
            if self.cycle is not None and not self.cycle.response_complete:
                return  # a request is running: its head arrived; the body has BodyTimeout
            if not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()  # the next request's head, on this keep-alive connection

    return GuardedH11Protocol


class BodyTimeout:
    """ASGI middleware: the request body must be complete within `seconds` of the request head.

    Past that the app is told the client went away (http.disconnect), and, unless the app
    already started its response, the client gets 408 and the connection is closed."""

    def __init__(self, app, seconds: float):
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        deadline = time.monotonic() + self.seconds
        state = {"done": False, "expired": False, "started": False}

        async def guarded_receive():
            if state["expired"]:
                return {"type": "http.disconnect"}
            if state["done"]:
                return await receive()
            try:
                msg = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                state["expired"] = True
                if not state["started"]:
                    state["started"] = True
                    body = b'{"detail":"request body not received in time"}'
                    await send({"type": "http.response.start", "status": 408,
                                "headers": [(b"content-type", b"application/json"), (b"connection", b"close"),
                                            (b"content-length", str(len(body)).encode())]})
                    await send({"type": "http.response.body", "body": body})
                return {"type": "http.disconnect"}
            if msg["type"] != "http.request" or not msg.get("more_body", False):
                state["done"] = True
            return msg

        async def guarded_send(msg):
            if state["expired"]:
                return  # answered (408) or abandoned: nothing more goes to this client
            if msg["type"] == "http.response.start":
                state["started"] = True
            await send(msg)

        try:
            await self.app(scope, guarded_receive, guarded_send)
        except Exception:
            if not state["expired"]:
                raise  # the app's own error; after a timeout, its ClientDisconnect is expected
