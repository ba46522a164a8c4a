"""Registry and disaster events reach the programs service through the real worker: the SPM report,
the mandiri indicator and the Peksos check work from them, and an older event delivered after a
newer one changes nothing. The events are put on the queue directly (as the registry and disaster
services' relays would), so the test does not depend on their emitters."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shared.events import EventEnvelope
from shared.events.queue import Delivery, EventQueue
from tests.e2e.flows import ADMIN
from tests.support import System, eventually

TODAY = datetime.now(UTC).date()
YEAR = TODAY.year
ASSESSED = max(TODAY - timedelta(days=3), TODAY.replace(month=1, day=1))


def envelope(type_: str, source: str, subject: uuid.UUID, payload: dict[str, Any], at: datetime) -> dict:
    return EventEnvelope(
        type=type_, source=source, subject=str(subject), payload=payload, occurred_at=at
    ).model_dump(mode="json")


def assessment(assessment_id: uuid.UUID, person: uuid.UUID, **changes: Any) -> dict[str, Any]:
    return {
        "assessment_id": str(assessment_id),
        "person_id": str(person),
        "ppks_type": "08",
        "status": "active",
        "assessed_on": ASSESSED.isoformat(),
        "resolved_on": None,
        "region_code": "63.71.01.1001",
        "birth_date": "1950-03-02",
        "sex": "F",
        **changes,
    }


async def test_events_feed_reports_indicator_and_peksos(http: httpx.AsyncClient, system: System) -> None:
    api = system.url("programs") + "/api/v1"
    region = "63.71"
    elder, peksos = uuid.uuid4(), uuid.uuid4()
    assessment_id, role_id, victim_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    t0 = datetime.now(UTC)
    queue = await EventQueue.connect(system.redis_url, system.queue_name, 3600)
    try:
        await queue.send(
            envelope(
                "ppks_assessment.recorded", "registry", assessment_id, assessment(assessment_id, elder), t0
            )
        )
        await queue.send(
            envelope(
                "psks_role.recorded",
                "registry",
                role_id,
                {
                    "role_id": str(role_id),
                    "person_id": str(peksos),
                    "psks_type": "01",
                    "region_code": region,
                    "active_from": "2020-01-01",
                    "active_until": None,
                    "status": "active",
                },
                t0,
            )
        )
        await queue.send(
            envelope(
                "victim.registered",
                "disaster",
                victim_id,
                {
                    "victim_id": str(victim_id),
                    "disaster_id": str(uuid.uuid4()),
                    "disaster_level": "province",
                    "person_id": None,
                    "nik": "6371014506850001",
                    "full_name": "Siti Rahmah",
                    "condition": "mengungsi",
                    "region_code": "63.71.01.1001",
                    "registered_at": t0.isoformat(),
                },
                t0,
            )
        )

        async def spm() -> dict[str, dict] | None:
            response = await http.get(
                api + "/reports/spm", params={"year": YEAR, "region": region}, headers=ADMIN
            )
            services = {s["code"]: s for s in response.json()["services"]}
            ready = services["lanjut_usia"]["needing"] == 1 and services["korban_bencana"]["needing"] == 1
            return services if ready else None

        await eventually(spm, timeout=10)

        # The Peksos and the assessment are known here now: the admission checks pass on them.
        panti = await http.post(
            api + "/institutions",
            json={
                "name": "PSTW Budi Sejahtera",
                "kind": "lanjut_usia",
                "region_code": region,
                "capacity": 10,
            },
            headers=ADMIN,
        )
        admitted = await http.post(
            api + f"/institutions/{panti.json()['id']}/admissions",
            json={
                "person_id": str(elder),
                "admitted_on": TODAY.isoformat(),
                "assessment_id": str(assessment_id),
                "peksos_person_id": str(peksos),
            },
            headers=ADMIN,
        )
        assert admitted.status_code == 201, admitted.text
        assert admitted.json()["ppks_type"] == "08"

        indicator = await http.post(
            api + "/indicators",
            json={
                "code": f"MANDIRI-{uuid.uuid4().hex[:6]}",
                "name": "Persentase PPKS yang mandiri",
                "unit": "%",
                "direction": "up",
                "source": "ppks_mandiri",
                "region_code": region,
            },
            headers=ADMIN,
        )
        assert indicator.status_code == 201, indicator.text

        async def mandiri() -> float | None:
            report = (
                await http.get(api + "/reports/indicators", params={"year": YEAR}, headers=ADMIN)
            ).json()
            row = next(i for i in report["indicators"] if i["id"] == indicator.json()["id"])
            return next((q["value"] for q in reversed(row["quarters"]) if q["value"] is not None), None)

        assert await mandiri() == 0.0
        # Resolved as independent (newer), then a stale "active" update arrives late.
        newer = envelope(
            "ppks_assessment.updated",
            "registry",
            assessment_id,
            assessment(assessment_id, elder, status="resolved_independent", resolved_on=TODAY.isoformat()),
            t0 + timedelta(seconds=2),
        )
        older = envelope(
            "ppks_assessment.updated",
            "registry",
            assessment_id,
            assessment(assessment_id, elder),
            t0 + timedelta(seconds=1),
        )
        await queue.send(newer)
        await eventually(lambda: _is(mandiri, 100.0), timeout=10)
        await queue.send(older)
        await eventually(lambda: _handled(queue, older["id"]), timeout=10)
        assert await mandiri() == 100.0
    finally:
        await queue.close()


async def _handled(queue: EventQueue, event_id: str) -> bool:
    return (await queue.deliveries([event_id]))[event_id][0] is Delivery.HANDLED


async def _is(check: Any, expected: float) -> bool:
    return bool(await check() == expected)
