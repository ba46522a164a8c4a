"""Every error leaves as RFC 9457 problem+json: application errors, validation errors naming the field,
unknown routes, and unexpected exceptions without internals."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Query
from pydantic import BaseModel, Field

from shared.errors import (
    PROBLEM_BASE,
    AppError,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    Unauthorized,
    install_error_handlers,
)
from shared.idempotency import IdempotencyKeyReused

ERRORS: dict[str, tuple[type[AppError], int, str]] = {
    "bad-request": (AppError, 400, "Bad request"),
    "not-found": (NotFound, 404, "Not found"),
    "unauthorized": (Unauthorized, 401, "Authentication required"),
    "forbidden": (Forbidden, 403, "Not allowed"),
    "conflict": (Conflict, 409, "Conflict"),
    "precondition-failed": (PreconditionFailed, 412, "The record changed since you read it"),
    "precondition-required": (PreconditionRequired, 428, "If-Match header required"),
    "idempotency-key-reused": (IdempotencyKeyReused, 422, "Idempotency-Key reused with a different request"),
}
INTERNAL_TEXT = "internal detail: pool exhausted at db-7"


class Line(BaseModel):
    item_code: str = Field(min_length=1)
    quantity: float = Field(gt=0)


class Order(BaseModel):
    name: str = Field(min_length=1)
    items: list[Line] = Field(min_length=1)


def build_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/raise/{problem}")
    async def raise_error(problem: str) -> None:
        cls = ERRORS[problem][0]
        raise cls(f"detail for {problem}")

    @app.get("/invalid")
    async def invalid() -> None:
        raise Invalid("region_code", "63.99 is not a Kemendagri region code")

    @app.post("/orders")
    async def create_order(order: Order, limit: int = Query(default=10, ge=1, le=500)) -> dict[str, int]:
        return {"lines": len(order.items), "limit": limit}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError(INTERNAL_TEXT)

    return app


@pytest.fixture(scope="module")
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith(PROBLEM_BASE)
    assert body["title"] and body["detail"]
    return body


@pytest.mark.parametrize("name", list(ERRORS))
async def test_app_errors_render_as_problems(client: httpx.AsyncClient, name: str) -> None:
    _, status, title = ERRORS[name]
    body = problem(await client.get(f"/raise/{name}"), status)
    assert body["type"] == PROBLEM_BASE + name
    assert body["title"] == title
    assert body["detail"] == f"detail for {name}"
    assert body["instance"] == f"/raise/{name}"
    assert "errors" not in body


async def test_only_401_asks_for_a_bearer_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/raise/unauthorized")).headers["www-authenticate"] == "Bearer"
    assert "www-authenticate" not in (await client.get("/raise/forbidden")).headers


async def test_invalid_names_the_field(client: httpx.AsyncClient) -> None:
    body = problem(await client.get("/invalid"), 422)
    assert body["type"] == PROBLEM_BASE + "validation-error"
    assert body["errors"] == [{"field": "region_code", "message": "63.99 is not a Kemendagri region code"}]
    assert "region_code" in body["detail"]


async def test_bad_body_names_each_field(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/orders", json={"name": "", "items": [{"item_code": "RICE", "quantity": -1}, {"quantity": 2}]}
    )
    body = problem(response, 422)
    assert body["type"] == PROBLEM_BASE + "validation-error"
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"name", "items.0.quantity", "items.1.item_code"}
    assert all(e["message"] for e in body["errors"])
    assert "name" in body["detail"] and "items.0.quantity" in body["detail"]


async def test_missing_field_and_query_parameter_are_named(client: httpx.AsyncClient) -> None:
    body = problem(await client.post("/orders", json={"items": [{"item_code": "A", "quantity": 1}]}), 422)
    assert [e["field"] for e in body["errors"]] == ["name"]
    body = problem(
        await client.post(
            "/orders?limit=0", json={"name": "x", "items": [{"item_code": "A", "quantity": 1}]}
        ),
        422,
    )
    assert [e["field"] for e in body["errors"]] == ["limit"]


async def test_missing_or_malformed_body(client: httpx.AsyncClient) -> None:
    body = problem(await client.post("/orders"), 422)
    assert body["errors"] and all(e["field"] for e in body["errors"])
    malformed = await client.post(
        "/orders", content=b"{not json", headers={"content-type": "application/json"}
    )
    problem(malformed, 422)


async def test_valid_body_passes(client: httpx.AsyncClient) -> None:
    response = await client.post("/orders", json={"name": "x", "items": [{"item_code": "A", "quantity": 1}]})
    assert response.status_code == 200 and response.json() == {"lines": 1, "limit": 10}


async def test_unknown_route_and_method_are_problems(client: httpx.AsyncClient) -> None:
    body = problem(await client.get("/nowhere"), 404)
    assert body["type"] == PROBLEM_BASE + "http-404" and body["title"] == "Not found"
    body = problem(await client.delete("/orders"), 405)
    assert body["title"] == "Method not allowed"


async def test_unexpected_exception_is_a_500_without_internals(client: httpx.AsyncClient) -> None:
    response = await client.get("/boom")
    body = problem(response, 500)
    assert body["type"] == PROBLEM_BASE + "internal-error"
    for leak in (INTERNAL_TEXT, "Traceback", "RuntimeError", "raise", ".py"):
        assert leak not in response.text


async def test_service_500_carries_the_request_id() -> None:
    from services.disaster.db import OutboxEvent
    from shared.app import create_app
    from shared.settings import KessosSettings

    router = APIRouter()

    @router.get("/boom")
    async def service_boom() -> None:
        raise RuntimeError(INTERNAL_TEXT)

    app = create_app(
        service="errors-test",
        title="t",
        description="t",
        routers=[router],
        outbox_model=OutboxEvent,
        settings=KessosSettings(jwt_secret="x" * 40, log_level="WARNING"),
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        healthy = await c.get("/healthz", headers={"X-Request-ID": "req-ok"})
        assert healthy.headers["x-request-id"] == "req-ok"
        response = await c.get("/api/v1/boom", headers={"X-Request-ID": "req-500"})
        problem(response, 500)
        assert INTERNAL_TEXT not in response.text
        assert response.headers.get("x-request-id") == "req-500"
