"""The worker's HTTP clients for the three services. The worker never reads their tables."""

import dataclasses
import json
import re
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import httpx
import structlog

from shared.auth import mint_token
from shared.events import EventEnvelope
from shared.settings import KessosSettings

# Reports sent in one `PUT /findings/batch`: holding ones in full (the services take up to 5,000),
# and subject ids of those that no longer hold (up to 20,000).
FINDINGS_CHUNK = 2000
GONE_CHUNK = 10_000


class TransientError(Exception):
    """A service did not answer or answered 5xx: try the event again later."""


# A W3C trace id: what a `traceparent` can carry.
TRACE_ID = re.compile(r"[0-9a-f]{32}")


def in_trace(event: EventEnvelope) -> AbstractContextManager[Any]:
    """While handling one event: its log lines, and the service calls it makes, carry its trace id.
    A batch consumer that works event by event wraps each event's work in this."""
    return structlog.contextvars.bound_contextvars(event_id=str(event.id), trace_id=event.trace_id)


def in_batch_trace(events: Sequence[EventEnvelope]) -> AbstractContextManager[Any]:
    """While a consumer handles a batch: the trace its events share (one request's events, e.g. an
    offline sync), else none, since one call made for many requests belongs to no single trace.
    Calls made for one event of the batch at a time are traced by `in_trace`."""
    traces = {event.trace_id for event in events}
    return structlog.contextvars.bound_contextvars(trace_id=traces.pop() if len(traces) == 1 else None)


def trace_headers() -> dict[str, str]:
    """A W3C `traceparent` continuing the trace bound in the log context (the event's, bound by the
    runner or `in_trace`), with a new span id for this call; none when the event carries no trace."""
    trace_id = structlog.contextvars.get_contextvars().get("trace_id")
    if not isinstance(trace_id, str) or not TRACE_ID.fullmatch(trace_id):
        return {}
    return {"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}


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
        headers = {"Authorization": f"Bearer {self.token()}", **trace_headers(), **kwargs.pop("headers", {})}
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

    async def ndjson(
        self, path: str, *, chunk: int = 5000, timeout: float = 600.0, **params: Any
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """A streamed NDJSON export, in lists of up to `chunk` records. The service keeps its cursor
        open while the caller works on a chunk (the stream waits for it)."""
        headers = {"Authorization": f"Bearer {self.token()}", **trace_headers()}
        query = {k: v for k, v in params.items() if v is not None}
        records: list[dict[str, Any]] = []
        try:
            async with self.http.stream(
                "GET", path, params=query, headers=headers, timeout=httpx.Timeout(timeout, connect=3.0)
            ) as response:
                if response.status_code >= 500:
                    raise TransientError(f"{self.name} answered {response.status_code} to GET {path}")
                if response.status_code >= 400:
                    await response.aread()
                    response.raise_for_status()
                async for line in response.aiter_lines():
                    if line:
                        records.append(json.loads(line))
                    if len(records) >= chunk:
                        yield records
                        records = []
        except httpx.TransportError as exc:  # also a stream cut short: the partition is done again
            raise TransientError(f"{self.name} export {path} broke off: {exc!r}") from exc
        if records:
            yield records

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

    async def report_findings(self, items: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
        """Many reports ({rule, subject_type, subject_id, holds, detail}, each as for `report_finding`;
        the same rule and subject twice: the last wins), in as few calls as the limits allow: holding
        reports in full, up to `FINDINGS_CHUNK` a call, and those that no longer hold as subject ids by
        rule, up to `GONE_CHUNK`. Returns the counts summed over the calls (opened, reopened, closed)
        and the subjects the service did not know."""
        latest: dict[tuple[str, str], Mapping[str, Any]] = {}
        for item in items:
            key = (item["rule"], str(item["subject_id"]))
            latest.pop(key, None)  # keep the order of the last report
            latest[key] = item
        total: dict[str, Any] = {"opened": 0, "reopened": 0, "closed": 0, "unknown_subjects": []}
        holding: list[dict[str, Any]] = []
        gone: dict[str, list[str]] = {}
        gone_count = 0

        async def send() -> None:
            body = {"items": holding, "gone": [{"rule": r, "subject_ids": ids} for r, ids in gone.items()]}
            response = await self.request("PUT", "/api/v1/findings/batch", json=body)
            response.raise_for_status()
            answer = response.json()
            for key in ("opened", "reopened", "closed"):
                total[key] += answer[key]
            total["unknown_subjects"] += answer["unknown_subjects"]

        for (rule, subject_id), item in latest.items():
            if item["holds"]:
                holding.append({**item, "subject_id": subject_id, "detail": item.get("detail") or {}})
            else:
                gone.setdefault(rule, []).append(subject_id)
                gone_count += 1
            if len(holding) >= FINDINGS_CHUNK or gone_count >= GONE_CHUNK:
                await send()
                holding, gone, gone_count = [], {}, 0
        if holding or gone:
            await send()
        return total


@dataclass
class Services:
    registry: ServiceClient
    programs: ServiceClient
    disaster: ServiceClient
    # What the registry answered about people during one job (see `for_job`): the consumers of a
    # batch (recipients, double receipt, NIK checks ...) ask about the same people.
    answers: dict[tuple[str, str], Any] | None = field(default=None, kw_only=True)

    def for_job(self) -> "Services":
        """The same clients, with a memory of registry answers that lives as long as one job."""
        return dataclasses.replace(self, answers={})

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
