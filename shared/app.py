"""Builds a Kessos service: errors, auth, sessions, outbox relay, logs, metrics, health and docs."""

import gc
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import TokenVerifier
from shared.db import make_engine, make_sessionmaker
from shared.errors import (
    PROBLEM_MEDIA_TYPE,
    Problem,
    install_error_handlers,
)
from shared.events.outbox import OutboxMixin
from shared.events.relay import OutboxRelay
from shared.http import BodyLimit
from shared.logging import configure_logging
from shared.metrics import collect_state
from shared.request_context import RequestContext
from shared.settings import KessosSettings

log = structlog.get_logger()

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "Missing or invalid bearer token"},
    403: {"model": Problem, "description": "The caller's role does not allow this"},
    422: {"model": Problem, "description": "Invalid input; `errors` names the fields"},
}


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed when the endpoint returns, before the response is
    sent; rolled back on any error. Services only flush."""
    async with request.app.state.sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
    if session.info.get("outbox_dirty"):
        request.app.state.relay.wake()


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def create_app(
    *,
    service: str,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    outbox_model: type[OutboxMixin],
    settings: KessosSettings | None = None,
    on_startup: Callable[[FastAPI], Awaitable[None]] | None = None,
    tags: list[dict[str, str]] | None = None,
    body_limits: dict[str, int] | None = None,
    finding_model: Any = None,
) -> FastAPI:
    settings = settings or KessosSettings()
    configure_logging(service, settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(
            settings.require_database_url(),
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
        )
        app.state.settings = settings
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        app.state.token_verifier = TokenVerifier(settings)
        app.state.redis = Redis.from_url(
            settings.require_redis_url(), socket_connect_timeout=1, socket_timeout=2
        )
        app.state.relay = OutboxRelay(
            service=service, settings=settings, sessionmaker=app.state.sessionmaker, model=outbox_model
        )
        if on_startup:
            await on_startup(app)
        await app.state.relay.start()
        # Everything built so far (modules, models, schemas: ~160,000 objects) lives as long as the
        # process. Frozen out of the collector, a full collection no longer walks it: it was a
        # 90 ms pause, every few seconds under load, and the p99 of a NIK lookup with it.
        gc.collect()
        gc.freeze()
        log.info("service_started", service=service)
        try:
            yield
        finally:
            await app.state.relay.stop()
            await app.state.redis.aclose()
            await engine.dispose()

    app = FastAPIOffline(
        title=title,
        description=description,
        version="0.1.0",
        lifespan=lifespan,
        openapi_tags=tags,
        responses=ERROR_RESPONSES,
    )
    install_error_handlers(app)
    _document_problems(app)

    @app.get("/healthz", tags=["operations"], summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="PostgreSQL and Redis answer",
        responses={503: {"description": "A dependency is unreachable"}},
    )
    async def readyz(request: Request) -> JSONResponse:
        checks: dict[str, str] = {}
        try:
            async with request.app.state.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception:
            checks["database"] = "unreachable"
        try:
            await request.app.state.redis.ping()
            checks["redis"] = "ok"
        except Exception:
            checks["redis"] = "unreachable"
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503
        )

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics", response_class=Response)
    async def metrics(request: Request) -> Response:
        try:
            async with request.app.state.sessionmaker() as session:
                await collect_state(
                    session,
                    request.app.state.redis,
                    service=service,
                    queue_name=settings.queue_name,
                    outbox=outbox_model,
                    findings=finding_model,
                )
        except Exception as exc:  # the request metrics are still worth serving
            log.warning("metrics_state_unavailable", error=str(exc)[:200])
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    # Outermost last: compression wraps everything; the size limit refuses before any work is done.
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "If-Match",
                "If-None-Match",
                "Idempotency-Key",
                "Accept-Language",
                "X-Request-ID",
                "traceparent",
            ],
            expose_headers=["ETag", "Location", "X-Request-ID"],
        )
    app.add_middleware(RequestContext, service=service)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(BodyLimit, default=settings.max_body_bytes, per_path=body_limits)

    for router in routers:
        app.include_router(router, prefix="/api/v1")
    return app


def _document_problems(app: FastAPI) -> None:
    """The OpenAPI document as the errors are really sent: every 4xx and 5xx as problem+json (FastAPI
    would say application/json), and a 400 on every operation that reads a body (one FastAPI cannot
    decode is refused before validation)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        doc = build()
        for item in doc.get("paths", {}).values():
            for operation in item.values():
                responses = operation.get("responses", {})
                if "requestBody" in operation and "400" not in responses:
                    responses["400"] = {
                        "description": "The body could not be read",
                        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
                    }
                for status, response in responses.items():
                    content = response.get("content", {})
                    if status[0] in "45" and "application/json" in content:
                        content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
