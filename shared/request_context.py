"""Every request's context: request and trace ids, one log line, metrics, ETags and 304s, problem
titles in the caller's language, and a problem+json answer for anything unhandled.

A plain ASGI middleware rather than Starlette's `@app.middleware("http")`: that one runs the app in a
task of its own and passes every answer through two memory streams, work a NIK lookup does not need
(bench/registry_lookup.py). Answers pass straight through except the two kinds this must rewrite (a
JSON GET for its ETag, a problem for Indonesian callers), which are held until whole.
"""

import re
import time
import uuid

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import PROBLEM_MEDIA_TYPE, AppError, internal_error_response, problem_response
from shared.http import conditional, wants_etag
from shared.i18n import localise, wants_indonesian
from shared.metrics import LATENCY, REQUESTS

log = structlog.get_logger()

TRACE_ID = re.compile(r"[0-9a-f]{32}")


class RequestContext:
    def __init__(self, app: ASGIApp, service: str):
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        request_id = request_headers.get("x-request-id") or uuid.uuid4().hex
        trace_id = _trace_id(request_headers.get("traceparent")) or _new_trace_id(request_id)
        indonesian = wants_indonesian(request_headers.get("accept-language"))
        method = scope["method"]
        # Reset, not unbound, at the end: an in-process caller (the worker in tests) keeps its own.
        context = structlog.contextvars.bind_contextvars(request_id=request_id, trace_id=trace_id)
        started = time.perf_counter()
        status = 500
        answered = False  # the response's start has gone to the client
        held: Message | None = None  # a response start kept back until its body is whole
        chunks: list[bytes] = []

        async def reply(message: Message) -> None:
            nonlocal status, answered, held
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = list(message.get("headers", []))
                headers = MutableHeaders(raw=message["headers"])
                headers["x-request-id"] = request_id
                content_type = headers.get("content-type", "")
                problem = content_type.startswith(PROBLEM_MEDIA_TYPE)
                if problem and not indonesian:
                    headers["content-language"] = "en"
                elif problem or wants_etag(method, status, content_type):
                    held, chunks[:] = message, []
                    return
                answered = True
                await send(message)
                return
            if held is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            headers = MutableHeaders(raw=held["headers"])
            if headers.get("content-type", "").startswith(PROBLEM_MEDIA_TYPE):
                body = localise(body)
                headers["content-language"] = "id"
            else:
                status, body = conditional(request_headers, headers, body)
                held["status"] = status
            if status == 304:
                del headers["content-length"]
            else:
                headers["content-length"] = str(len(body))
            start, held = held, None
            answered = True
            await send(start)
            await send({"type": "http.response.body", "body": body})

        try:
            try:
                await self.app(scope, receive, reply)
            except Exception as exc:
                if answered:
                    raise
                # Rendered here rather than by the outermost handler so that the answer and the log
                # line still carry the request id. An AppError raised while the body streams in
                # (e.g. 413) may arrive wrapped in an exception group.
                held = None
                app_error = _app_error_in(exc)
                if app_error is not None:
                    response = problem_response(
                        app_error.status,
                        app_error.problem,
                        app_error.title,
                        app_error.detail,
                        instance=scope["path"],
                        errors=app_error.errors,
                    )
                else:
                    log.exception("unhandled_error", path=scope["path"])
                    response = internal_error_response(scope["path"], exc)
                await response(scope, receive, reply)
        finally:
            # The router writes the matched route into the scope; the auth dependency the caller.
            route = getattr(scope.get("route"), "path", "unmatched")
            elapsed = time.perf_counter() - started
            REQUESTS.labels(self.service, method, route, str(status)).inc()
            LATENCY.labels(self.service, method, route).observe(elapsed)
            log.info(
                "request",
                method=method,
                route=route,
                status=status,
                duration_ms=round(elapsed * 1000, 1),
                sub=(scope.get("state") or {}).get("principal_sub"),
            )
            structlog.contextvars.reset_contextvars(**context)


def _app_error_in(exc: BaseException) -> AppError | None:
    if isinstance(exc, AppError):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _app_error_in(inner)
            if found is not None:
                return found
    return None


def _trace_id(traceparent: str | None) -> str | None:
    # W3C traceparent: version-traceid-parentid-flags; a malformed one starts a new trace.
    if traceparent and traceparent.count("-") == 3:
        trace_id = traceparent.split("-")[1]
        if TRACE_ID.fullmatch(trace_id) and trace_id != "0" * 32:
            return trace_id
    return None


def _new_trace_id(request_id: str) -> str:
    # The request id when it can be a W3C trace id (ours are uuid4 hex), so that the two agree.
    return request_id if TRACE_ID.fullmatch(request_id) else uuid.uuid4().hex
