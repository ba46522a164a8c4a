"""The registry as explain needs it: one person's targeting record, asked over the registry's
service-only API with a short-lived `service` token (the programs service never reads its tables)."""

import time
import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from services.programs.targeting.service import PersonLookup
from shared.auth import mint_token
from shared.errors import AppError
from shared.settings import KessosSettings


class RegistryUnavailable(AppError):
    status = 503
    problem = "registry-unavailable"
    title = "The registry did not answer"


class RegistryClient:
    def __init__(self, settings: KessosSettings, http: httpx.AsyncClient | None = None):
        self.settings = settings
        self.http = http or httpx.AsyncClient(
            base_url=settings.registry_url, timeout=httpx.Timeout(10.0, connect=3.0)
        )
        self._token, self._expires = "", 0.0

    def token(self) -> str:
        if time.time() > self._expires - 60:
            self._token = mint_token(
                self.settings.resolved_jwt_secret(),
                sub="kessos-programs",
                roles=["service"],
                ttl_seconds=300,
                audience=self.settings.jwt_audience,
            )
            self._expires = time.time() + 300
        return self._token

    async def person(self, person_id: uuid.UUID) -> dict[str, Any] | None:
        try:
            response = await self.http.get(
                f"/api/v1/targeting/people/{person_id}", headers={"Authorization": f"Bearer {self.token()}"}
            )
        except httpx.TransportError as exc:
            raise RegistryUnavailable(
                f"the registry is unreachable ({exc.__class__.__name__}); try again"
            ) from None
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise RegistryUnavailable(f"the registry answered {response.status_code}; try again")
        body: dict[str, Any] = response.json()
        return body


def lookup(app: FastAPI) -> PersonLookup:
    """The app's registry client, made on first use (tests put one on `app.state` beforehand)."""
    client: RegistryClient | None = getattr(app.state, "targeting_registry", None)
    if client is None:
        client = RegistryClient(app.state.settings)
        app.state.targeting_registry = client
    return client.person
