"""Targeting run speed (issue 10): a five-condition rule over 1,000,000 registry people, end to end.

    .venv/bin/python -m bench.targeting [--people 1000000] [--repeat 2]

On DATABASE_URL / REDIS_URL when set (else embedded servers), in a scratch database created and
dropped here. Loads the registry by COPY (people in households of one to seven, with deciles, birth
dates, sexes, disabilities, household relationships and PPKS assessments for one in five), starts
the registry and programs services as real processes (`kessos serve`), creates a program and its
rule over the API, requests a run, and hands the run's event to the real worker consumer
(services/worker/reconciliation/targeting.py) over HTTP, as the worker would. Timed from the
request to the run's `completed`, and apart: the registry's NDJSON stream alone.

The rule (Sekolah Rakyat: poor children of the family, not yet in another program):
welfare_decile <= 2, age 6-17, relationship = child (3), region within 63, not enrolled in another
program. Target: within 30 s.
"""

import argparse
import asyncio
import os
import random
import secrets
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from redis import Redis

from bench.registry_import import JWT_SECRET, Scratch, machine, scratch_database
from services.worker.clients import ServiceClient, Services, ServiceToken
from services.worker.reconciliation import targeting
from shared.auth import mint_token
from shared.embedded import free_port
from shared.events import EventEnvelope
from shared.settings import KessosSettings
from tests.support import REPO

TARGET_SECONDS = 30.0
REGENCIES = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "71", "72"]
TODAY = date(2026, 11, 23)
PEOPLE_COLUMNS = [
    "id",
    "full_name",
    "birth_date",
    "sex",
    "region_code",
    "welfare_decile",
    "disability_status",
    "status",
    "created_at",
    "updated_at",
]


def village(rng: random.Random) -> str:
    return f"63.{rng.choice(REGENCIES)}.{rng.randint(1, 20):02d}.{rng.choice('12')}{rng.randint(1, 30):03d}"


def born(rng: random.Random, low: int, high: int) -> date:
    return TODAY - timedelta(days=rng.randint(low * 365, high * 365 + 364))


async def load(url: str, people: int) -> dict[str, int]:
    """The registry as a DTSEN extract looks: households, their members, a PPKS assessment for some."""
    rng = random.Random(10)  # the same data on every run
    now = datetime.now(UTC)
    person_rows: list[tuple[Any, ...]] = []
    household_rows: list[tuple[Any, ...]] = []
    member_rows: list[tuple[Any, ...]] = []
    ppks_rows: list[tuple[Any, ...]] = []
    while len(person_rows) < people:
        household = uuid.UUID(int=rng.getrandbits(128))
        region = village(rng)
        decile = rng.randint(1, 10)
        household_rows.append((household, f"63{len(household_rows):014d}", region))
        size = min(rng.choice((1, 2, 3, 3, 4, 4, 4, 5, 5, 6, 7)), people - len(person_rows))
        for position in range(size):
            if position == 0:
                relationship, birth, sex = "1", born(rng, 25, 85), rng.choice("MMMF")
            elif position == 1:
                relationship, birth, sex = "2", born(rng, 22, 80), rng.choice("FFFM")
            else:
                relationship, birth, sex = "3", born(rng, 0, 25), rng.choice("MF")
            person = uuid.UUID(int=rng.getrandbits(128))
            disability = (
                rng.choice(("tuna netra", "tuna daksa", "tuna rungu")) if rng.random() < 0.03 else None
            )
            person_rows.append((person, "Warga", birth, sex, region, decile, disability, "active", now, now))
            member_rows.append(
                (uuid.UUID(int=rng.getrandbits(128)), household, person, relationship, date(2020, 1, 1))
            )
            if rng.random() < 0.2:
                age = (TODAY - birth).days // 365
                ppks_type = "08" if age >= 60 else "02" if age < 18 else rng.choice(("23", "24", "24", "09"))
                status = "active" if rng.random() < 0.8 else "resolved_independent"
                assessed = TODAY - timedelta(days=rng.randint(30, 2000))
                ppks_rows.append(
                    (
                        uuid.UUID(int=rng.getrandbits(128)),
                        person,
                        ppks_type,
                        region,
                        assessed,
                        "bench",
                        status,
                    )
                )
    conn = await asyncpg.connect(url)
    try:
        await conn.copy_records_to_table(
            "people",
            schema_name="registry",
            records=person_rows,
            columns=PEOPLE_COLUMNS,
        )
        await conn.copy_records_to_table(
            "households",
            schema_name="registry",
            records=household_rows,
            columns=["id", "kk_number", "region_code"],
        )
        await conn.copy_records_to_table(
            "household_members",
            schema_name="registry",
            records=member_rows,
            columns=["id", "household_id", "person_id", "relationship", "joined_on"],
        )
        await conn.copy_records_to_table(
            "ppks_assessments",
            schema_name="registry",
            records=ppks_rows,
            columns=["id", "person_id", "ppks_type", "region_code", "assessed_on", "assessor", "status"],
        )
        for table in ("people", "households", "household_members", "ppks_assessments"):
            await conn.execute(f"ANALYZE registry.{table}")
    finally:
        await conn.close()
    return {"people": len(person_rows), "households": len(household_rows), "ppks_assessments": len(ppks_rows)}


class Service:
    """One Kessos service as a real uvicorn process on a free port."""

    def __init__(self, name: str, scratch: Scratch, queue: str):
        self.name, self.port = name, free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("KESSOS_")}
        env.update(
            DATABASE_URL=scratch.url,
            REDIS_URL=scratch.redis_url,
            KESSOS_JWT_SECRET=JWT_SECRET,
            KESSOS_LOG_LEVEL="WARNING",
            KESSOS_QUEUE_NAME=queue,
            KESSOS_DATA_DIR=str(scratch.tmp / "data"),
        )
        log = (scratch.tmp / f"{name}.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "serve", name, "--port", str(self.port)],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=log,
        )
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, scratch: Scratch) -> None:
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {scratch.tmp}")
            try:
                if httpx.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not become ready")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


PROVINCE = {
    "Authorization": "Bearer "
    + mint_token(JWT_SECRET, sub="bench-province", roles=["provincial_officer"], regions=["63"])
}


def sekolah_rakyat(other_program: str) -> dict[str, Any]:
    return {
        "description": "Sekolah Rakyat: anak keluarga desil 1-2",
        "condition": {
            "all": [
                {"attribute": "welfare_decile", "op": "lte", "value": 2},
                {"attribute": "age", "op": "between", "value": [6, 17]},
                {"attribute": "relationship", "op": "eq", "value": "3"},
                {"attribute": "region", "op": "within", "value": ["63"]},
                {"not": {"attribute": "enrolled_in", "op": "any", "value": [other_program]}},
            ]
        },
        "priority": ["welfare_decile", "age_desc"],
        "age_on": TODAY.isoformat(),
        "effective_from": f"{TODAY.year}-01-01",
    }


async def new_program(client: httpx.AsyncClient, code: str) -> str:
    response = await client.post(
        "/api/v1/programs",
        json={
            "code": code,
            "name": "Sekolah Rakyat",
            "area": "perlindungan_jaminan_sosial",
            "year": TODAY.year,
            "funding_source": "APBD",
            "region_code": "63",
            "budget": 10_000_000_000,
        },
        headers=PROVINCE,
    )
    response.raise_for_status()
    program_id: str = response.json()["id"]
    return program_id


async def stream_only(services: Services) -> tuple[float, int]:
    started, count = time.perf_counter(), 0
    async for chunk in targeting.registry_people(services, "63"):
        count += len(chunk)
    return time.perf_counter() - started, count - 1


async def one_run(
    programs: httpx.AsyncClient, services: Services, url: str, program_id: str
) -> dict[str, Any]:
    started = time.perf_counter()
    requested = await programs.post(
        f"/api/v1/programs/{program_id}/targeting-runs", json={}, headers=PROVINCE
    )
    requested.raise_for_status()
    run_id = requested.json()["id"]
    conn = await asyncpg.connect(url)
    try:
        envelope = await conn.fetchval(
            "SELECT envelope FROM programs.outbox WHERE type = 'targeting_run.requested' "
            "AND envelope->'payload'->>'run_id' = $1",
            run_id,
        )
    finally:
        await conn.close()
    event = (
        EventEnvelope.model_validate_json(envelope)
        if isinstance(envelope, str)
        else EventEnvelope.model_validate(envelope)
    )
    await targeting.on_run_requested(services, [event])
    run = (await programs.get(f"/api/v1/targeting-runs/{run_id}", headers=PROVINCE)).json()
    run["seconds"] = time.perf_counter() - started
    return run


async def main_async(args: argparse.Namespace, scratch: Scratch) -> int:
    started = time.perf_counter()
    loaded = await load(scratch.url, args.people)
    print(f"loaded {loaded} in {time.perf_counter() - started:.1f} s")
    queue = f"kessos:bench:{secrets.token_hex(4)}"
    registry, programs_service = Service("registry", scratch, queue), Service("programs", scratch, queue)
    try:
        registry.wait_ready(scratch)
        programs_service.wait_ready(scratch)
        settings = KessosSettings(jwt_secret=JWT_SECRET)
        token = ServiceToken(settings)
        timeout = httpx.Timeout(60.0, connect=3.0)
        async with (
            httpx.AsyncClient(base_url=registry.url, timeout=timeout) as registry_http,
            httpx.AsyncClient(base_url=programs_service.url, timeout=timeout) as programs_http,
        ):
            services = Services(
                registry=ServiceClient("registry", registry_http, token),
                programs=ServiceClient("programs", programs_http, token),
                disaster=ServiceClient("disaster", programs_http, token),  # not used by targeting
            )
            other = await new_program(programs_http, "other")
            program_id = await new_program(programs_http, "sekolah-rakyat")
            rule = await programs_http.post(
                f"/api/v1/programs/{program_id}/targeting-rules",
                json=sekolah_rakyat(other),
                headers=PROVINCE,
            )
            rule.raise_for_status()
            seconds, streamed = await stream_only(services)
            print(f"registry NDJSON stream alone: {streamed:,} people in {seconds:.1f} s")
            worst = 0.0
            for attempt in range(1, args.repeat + 1):
                run = await one_run(programs_http, services, scratch.url, program_id)
                worst = max(worst, run["seconds"])
                print(
                    f"run {attempt}: {run['status']}, {run['people_scanned']:,} people scanned, "
                    f"{run['eligible_count']:,} eligible, {run['candidate_count']:,} candidates, "
                    f"{run['seconds']:.1f} s end to end (request to completed)"
                )
                if run["status"] != "completed":
                    print(f"run failed: {run.get('error')}")
                    return 1
            verdict = "PASS" if worst <= TARGET_SECONDS else "FAIL"
            print(f"target {TARGET_SECONDS:.0f} s, worst {worst:.1f} s: {verdict}")
            return 0 if verdict == "PASS" else 1
    finally:
        registry.stop()
        programs_service.stop()
        redis = Redis.from_url(scratch.redis_url)
        try:
            jobs: list[bytes] = redis.zrange(queue, 0, -1)  # type: ignore[assignment]
            redis.delete(queue, *[b"arq:job:" + j for j in jobs])
        finally:
            redis.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    print(machine())
    with scratch_database() as scratch:
        return asyncio.run(main_async(args, scratch))


if __name__ == "__main__":
    sys.exit(main())
