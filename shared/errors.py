"""One error hierarchy, rendered as RFC 9457 problem+json by one set of handlers."""

from typing import Any

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://kessos.dev/problems/"

log = structlog.get_logger()


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None


class AppError(Exception):
    status = 400
    problem = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.extra = extra


class NotFound(AppError):
    status = 404
    problem = "not-found"
    title = "Not found"


class Unauthorized(AppError):
    status = 401
    problem = "unauthorized"
    title = "Authentication required"


class Forbidden(AppError):
    status = 403
    problem = "forbidden"
    title = "Not allowed"


class Conflict(AppError):
    status = 409
    problem = "conflict"
    title = "Conflict"


class PreconditionFailed(AppError):
    status = 412
    problem = "precondition-failed"
    title = "The record changed since you read it"


class PreconditionRequired(AppError):
    status = 428
    problem = "precondition-required"
    title = "If-Match header required"


class Invalid(AppError):
    """A business-rule refusal of a field's value (422, naming the field)."""

    status = 422
    problem = "validation-error"
    title = "Invalid input"

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}", errors=[FieldError(field=field, message=message)])


def problem_response(
    status: int,
    problem: str,
    title: str,
    detail: str,
    *,
    instance: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        type=PROBLEM_BASE + problem,
        title=title,
        status=status,
        detail=detail,
        instance=instance,
        errors=errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def _field_name(loc: tuple[Any, ...]) -> str:
    # Drop the "body"/"query"/"path"/"header" marker; keep the rest as a dotted path.
    parts = [str(p) for p in loc[1:]] if loc and loc[0] in {"body", "query", "path", "header"} else list(loc)
    return ".".join(str(p) for p in parts) or str(loc[0] if loc else "body")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return problem_response(
            exc.status,
            exc.problem,
            exc.title,
            exc.detail,
            instance=request.url.path,
            errors=exc.errors,
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            FieldError(field=_field_name(tuple(e.get("loc", ()))), message=e.get("msg", "invalid"))
            for e in exc.errors()
        ]
        names = ", ".join(dict.fromkeys(e.field for e in errors))
        return problem_response(
            422,
            "validation-error",
            "Invalid input",
            f"Check these fields: {names}",
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
        return problem_response(
            exc.status_code,
            f"http-{exc.status_code}",
            title,
            str(exc.detail),
            instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", path=request.url.path)
        return internal_error_response(request.url.path, exc)


def internal_error_response(path: str, exc: BaseException | None = None) -> JSONResponse:
    """A 500 that tells nothing of the code: no exception text, no stack trace. When the database is
    unreachable (a restart, a failover), a 503 with Retry-After instead: nothing was written, and the
    same request will work once it is back."""
    if exc is not None and database_unreachable(exc):
        return problem_response(
            503,
            "service-unavailable",
            "Service unavailable",
            "The database cannot be reached; nothing was saved. Try again shortly.",
            instance=path,
            headers={"Retry-After": "5"},
        )
    return problem_response(
        500,
        "internal-error",
        "Internal error",
        "Something went wrong on our side; the X-Request-ID response header helps us find it.",
        instance=path,
    )


def database_unreachable(exc: BaseException) -> bool:
    """Is this (or what caused it) a lost or refused connection to PostgreSQL?"""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, (sa_exc.OperationalError, sa_exc.InterfaceError, ConnectionError)):
            return True
        if isinstance(current, (asyncpg.PostgresConnectionError, asyncpg.InterfaceError)):
            return True
        if isinstance(current, OSError) and current.errno is not None:  # refused, reset, unreachable
            return True
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return False
