"""What every service's HTTP edge does: 413 on oversized bodies, ETag/304, gzip, CORS."""

import httpx
import pytest
from fastapi import APIRouter, Request

from services.registry.db import OutboxEvent
from shared.app import create_app
from shared.http import MiB
from shared.settings import KessosSettings

router = APIRouter()


@router.post("/echo")
async def echo(request: Request) -> dict[str, int]:
    return {"bytes": len(await request.body())}


@router.get("/big")
async def big() -> dict[str, list[str]]:
    return {"items": ["kesejahteraan sosial"] * 500}


@pytest.fixture(scope="module")
async def client(settings: KessosSettings):  # type: ignore[no-untyped-def]
    configured = settings.model_copy(
        update={"max_body_bytes": 1000, "cors_origins": ["https://dinsos.example"]}
    )
    app = create_app(
        service="registry",
        title="t",
        description="t",
        routers=[router],
        outbox_model=OutboxEvent,
        settings=configured,
        body_limits={"/api/v1/echo-large": MiB},
    )
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            yield c


async def test_oversized_body_is_413_problem(client: httpx.AsyncClient) -> None:
    small = await client.post("/api/v1/echo", content=b"x" * 900)
    assert small.status_code == 200 and small.json() == {"bytes": 900}
    large = await client.post("/api/v1/echo", content=b"x" * 1001)
    assert large.status_code == 413
    assert large.headers["content-type"].startswith("application/problem+json")
    assert large.json()["type"].endswith("/payload-too-large")

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(5):
            yield b"y" * 400

    streamed = await client.post("/api/v1/echo", content=chunks())  # no Content-Length: counted as it comes
    assert streamed.status_code == 413


async def test_conditional_get_and_gzip(client: httpx.AsyncClient) -> None:
    first = await client.get("/api/v1/big", headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200 and first.headers["content-encoding"] == "gzip"
    etag = first.headers["etag"]
    again = await client.get("/api/v1/big", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = await client.get("/api/v1/big", headers={"If-None-Match": 'W/"something-else"'})
    assert other.status_code == 200 and len(other.json()["items"]) == 500


async def test_cors_only_for_configured_origins(client: httpx.AsyncClient) -> None:
    allowed = await client.options(
        "/api/v1/big", headers={"Origin": "https://dinsos.example", "Access-Control-Request-Method": "GET"}
    )
    assert allowed.headers.get("access-control-allow-origin") == "https://dinsos.example"
    refused = await client.get("/api/v1/big", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in refused.headers
