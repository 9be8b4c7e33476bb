"""One HTTP client for both forges: rate limits, mutation spacing, 5xx backoff, pagination.

- ``retry-after`` (seconds) and ``x-ratelimit-reset`` / GitLab's ``ratelimit-reset`` (epoch
  seconds, with ``...-remaining: 0``) on 403/429 are honoured up to ``max_wait`` seconds;
- mutations (POST/PUT/PATCH/DELETE) are kept ``min_interval`` seconds apart (GitHub asks for
  >= 1 s; tests inject 0 and a fake clock);
- 5xx and transport errors are retried with exponential backoff;
- giving up raises ForgeError, logs it and counts ``api_errors``.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Iterator

import httpx

from reviewbot.forge.metrics import Counters

log = logging.getLogger(__name__)

MUTATIONS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ForgeError(Exception):
    """An API call failed for good.  ``status`` is the HTTP status (0: no response)."""

    def __init__(self, method: str, url: str, status: int, message: str, body: Any = None):
        super().__init__(f"{method} {url}: {status} {message}".strip() if status else f"{method} {url}: {message}")
        self.status = status
        self.body = body


class Api:
    def __init__(self, base_url: str, auth: Callable[[], dict[str, str]], *, forge: str,
                 transport: httpx.BaseTransport | None = None, min_interval: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time,
                 max_retries: int = 4, max_wait: float = 900.0, counters: Counters | None = None,
                 timeout: float = 30.0, user_agent: str = "reviewbot"):
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.forge = forge
        self.min_interval = min_interval
        self.sleep = sleep
        self.clock = clock
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.counters = counters or Counters()
        self._client = httpx.Client(transport=transport, timeout=timeout,
                                    headers={"User-Agent": user_agent}, follow_redirects=False)
        self._mutation_lock = threading.Lock()
        self._last_mutation = float("-inf")

    def close(self) -> None:
        self._client.close()

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"

    def request(self, method: str, path: str, *, params: dict | None = None, json: Any = None,
                headers: dict[str, str] | None = None, ok: tuple[int, ...] = (),
                mutation: bool | None = None, retry_errors: bool = True) -> httpx.Response:
        """Send one request with retries.  2xx (or a status in ``ok``) is returned; else ForgeError.

        ``mutation`` overrides the method's verdict (a GraphQL query is a POST but no mutation).
        ``retry_errors=False``: a 5xx or a transport error raises at once (a POST that is not
        idempotent: the caller looks whether it took effect before sending it again); rate
        limits are still waited out (the request was refused, not done).
        """
        method = method.upper()
        mutation = method in MUTATIONS if mutation is None else mutation
        url = self.url(path)
        attempt = 0
        while True:
            if mutation:
                self._space_mutation()
            hdrs = dict(self.auth())
            hdrs.update(headers or {})
            try:
                resp = self._client.request(method, url, params=params, json=json, headers=hdrs)
            except httpx.TransportError as exc:
                resp = None
                err = f"{exc.__class__.__name__}: {exc}"
            if resp is not None:
                if resp.is_success or resp.status_code in ok:
                    return resp
                wait = self._rate_limit_wait(resp)
                if wait is not None:
                    if wait > self.max_wait or attempt >= self.max_retries:
                        self._give_up(method, url, resp.status_code, "rate limited", resp)
                    self.counters.inc("rate_limited", forge=self.forge)
                    log.warning("%s %s: rate limited, waiting %.0f s", method, url, wait)
                    self.sleep(wait)
                    attempt += 1
                    continue
                if resp.status_code < 500 or not retry_errors:
                    self._give_up(method, url, resp.status_code, _message(resp), resp)
                err = f"{resp.status_code} {_message(resp)}"
            if attempt >= self.max_retries or not retry_errors:
                self._give_up(method, url, resp.status_code if resp is not None else 0, err, resp)
            backoff = min(60.0, 2.0 ** attempt)
            log.warning("%s %s: %s; retrying in %.0f s", method, url, err, backoff)
            self.counters.inc("retries", forge=self.forge)
            self.sleep(backoff)
            attempt += 1

    def json(self, method: str, path: str, **kw) -> Any:
        return self.request(method, path, **kw).json()

    def paginate(self, path: str, params: dict | None = None, per_page: int = 100,
                 limit: int = 10000, headers: dict[str, str] | None = None) -> Iterator[Any]:
        """Items of a paginated list, following ``Link: rel="next"`` (both forges send it)."""
        url: str | None = path
        p = dict(params or {}, per_page=per_page)
        n = 0
        while url:
            resp = self.request("GET", url, params=p, headers=headers)
            p = None  # the next link carries the query
            for item in resp.json():
                yield item
                n += 1
                if n >= limit:
                    return
            url = resp.links.get("next", {}).get("url")

    def _space_mutation(self) -> None:
        with self._mutation_lock:
            now = self.clock()
            gap = self._last_mutation + self.min_interval - now
            if gap > 0:
                self.sleep(gap)
                now = now + gap
            self._last_mutation = now

    def _rate_limit_wait(self, resp: httpx.Response) -> float | None:
        if resp.status_code not in (403, 429):
            return None
        ra = resp.headers.get("retry-after")
        if ra is not None:
            try:
                return max(0.0, float(ra))
            except ValueError:
                return 60.0
        for prefix in ("x-ratelimit-", "ratelimit-"):  # GitHub; GitLab
            if resp.headers.get(prefix + "remaining") == "0" and resp.headers.get(prefix + "reset"):
                try:
                    return max(0.0, float(resp.headers[prefix + "reset"]) - self.clock()) + 1.0
                except ValueError:
                    return 60.0
        if resp.status_code == 429 or "secondary rate limit" in resp.text.lower():
            return 60.0
        return None

    def _give_up(self, method: str, url: str, status: int, message: str, resp) -> None:
        body = None
        if resp is not None:
            try:
                body = resp.json()
            except ValueError:
                body = resp.text
        self.counters.inc("api_errors", forge=self.forge)
        log.error("%s %s failed: %s %s", method, url, status, message)
        raise ForgeError(method, url, status, message, body)


def _message(resp: httpx.Response) -> str:
    try:
        data = resp.json()
    except ValueError:
        return resp.text[:200]
    if isinstance(data, dict):
        msg = data.get("message") or data.get("error") or data.get("detail") or ""  # detail: patchwork
        if isinstance(msg, (dict, list)):
            msg = str(msg)
        errs = data.get("errors")
        if errs:
            msg = f"{msg} {errs}"
        return str(msg)[:500]
    return str(data)[:200]
