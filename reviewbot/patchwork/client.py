"""Patchwork's REST API 1.3: patches by Message-Id, a patch's checks, posting a check.

Requests go through the forges' client (reviewbot.forge.http.Api): ``Retry-After`` on 429 is
honoured, 5xx and transport errors are retried with backoff, giving up raises ForgeError.
Posting a check is not idempotent, so it is never retried blindly: the patch's checks are read
first, and again after a 5xx or a lost connection (the POST may have been done), and a check
is sent only when the patch does not have it yet.  Token authentication: ``Authorization:
Token <token>``.  Paths end in ``/`` as patchwork's routes do.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import httpx

from reviewbot.forge.http import Api, ForgeError
from reviewbot.patchwork.checks import Check

API = "/api/1.3"
POST_ATTEMPTS = 5


class NoToken(ForgeError):
    """Posting needs a token and none is configured."""


class Patchwork:
    def __init__(self, url: str, token: str = "", *, project: str | None = None,
                 transport: httpx.BaseTransport | None = None, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time, max_retries: int = 4, max_wait: float = 900.0,
                 timeout: float = 30.0):
        self.url = url.rstrip("/")
        self.token = token
        self.project = project
        self.sleep = sleep
        self.api = Api(self.url + API, self._auth, forge="patchwork", transport=transport, min_interval=0.0,
                       sleep=sleep, clock=clock, max_retries=max_retries, max_wait=max_wait, timeout=timeout)

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.token}"} if self.token else {}

    def close(self) -> None:
        self.api.close()

    def patches(self, msgid: str) -> list[dict[str, Any]]:
        """The patches patchwork made of the mail ``msgid`` (in ``project`` if set); [] until
        it has ingested it (it lags the list)."""
        params = {"msgid": msgid.strip().strip("<>")}
        if self.project:
            params["project"] = self.project
        return list(self.api.paginate("/patches/", params))

    def checks(self, patch_id: int, context: str | None = None) -> list[dict[str, Any]]:
        return list(self.api.paginate(f"/patches/{patch_id}/checks/", {"context": context} if context else None))

    def existing(self, patch_id: int, check: Check) -> dict[str, Any] | None:
        for c in self.checks(patch_id, check.context):
            if check.matches(c):
                return c
        return None

    def ensure(self, patch_id: int, check: Check, after_post: Callable[[], None] = lambda: None
               ) -> tuple[bool, dict[str, Any]]:
        """The patch has ``check`` afterwards: (posted now, the check as patchwork has it).
        Raises ForgeError when patchwork refuses (4xx) or keeps failing."""
        if not self.token:
            raise NoToken("POST", f"{self.url}{API}/patches/{patch_id}/checks/", 0,
                          "no patchwork token: set it in the environment")
        for attempt in range(POST_ATTEMPTS):
            found = self.existing(patch_id, check)
            if found is not None:
                return False, found
            try:
                resp = self.api.request("POST", f"/patches/{patch_id}/checks/", json=check.body(),
                                        retry_errors=False)
            except ForgeError as exc:
                if exc.status and exc.status < 500 or attempt == POST_ATTEMPTS - 1:
                    raise
                self.sleep(min(60.0, 2.0 ** attempt))  # 5xx / no answer: look again before resending
                continue
            after_post()
            return True, resp.json()
        raise AssertionError("unreachable")
