"""The worker's HTTP clients for the three services. The worker never reads their tables."""

import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from shared.auth import mint_token
from shared.settings import KessosSettings


class TransientError(Exception):
    """A service did not answer or answered 5xx: try the event again later."""


class ServiceToken:
    """A short-lived `service` token, minted from the shared secret and renewed before it expires."""

    def __init__(self, settings: KessosSettings):
        self.settings = settings
        self._token = ""
        self._expires = 0.0

    def __call__(self) -> str:
        if time.time() > self._expires - 60:
            self._token = mint_token(
                self.settings.resolved_jwt_secret(),
                sub="kessos-worker",
                roles=["service"],
                ttl_seconds=900,
                audience=self.settings.jwt_audience,
            )
            self._expires = time.time() + 900
        return self._token


@dataclass
class ServiceClient:
    name: str
    http: httpx.AsyncClient
    token: ServiceToken

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token()}", **kwargs.pop("headers", {})}
        try:
            response = await self.http.request(method, path, headers=headers, **kwargs)
        except httpx.TransportError as exc:
            raise TransientError(f"{self.name} unreachable: {exc!r}") from exc
        if response.status_code >= 500:
            raise TransientError(f"{self.name} answered {response.status_code} to {method} {path}")
        return response

    async def get_json(self, path: str, **params: Any) -> dict[str, Any] | None:
        """The JSON body, or None for a 404."""
        response = await self.request("GET", path, params={k: v for k, v in params.items() if v is not None})
        if response.status_code == 404:
            return None
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    async def pages(self, path: str, **params: Any) -> AsyncIterator[dict[str, Any]]:
        cursor = None
        while True:
            page = await self.get_json(path, **params, limit=200, cursor=cursor)
            if page is None:
                return
            for item in page["items"]:
                yield item
            cursor = page.get("next_cursor")
            if not cursor:
                return

    async def report_finding(
        self,
        *,
        rule: str,
        subject_type: str,
        subject_id: uuid.UUID | str,
        holds: bool,
        detail: dict[str, Any],
    ) -> None:
        response = await self.request(
            "PUT",
            "/api/v1/findings",
            json={
                "rule": rule,
                "subject_type": subject_type,
                "subject_id": str(subject_id),
                "holds": holds,
                "detail": detail,
            },
        )
        response.raise_for_status()


@dataclass
class Services:
    registry: ServiceClient
    programs: ServiceClient
    disaster: ServiceClient

    @classmethod
    def connect(cls, settings: KessosSettings) -> "Services":
        token = ServiceToken(settings)
        timeout = httpx.Timeout(10.0, connect=3.0)
        limits = httpx.Limits(max_connections=50, max_keepalive_connections=20)

        def client(name: str, url: str) -> ServiceClient:
            return ServiceClient(name, httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits), token)

        return cls(
            registry=client("registry", settings.registry_url),
            programs=client("programs", settings.programs_url),
            disaster=client("disaster", settings.disaster_url),
        )

    async def close(self) -> None:
        for c in (self.registry, self.programs, self.disaster):
            await c.http.aclose()
