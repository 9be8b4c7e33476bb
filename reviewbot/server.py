"""The HTTP side of ``reviewbot serve``: FastAPI app factory, webhook intake, health.

Intake (both forges): read the raw body (413 above ``max_body``), verify the secret on those
bytes before parsing anything (401), parse (400), filter the event (docs/forges.md), then
record the delivery id under a unique constraint and enqueue the job in one transaction
(a replay answers 200 and does nothing), and answer 202.  The work happens in the workers.

``create_app`` takes its collaborators as arguments so other routers (/metrics, /readyz,
results pages) can be included by later features without touching the intake.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Callable
from urllib.parse import parse_qs

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from reviewbot import __version__
from reviewbot.forge import events
from reviewbot.forge.metrics import Counters
from reviewbot.forge.queue import JobQueue
from reviewbot.forge.settings import ForgeSettings

log = logging.getLogger("reviewbot.server")


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refusing (413) anything larger than ``limit`` bytes without buffering it."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"body larger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"body larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_payload(body: bytes, content_type: str | None) -> dict:
    """JSON body (or GitHub's form encoding ``payload=<json>``); 400 when it is not a JSON object."""
    try:
        if body.startswith(b"payload=") and (content_type or "").startswith("application/x-www-form-urlencoded"):
            body = parse_qs(body.decode("utf-8"), strict_parsing=True)["payload"][0].encode()
        data = json.loads(body)
    except (ValueError, KeyError, UnicodeDecodeError):
        raise HTTPException(400, "body is not a JSON payload") from None
    except RecursionError:
        raise HTTPException(400, "body is not a JSON payload: nested too deep") from None
    if not isinstance(data, dict):
        raise HTTPException(400, "payload is not a JSON object")
    return data


def webhooks_router(settings: ForgeSettings, queue: JobQueue, counters: Counters) -> APIRouter:
    router = APIRouter()

    async def intake(forge: str, event: str, body: bytes, payload: dict,
                     to_job: Callable[[str, dict], Any], delivery: str) -> JSONResponse:
        if len(event) > 64:
            raise HTTPException(400, "event header longer than 64 characters")
        try:
            spec = to_job(event, payload)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        except RecursionError:  # a payload nested deeper than validation recurses
            raise HTTPException(400, "payload nested too deep") from None
        reason = spec if isinstance(spec, str) else ""
        job_spec = None if isinstance(spec, str) else spec
        fresh, job_id = await run_in_threadpool(queue.submit, forge, delivery, event or "", job_spec, reason)
        counters.inc("deliveries", forge=forge)
        if not fresh:
            counters.inc("deliveries_replayed", forge=forge)
            return JSONResponse({"status": "duplicate", "delivery": delivery}, status_code=200)
        if job_spec is None:
            return JSONResponse({"status": "ignored", "reason": reason}, status_code=200)
        log.info("%s delivery %s: queued job %s for %s#%d@%s", forge, delivery, job_id, job_spec.repo,
                 job_spec.number, job_spec.head_sha[:12])
        return JSONResponse({"status": "queued", "job": job_id}, status_code=202)

    @router.post("/webhooks/github")
    async def github(request: Request) -> JSONResponse:
        body = await read_body(request, settings.max_body)
        secret = settings.github_webhook_secret
        if not secret or not events.github_signature_ok(secret, body, request.headers.get("x-hub-signature-256")):
            counters.inc("deliveries_rejected", forge="github")
            raise HTTPException(401, "bad or missing X-Hub-Signature-256" if secret
                                else "REVIEWBOT_GITHUB_WEBHOOK_SECRET is not set: refusing all deliveries")
        payload = parse_payload(body, request.headers.get("content-type"))
        delivery = events.delivery_id(request.headers, body, "x-github-delivery")
        return await intake("github", request.headers.get("x-github-event", ""), body, payload,
                            events.github_job, delivery)

    @router.post("/webhooks/gitlab")
    async def gitlab(request: Request) -> JSONResponse:
        body = await read_body(request, settings.max_body)
        secret = settings.gitlab_webhook_token
        if not secret or not events.gitlab_token_ok(secret, request.headers.get("x-gitlab-token")):
            counters.inc("deliveries_rejected", forge="gitlab")
            raise HTTPException(401, "bad or missing X-Gitlab-Token" if secret
                                else "REVIEWBOT_GITLAB_WEBHOOK_TOKEN is not set: refusing all deliveries")
        payload = parse_payload(body, request.headers.get("content-type"))
        delivery = events.delivery_id(request.headers, body, "idempotency-key", "x-gitlab-event-uuid")
        return await intake("gitlab", request.headers.get("x-gitlab-event", ""), body, payload,
                            events.gitlab_job, delivery)

    return router


def create_app(settings: ForgeSettings, queue: JobQueue, *, counters: Counters | None = None,
               lifespan=None, routers: tuple[APIRouter, ...] = ()) -> FastAPI:
    counters = counters or Counters()
    app = FastAPI(title="reviewbot", version=__version__, lifespan=lifespan, docs_url=None,
                  redoc_url=None, openapi_url=None)
    app.state.counters = counters
    app.state.queue = queue
    app.include_router(webhooks_router(settings, queue, counters))
    for r in routers:
        app.include_router(r)

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok", "version": __version__}

    return app
