"""The authorisation matrix, generated from the three OpenAPI documents so that no route escapes it:
every /api/v1 route refuses a missing token (401) and a token without a Kessos role (403), and no
write route lets a `viewer` change anything (never a 2xx), nor answers any of this with a 5xx."""

import re
import uuid
from typing import Any

import httpx
import pytest

from shared.auth import mint_token
from tests.support import JWT_SECRET, auth

WRITE_METHODS = {"post", "put", "patch", "delete"}
SERVICES = ("registry", "programs", "disaster")


def _example(name: str, schema: dict[str, Any]) -> str:
    pattern = schema.get("pattern", "")
    if schema.get("format") == "uuid" or name.endswith("_id") or name == "id":
        return str(uuid.uuid4())
    if "{2}" in pattern or name in ("code", "region"):
        return "63.71"
    if schema.get("type") == "integer":
        return "2026"
    return "x"


def _routes(app: Any) -> list[tuple[str, str, str]]:
    """(method, concrete path, template) for every route under /api/v1."""
    out = []
    for template, item in app.openapi()["paths"].items():
        if not template.startswith("/api/v1/"):
            continue
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            params = {
                p["name"]: p.get("schema", {}) for p in operation.get("parameters", []) if p["in"] == "path"
            }
            path = re.sub(
                r"\{(\w+)\}", lambda m, p=params: _example(m.group(1), p.get(m.group(1), {})), template
            )
            out.append((method, path, template))
    return out


@pytest.fixture
def clients(
    registry: httpx.AsyncClient, programs: httpx.AsyncClient, disaster: httpx.AsyncClient
) -> dict[str, httpx.AsyncClient]:
    return {"registry": registry, "programs": programs, "disaster": disaster}


async def _call(client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    kwargs: dict[str, Any] = {"headers": headers}
    if method in WRITE_METHODS and method != "delete":
        kwargs["json"] = {}
    return await client.request(method.upper(), path, **kwargs)


@pytest.mark.usefixtures("clean")
@pytest.mark.parametrize("service", SERVICES)
async def test_every_route_needs_a_token_and_a_role(
    service: str, clients: dict[str, httpx.AsyncClient]
) -> None:
    client = clients[service]
    app = client._transport.app  # type: ignore[attr-defined]
    routes = _routes(app)
    assert routes, "no routes found"
    roleless = {"Authorization": "Bearer " + _roleless_token()}
    failures = []
    for method, path, template in routes:
        anonymous = await _call(client, method, path, {})
        if anonymous.status_code != 401 or not anonymous.headers["content-type"].startswith(
            "application/problem"
        ):
            failures.append(f"{method.upper()} {template}: no token gave {anonymous.status_code}")
        nobody = await _call(client, method, path, roleless)
        if nobody.status_code != 403:
            failures.append(f"{method.upper()} {template}: a token without a role gave {nobody.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.usefixtures("clean")
@pytest.mark.parametrize("service", SERVICES)
async def test_a_viewer_writes_nothing(service: str, clients: dict[str, httpx.AsyncClient]) -> None:
    client = clients[service]
    app = client._transport.app  # type: ignore[attr-defined]
    viewer = auth("viewer", regions=["63"], pii=True)
    failures = []
    for method, path, template in _routes(app):
        if method not in WRITE_METHODS:
            continue
        response = await _call(client, method, path, viewer)
        if response.status_code < 400 or response.status_code >= 500:
            failures.append(f"{method.upper()} {template}: a viewer got {response.status_code}")
    assert not failures, "\n".join(failures)


def _roleless_token() -> str:
    return mint_token(JWT_SECRET, sub="nobody", roles=[])
