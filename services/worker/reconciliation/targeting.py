"""Targeting runs (issue 10): the programs service asks for a candidate list (`targeting_run.requested`);
the worker computes it here.

1. `POST programs /targeting-runs/{id}/start` gives the rule and clears what a killed earlier attempt
   wrote (a completed run answers 409 and is skipped, so redelivery is harmless);
2. the people enrolled in programs the rule names, from programs;
3. every active person under the run's region, streamed from the registry (NDJSON read in one
   registry transaction, ending with its snapshot time) and evaluated as it arrives with the same
   evaluator programs uses to explain (shared/targeting_rules.py, pure Python);
4. the eligible ranked, quotas applied, and the candidates with their reasons written back in
   batches, then the outcome with the population counts the fairness report compares against.
"""

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import structlog

from services.worker.clients import Services, TransientError
from shared import targeting_rules as rules
from shared.events import EventEnvelope

log = structlog.get_logger()

RUN_REQUESTED = "targeting_run.requested"
BATCH = 5000
# The registry stream of a million people runs for several seconds; a gap this long means it is stuck.
STREAM_TIMEOUT = httpx.Timeout(60.0, connect=3.0)
WRITE_TIMEOUT = httpx.Timeout(60.0, connect=3.0)


class StreamCut(TransientError):
    """The registry stream ended without its trailer: try the whole run again."""


async def registry_people(services: Services, region: str) -> AsyncIterator[list[dict[str, Any]]]:
    """The registry's people in chunks, as records keyed by the stream's field names; the last item
    of the last chunk is the trailer (`snapshot_at`, `count`)."""
    client = services.registry
    # Uncompressed: gzip (the services' default above 1 KB) costs more CPU than a million rows
    # save on the wire between the registry and the worker.
    headers = {"Authorization": f"Bearer {client.token()}", "Accept-Encoding": "identity"}
    fields: tuple[str, ...] = ()
    try:
        async with client.http.stream(
            "GET",
            "/api/v1/targeting/people",
            params={"region": region},
            headers=headers,
            timeout=STREAM_TIMEOUT,
        ) as response:
            if response.status_code >= 500:
                raise TransientError(f"registry answered {response.status_code} to the targeting export")
            if response.status_code >= 400:
                await response.aread()
                response.raise_for_status()
            tail = ""
            async for text in response.aiter_text():
                lines = (tail + text).split("\n")
                tail = lines.pop()
                if not lines:
                    continue
                # One parse per chunk, not per line: a million json.loads calls cost seconds.
                items = json.loads("[" + ",".join(line for line in lines if line) + "]")
                chunk: list[dict[str, Any]] = []
                for item in items:
                    if isinstance(item, list):
                        chunk.append(dict(zip(fields, item, strict=True)))
                    elif "fields" in item:
                        fields = tuple(item["fields"])
                    else:
                        chunk.append(item)  # the trailer
                yield chunk
            if tail.strip():
                raise StreamCut("the registry stream ended in the middle of a line")
    except (httpx.TransportError, httpx.StreamError) as exc:
        raise TransientError(f"registry stream failed: {exc!r}") from exc


def _age_bounds(on: date) -> list[tuple[str, str]]:
    """(latest birth date, group) from the oldest group down: ISO strings compare as dates."""
    return [(rules.born_by(on, low), label) for low, _, label in reversed(rules.AGE_GROUPS)]


def age_group_of(birth_date: str | None, bounds: list[tuple[str, str]]) -> str:
    if not birth_date:
        return "unknown"
    for latest, label in bounds:
        if birth_date <= latest:
            return label
    return "unknown"  # born after the reference day


async def _enrolled(services: Services, condition: dict[str, Any]) -> dict[str, frozenset[str]]:
    """person id → the programs (of those the rule names) they are enrolled in."""
    named = sorted(rules.programs_named(condition))
    if not named:
        return {}
    body = await services.programs.get_json("/api/v1/targeting/enrolled", program_id=named)
    by_person: dict[str, set[str]] = {}
    for program_id, people in (body or {}).get("programs", {}).items():
        for person_id in people:
            by_person.setdefault(person_id, set()).add(program_id)
    return {p: frozenset(s) for p, s in by_person.items()}


async def compute(services: Services, spec: dict[str, Any]) -> dict[str, Any]:
    """Evaluate, rank and store one run's candidates; the outcome to report."""
    started = time.monotonic()
    on = date.fromisoformat(spec["age_on"])
    condition = spec["condition"]
    qualifies = rules.compile_condition(condition, on)
    enrolled = await _enrolled(services, condition)
    nothing: frozenset[str] = frozenset()
    bounds = _age_bounds(on)
    cells: dict[tuple[str, str | None, str], list[int]] = {}
    eligible: list[dict[str, Any]] = []
    trailer: dict[str, Any] | None = None
    scanned = 0
    async for chunk in registry_people(services, spec["region_code"]):
        for person in chunk:
            if "id" not in person:
                trailer = person
                continue
            scanned += 1
            ok = qualifies(person, enrolled.get(person["id"], nothing))
            key = (
                (person.get("region") or "")[:8],
                person.get("sex"),
                age_group_of(person.get("birth_date"), bounds),
            )
            cell = cells.get(key)
            if cell is None:
                cell = cells[key] = [0, 0]
            cell[0] += 1
            if ok:
                cell[1] += 1
                eligible.append(person)
    if trailer is None or trailer.get("count") != scanned:
        raise StreamCut(f"registry stream ended after {scanned} people without a matching trailer")
    read_at = time.monotonic()
    chosen, over = rules.rank(eligible, spec["priority"], spec["quota"], on)
    run_id = spec["run_id"]
    explain = rules.Explainer(condition, on)

    async def send(batch: list[dict[str, Any]]) -> None:
        response = await services.programs.request(
            "POST",
            f"/api/v1/targeting-runs/{run_id}/candidate-batches",
            json={"candidates": batch},
            timeout=WRITE_TIMEOUT,
        )
        response.raise_for_status()

    # One batch in flight while the next is explained: programs stores one as the worker builds another.
    in_flight: asyncio.Task[None] | None = None
    try:
        for start in range(0, len(chosen), BATCH):
            batch = []
            for rank, person in enumerate(chosen[start : start + BATCH], start + 1):
                _, reasons = explain(person, enrolled.get(person["id"], nothing))
                batch.append(
                    {
                        "person_id": person["id"],
                        "rank": rank,
                        "region_code": person["region"],
                        "sex": person.get("sex"),
                        "age_group": age_group_of(person.get("birth_date"), bounds),
                        "welfare_decile": person.get("decile"),
                        "reasons": rules.compact(reasons),
                    }
                )
            if in_flight is not None:
                await in_flight
            in_flight = asyncio.create_task(send(batch))
        if in_flight is not None:
            await in_flight
    finally:
        if in_flight is not None and not in_flight.done():
            in_flight.cancel()
    log.info(
        "targeting_run_timings",
        run_id=run_id,
        read_and_evaluate=round(read_at - started, 2),
        rank_and_write=round(time.monotonic() - read_at, 2),
    )
    return {
        "status": "completed",
        "snapshot_at": trailer["snapshot_at"],
        "people_scanned": scanned,
        "eligible_count": len(eligible),
        "over_quota_count": len(over),
        "candidate_count": len(chosen),
        "population": [[d, s, a, n[0], n[1]] for (d, s, a), n in sorted(cells.items(), key=str)],
    }


async def run_targeting(services: Services, run_id: str) -> None:
    started = time.monotonic()
    response = await services.programs.request("POST", f"/api/v1/targeting-runs/{run_id}/start")
    if response.status_code in (404, 409):  # gone, or computed by an earlier delivery
        log.info("targeting_run_skipped", run_id=run_id, status=response.status_code)
        return
    response.raise_for_status()
    spec = response.json()
    try:
        outcome = await compute(services, spec)
    except TransientError:
        raise
    except Exception as exc:  # a fault of this run (not of the transport): record it where officers look
        log.exception("targeting_run_failed", run_id=run_id)
        outcome = {"status": "failed", "error": f"{exc.__class__.__name__}: {exc}"[:2000]}
    response = await services.programs.request(
        "POST", f"/api/v1/targeting-runs/{run_id}/outcome", json=outcome, timeout=WRITE_TIMEOUT
    )
    if response.status_code == 409:  # another delivery finished it meanwhile
        return
    response.raise_for_status()
    log.info(
        "targeting_run_done",
        run_id=run_id,
        status=outcome["status"],
        people=outcome.get("people_scanned"),
        eligible=outcome.get("eligible_count"),
        candidates=outcome.get("candidate_count"),
        seconds=round(time.monotonic() - started, 2),
    )


async def on_run_requested(services: Services, events: list[EventEnvelope]) -> None:
    """Runs one after the other: each reads a whole region of the registry."""
    for run_id in dict.fromkeys(str(uuid.UUID(str(e.payload["run_id"]))) for e in events):
        await run_targeting(services, run_id)


CONSUMERS = {RUN_REQUESTED: on_run_requested}
