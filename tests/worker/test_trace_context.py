"""One request followed from the service through the worker and back: the W3C trace id of the first
request is in its event's envelope, in the `traceparent` of every service call the worker makes for
that event, and so in those services' log lines and in the events they publish in turn."""

import logging
import secrets
import uuid
from collections.abc import AsyncIterator, MutableMapping
from typing import Any

import httpx
import pytest
import structlog
from sqlalchemy import text

import shared.request_context
from services.worker.clients import (
    ServiceClient,
    Services,
    ServiceToken,
    in_batch_trace,
    in_trace,
    trace_headers,
)
from services.worker.handlers import CONSUMERS
from services.worker.reconciliation import disaster_batches
from shared.events import EventEnvelope
from shared.settings import KessosSettings
from tests.disaster.scenes import STARTED, TAGANA, declare, warehouse
from tests.support import auth, token

pytestmark = pytest.mark.usefixtures("clean")


@pytest.fixture
async def services(
    registry: httpx.AsyncClient,
    programs: httpx.AsyncClient,
    disaster: httpx.AsyncClient,
    settings: KessosSettings,
) -> AsyncIterator[Services]:
    service_token = ServiceToken(settings)
    yield Services(
        registry=ServiceClient("registry", registry, service_token),
        programs=ServiceClient("programs", programs, service_token),
        disaster=ServiceClient("disaster", disaster, service_token),
    )


@pytest.fixture
def request_log(monkeypatch: pytest.MonkeyPatch) -> list[MutableMapping[str, Any]]:
    """The services' `request` log lines, with the log context merged as in production (the tests'
    services log at WARNING, which would drop them)."""
    capture = structlog.testing.LogCapture()
    logger = structlog.wrap_logger(
        structlog.PrintLogger(),
        processors=[structlog.contextvars.merge_contextvars, capture],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
    )
    monkeypatch.setattr(shared.request_context, "log", logger)
    return capture.entries


def traceparent(trace_id: str) -> str:
    return f"00-{trace_id}-{secrets.token_hex(8)}-01"


async def envelopes(engine: Any, schema: str, event_type: str) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        found = await conn.execute(
            text(f"SELECT envelope FROM {schema}.outbox WHERE type = :t ORDER BY created_at, id"),
            {"t": event_type},
        )
        return [row[0] for row in found]


async def person(registry: httpx.AsyncClient) -> str:
    response = await registry.post(
        "/api/v1/people",
        json={
            "nik": "6371014506850001",
            "full_name": "Siti Rahmah",
            "birth_date": "1985-06-05",
            "sex": "F",
            "region_code": "63.71.01.1001",
        },
        headers=auth("admin", pii=True),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_a_request_is_followed_through_the_worker_and_back(
    registry: httpx.AsyncClient,
    disaster: httpx.AsyncClient,
    services: Services,
    engine: Any,
    request_log: list[MutableMapping[str, Any]],
) -> None:
    trace_id = uuid.uuid4().hex
    person_id = await person(registry)
    flood = await declare(disaster)
    gudang = await warehouse(disaster, stock={"beras": 10})

    # 1. The officer's request carries a traceparent: the event it publishes carries the trace id.
    given = await disaster.post(
        "/api/v1/distributions",
        json={
            "disaster_id": flood["id"],
            "warehouse_id": gudang["id"],
            "person_id": person_id,
            "items": [{"item_code": "beras", "quantity": 2}],
            "distributed_at": f"{STARTED}T12:00:00+08:00",
        },
        headers={**TAGANA, "traceparent": traceparent(trace_id)},
    )
    assert given.status_code == 201, given.text
    [envelope] = await envelopes(engine, "disaster", "distribution.recorded")
    assert envelope["trace_id"] == trace_id
    event = EventEnvelope.model_validate(envelope)

    # 2. The worker handles it as the runner does (in the batch's trace): every call it makes for
    # this event continues the event's own trace.
    request_log.clear()
    with in_batch_trace([event]):
        for consume in CONSUMERS["distribution.recorded"]:
            await consume(services, [event])
    requests = [line for line in request_log if line["event"] == "request"]
    routes = {line["route"] for line in requests}
    # The registry look-up, the finding reports to the disaster service, the programs feed.
    assert any(r.startswith("/people") for r in routes), routes
    assert any(r.startswith("/findings") for r in routes), routes
    assert any(r.startswith("/feeds/distributions") for r in routes), routes
    assert {line["trace_id"] for line in requests} == {trace_id}
    # Each call is a request of its own, only the trace is shared.
    assert len({line["request_id"] for line in requests}) == len(requests)

    # 3. What a service publishes while answering the worker carries the trace too.
    admin = ServiceClient("registry", registry, lambda: token("admin", pii=True))  # type: ignore[arg-type]
    with in_trace(event):
        created = await admin.request(
            "POST",
            "/api/v1/people",
            json={
                "nik": "6371010101900002",
                "full_name": "Ahmad Fauzi",
                "birth_date": "1990-01-01",
                "sex": "M",
                "region_code": "63.71.01.1001",
            },
        )
    assert created.status_code == 201, created.text
    follow_up = [
        e for e in await envelopes(engine, "registry", "person.created") if e["subject"] != person_id
    ]
    assert [e["trace_id"] for e in follow_up] == [trace_id]


async def test_an_offline_batch_keeps_its_trace_for_each_distribution(
    registry: httpx.AsyncClient,
    disaster: httpx.AsyncClient,
    services: Services,
    engine: Any,
    request_log: list[MutableMapping[str, Any]],
) -> None:
    trace_id = uuid.uuid4().hex
    person_id = await person(registry)
    flood = await declare(disaster)
    gudang = await warehouse(disaster, stock={"beras": 10})
    records = [
        {
            "id": str(uuid.uuid4()),
            "disaster_id": flood["id"],
            "warehouse_id": gudang["id"],
            "person_id": recipient,
            "items": [{"item_code": "beras", "quantity": 1}],
            "distributed_at": f"{STARTED}T12:00:00+08:00",
        }
        for recipient in (person_id, str(uuid.uuid4()))
    ]
    synced = await disaster.post(
        "/api/v1/sync/distributions",
        json={"records": records},
        headers={**TAGANA, "traceparent": traceparent(trace_id)},
    )
    assert synced.status_code == 200, synced.text
    [envelope] = await envelopes(engine, "disaster", "distributions.synced")
    batch = EventEnvelope.model_validate(envelope)
    assert batch.trace_id == trace_id
    assert {e.trace_id for e in disaster_batches.single_events(batch)} == {trace_id}
    request_log.clear()
    with in_batch_trace([batch]):
        for consume in CONSUMERS["distributions.synced"]:
            await consume(services, [batch])
    requests = [line for line in request_log if line["event"] == "request"]
    assert len(requests) >= 2 * 2  # a registry look-up and finding reports for each distribution
    assert {line["trace_id"] for line in requests} == {trace_id}


async def test_a_malformed_or_missing_traceparent_starts_a_trace_of_its_own(
    registry: httpx.AsyncClient, request_log: list[MutableMapping[str, Any]]
) -> None:
    for header in ({"traceparent": "00-not-a-trace-01"}, {"traceparent": f"00-{'0' * 32}-{'1' * 16}-01"}, {}):
        request_log.clear()
        response = await registry.get("/api/v1/people", headers={**auth("admin"), **header})
        assert response.status_code == 200, response.text
        [line] = [entry for entry in request_log if entry["event"] == "request"]
        assert len(line["trace_id"]) == 32 and int(line["trace_id"], 16) != 0
        # Without a traceparent, the request id (ours are W3C-shaped) is the trace id.
        assert line["trace_id"] == response.headers["X-Request-ID"]


def test_the_worker_sends_no_traceparent_for_an_event_without_a_trace() -> None:
    untraced = EventEnvelope(type="person.updated", source="registry", subject="x", payload={})
    with in_trace(untraced):
        assert trace_headers() == {}
    legacy = EventEnvelope(type="person.updated", source="registry", subject="x", payload={}, trace_id="abc")
    with in_trace(legacy):
        assert trace_headers() == {}  # not a W3C trace id: the service starts its own
    traced = untraced.model_copy(update={"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"})
    with in_trace(traced):
        [header] = trace_headers().values()
    version, trace_id, span_id, flags = header.split("-")
    assert (version, trace_id, flags) == ("00", "4bf92f3577b34da6a3ce929d0e0e4736", "01")
    assert len(span_id) == 16


def test_a_batch_of_many_requests_events_belongs_to_no_single_trace() -> None:
    def traced(trace_id: str | None) -> EventEnvelope:
        return EventEnvelope(
            type="person.updated", source="registry", subject="x", payload={}, trace_id=trace_id
        )

    one, other = uuid.uuid4().hex, uuid.uuid4().hex
    with in_batch_trace([traced(one), traced(one)]):
        assert one in trace_headers()["traceparent"]
        with in_trace(traced(other)):  # one event of the batch at a time: its own trace
            assert other in trace_headers()["traceparent"]
        assert one in trace_headers()["traceparent"]
    with in_batch_trace([traced(one), traced(other)]):
        assert trace_headers() == {}
