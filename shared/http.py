"""HTTP plumbing every service shares: body size limits (413), conditional GET (ETag → 304)."""

import hashlib

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import AppError, problem_response

MiB = 1024 * 1024


class BodyTooLarge(AppError):
    """Raised while the body is read, inside the app, so the app's error handler answers it."""

    status = 413
    problem = "payload-too-large"
    title = "Request body too large"


class BodyLimit:
    """Refuses request bodies over a limit with 413 problem+json, whether the client announced the
    size (Content-Length) or streams it. Paths may have their own, larger, limits (uploads)."""

    def __init__(self, app: ASGIApp, default: int, per_path: dict[str, int] | None = None):
        self.app = app
        self.default = default
        self.per_path = sorted((per_path or {}).items(), key=lambda kv: -len(kv[0]))

    def limit_for(self, path: str) -> int:
        return next((limit for prefix, limit in self.per_path if path.startswith(prefix)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(_too_large(limit))
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(scope, receive, send, limit)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem_response(
            413, BodyTooLarge.problem, BodyTooLarge.title, _too_large(limit), instance=scope["path"]
        )
        await response(scope, receive, send)


def _too_large(limit: int) -> str:
    size = f"{limit // MiB} MiB" if limit >= MiB else f"{limit} bytes"
    return f"this route accepts at most {size}; split the request"


def wants_etag(method: str, status: int, content_type: str) -> bool:
    """Weak ETags go on JSON GET answers: phones on slow links re-read lists without downloading
    them again."""
    return method == "GET" and status == 200 and content_type.startswith("application/json")


KEPT_ON_304 = ("etag", "cache-control", "vary", "x-request-id")


def conditional(request_headers: Headers, headers: MutableHeaders, body: bytes) -> tuple[int, bytes]:
    """Sets the answer's ETag (the route's own, else a hash of the body) and says 304 with no body
    when the client already has it; otherwise 200 with the body. `headers` is changed in place."""
    etag = headers.get("etag") or 'W/"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers["etag"] = etag
    wanted = request_headers.get("if-none-match")
    if wanted and etag.removeprefix("W/") in {t.strip().removeprefix("W/") for t in wanted.split(",")}:
        for key in {k for k in headers.keys() if k not in KEPT_ON_304}:
            del headers[key]
        return 304, b""
    return 200, body
