"""The full reconciliation at province scale: how long does `kessos reconcile` take?

Loads a scratch database (on DATABASE_URL's server, else an embedded one) by SQL COPY with N people
(2% deceased, 1% merged into another record), N distributions of one flood (90% to a registry id,
5% by NIK only, 5% to people the registry does not have) and N/10 panti admissions; starts the three
services and the worker as real processes (tests/support.py `System`); sends one reconciliation
request for the province, as `kessos reconcile --region 63` does; and times it until the worker has
handled every partition job (one per regency, and the province's own records, each in 8 id ranges).
Then checks the findings against what the data says they must be: recipients and clients not in the
registry or deceased, and double receipts (5 kg of rice each time against 2.8 kg a person a week).
Target (issue 7): 1,000,000 people, 1,000,000 distributions and 100,000 admissions in at most 5 min.

    .venv/bin/python -m bench.reconcile_full [--people 1000000] [--distributions 1000000]
        [--admissions 100000] [--workers 1]
"""

import argparse
import asyncio
import os
import platform
import random
import secrets
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from services.prestart import migrate
from services.worker.clients import Services
from services.worker.reconciliation import full
from shared.embedded import EmbeddedPostgres, EmbeddedValkey
from shared.events.queue import Delivery, EventQueue
from shared.settings import KessosSettings
from tests.support import JWT_SECRET, System, create_database, drop_database, server_url

TARGET_SECONDS = 300.0
# Kalimantan Selatan: 13 regencies and cities.
REGENCIES = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "71", "72"]
STARTED = date(2026, 10, 1)


def village(rng: random.Random) -> str:
    return f"63.{rng.choice(REGENCIES)}.{rng.randint(1, 20):02d}.{rng.choice('12')}{rng.randint(1, 30):03d}"


def nik(n: int) -> str:
    return f"63{n:014d}"


async def load(url: str, people: int, distributions: int, admissions: int) -> dict[str, int]:
    """The data, and the findings it must give: counted as it is made."""
    rng = random.Random(7)  # the same data on every run
    now = datetime.now(UTC)
    expected = {"recipient_not_in_registry": 0, "recipient_deceased": 0, "client_not_in_registry": 0}
    expected["client_deceased"] = expected["double_receipt"] = expected["admitted_twice"] = 0
    conn = await asyncpg.connect(url)
    try:
        ids = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(people)]
        rows = []
        for n, person in enumerate(ids):
            roll = rng.random()
            state, died, merged = "active", None, None
            if roll < 0.02:
                state, died = "deceased", STARTED - timedelta(days=rng.randint(1, 400))
            elif roll < 0.03 and n > 0:
                state, merged = "merged", ids[rng.randrange(n)]
            rows.append(
                (
                    person,
                    nik(n),
                    f"Orang {n}",
                    date(1940, 1, 1) + timedelta(days=rng.randint(0, 25000)),
                    rng.choice("MF"),
                    village(rng),
                    state,
                    died,
                    now if state != "active" else None,
                    merged,
                )
            )
        await conn.copy_records_to_table(
            "people",
            schema_name="registry",
            records=rows,
            columns=[
                "id", "nik", "full_name", "birth_date", "sex", "region_code", "status", "died_on",
                "status_changed_at", "merged_into",
            ],
        )  # fmt: skip
        by_id: dict[Any, tuple[Any, ...]] = {r[0]: r for r in rows}

        def survivor(person: uuid.UUID) -> tuple[Any, ...]:
            row = by_id[person]
            while row[6] == "merged":  # merged_into always points to an earlier person: no cycles
                row = by_id[row[9]]
            return row

        disaster = uuid.uuid4()
        await conn.execute(
            "INSERT INTO disaster.disasters (id, name, kind, level, started_on, region_codes) "
            "VALUES ($1, 'Banjir bench', 'banjir', 'province', $2, ARRAY['63'])",
            disaster,
            STARTED,
        )
        warehouses = {r: uuid.uuid4() for r in REGENCIES}
        await conn.executemany(
            "INSERT INTO disaster.warehouses (id, name, region_code) VALUES ($1, $2, $3)",
            [(w, f"Gudang 63.{r}", f"63.{r}.01") for r, w in warehouses.items()],
        )
        handed = datetime(2026, 10, 5, 4, 0, tzinfo=UTC)
        dist_rows, lines = [], []
        # Who received what, by registry person: 5 kg of rice each time, 2.8 kg a person a week (the
        # default entitlement), so two receipts under two entitlement groups are a double receipt.
        pools: dict[Any, list[str]] = {}
        for _ in range(distributions):
            regency = rng.choice(REGENCIES)
            roll = rng.random()
            person_id: uuid.UUID | None
            number: str | None
            if roll < 0.90:
                person_id, number = ids[rng.randrange(people)], None
                found: tuple[Any, ...] | None = survivor(person_id)
            elif roll < 0.95:
                k = rng.randrange(people)
                person_id, number = None, nik(k)
                # By NIK: the record holding it (an unmerged one first; else the merged one, followed).
                found = survivor(ids[k])
            else:
                person_id, number, found = uuid.UUID(int=rng.getrandbits(128)), None, None
            if found is not None:
                pools.setdefault(found[0], []).append(f"person:{person_id}" if person_id else f"nik:{number}")
            if found is None:
                expected["recipient_not_in_registry"] += 1
            elif found[6] == "deceased":
                expected["recipient_deceased"] += 1
            d = uuid.UUID(int=rng.getrandbits(128))
            dist_rows.append(
                (
                    d, disaster, warehouses[regency], person_id, number, "Penerima" if number else None,
                    f"63.{regency}.01", f"person:{person_id}" if person_id else f"nik:{number}",
                    f"tagana-{regency}", handed, "sync",
                )
            )  # fmt: skip
            lines.append((d, "beras", 5))
        expected["double_receipt"] = sum(len(groups) for groups in pools.values() if len(set(groups)) > 1)
        await conn.copy_records_to_table(
            "distributions",
            schema_name="disaster",
            records=dist_rows,
            columns=[
                "id", "disaster_id", "warehouse_id", "person_id", "nik", "full_name", "region_code",
                "entitlement_group", "recorded_by", "distributed_at", "source",
            ],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "distribution_lines",
            schema_name="disaster",
            records=lines,
            columns=["distribution_id", "item_code", "quantity"],
        )

        institutions = {r: uuid.uuid4() for r in REGENCIES}
        await conn.executemany(
            "INSERT INTO programs.institutions (id, name, kind, region_code, capacity) "
            "VALUES ($1, $2, 'lanjut_usia', $3, 100000)",
            [(i, f"PSTW 63.{r}", f"63.{r}.01") for r, i in institutions.items()],
        )
        residents = rng.sample(range(people), admissions)
        admission_rows = []
        stays_of: dict[Any, int] = {}  # registry person (after merges) → active stays: admitted_twice
        for k in residents:
            regency = rng.choice(REGENCIES)
            unknown = rng.random() < 0.02
            person = uuid.UUID(int=rng.getrandbits(128)) if unknown else ids[k]
            if unknown:
                expected["client_not_in_registry"] += 1
            elif survivor(person)[6] == "deceased":
                expected["client_deceased"] += 1
            if not unknown:
                stays_of[survivor(person)[0]] = stays_of.get(survivor(person)[0], 0) + 1
            admission_rows.append(
                (uuid.uuid4(), institutions[regency], person, f"63.{regency}.01", date(2025, 1, 1), "active")
            )
        # A merged duplicate and its survivor both in a panti: each of their stays is a finding.
        expected["admitted_twice"] = sum(n for n in stays_of.values() if n > 1)
        await conn.copy_records_to_table(
            "admissions",
            schema_name="programs",
            records=admission_rows,
            columns=["id", "institution_id", "person_id", "region_code", "admitted_on", "status"],
        )
        for table in ("registry.people", "disaster.distributions", "disaster.distribution_lines"):
            await conn.execute(f"ANALYZE {table}")
        await conn.execute("ANALYZE programs.admissions")
    finally:
        await conn.close()
    return expected


async def findings(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        out: dict[str, int] = {}
        for schema in ("disaster", "programs"):
            for rule, count in await conn.fetch(
                f"SELECT rule, count(*) FROM {schema}.findings WHERE status = 'open' GROUP BY rule"
            ):
                out[rule] = count
        return out
    finally:
        await conn.close()


async def reconcile(system: System) -> tuple[float, int]:
    """One request, as `kessos reconcile --region 63` sends it; the seconds until every partition job
    was handled, and how many partitions there were."""
    settings = KessosSettings(
        jwt_secret=JWT_SECRET,
        registry_url=system.url("registry"),
        programs_url=system.url("programs"),
        disaster_url=system.url("disaster"),
    )
    services = Services.connect(settings)
    parts = await full.partitions(services, "63")
    await services.close()
    queue = await EventQueue.connect(system.redis_url, system.queue_name, 86_400)
    requested = full.request_event("63")
    jobs = [str(e.id) for e in full.partition_events(requested, parts)]
    started = time.perf_counter()
    try:
        await queue.send(requested.model_dump(mode="json"))
        while True:
            await asyncio.sleep(0.5)
            states = await queue.deliveries(jobs)
            failed = [e for e, (state, _) in states.items() if state is Delivery.FAILED]
            if failed:
                raise RuntimeError(f"partitions failed: {[states[e] for e in failed]}")
            if all(state is Delivery.HANDLED for state, _ in states.values()):
                return time.perf_counter() - started, len(parts)
            if time.perf_counter() - started > 1800:
                raise RuntimeError("gave up after 30 min")
    finally:
        await queue.close()


async def main_async(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="kessos-bench-"))
    embedded: list[EmbeddedPostgres | EmbeddedValkey] = []
    db, redis = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if not db:
        pg = EmbeddedPostgres(tmp / "pg")
        db = pg.start()
        embedded.append(pg)
    if not redis:
        valkey = EmbeddedValkey(tmp / "valkey")
        redis = valkey.start()
        embedded.append(valkey)
    admin = server_url(db, "postgres")
    name = f"kessos_bench_{secrets.token_hex(4)}"
    await create_database(admin, name)
    system = System(
        database_url=server_url(db, name),
        redis_url=redis,
        log_dir=tmp,
        extra_env={"KESSOS_WORKER_JOB_TIMEOUT_SECONDS": str(args.job_timeout)} if args.job_timeout else {},
    )
    try:
        await asyncio.to_thread(migrate, system.database_url)
        t0 = time.perf_counter()
        expected = await load(system.database_url, args.people, args.distributions, args.admissions)
        loaded = time.perf_counter() - t0
        system.start()
        for n in range(1, args.workers):  # more workers share the partition jobs
            first = system.processes["worker"]
            system.start_process("worker")
            system.processes[f"worker{n}"], system.processes["worker"] = system.processes["worker"], first
        seconds, partitions = await reconcile(system)
        got = await findings(system.database_url)
    finally:
        system.stop()
        await drop_database(admin, name)
        for server in embedded:
            server.stop()
    verdict = "meets" if seconds <= TARGET_SECONDS else "MISSES"
    records = args.distributions + args.admissions
    print(
        f"\n{datetime.now(UTC):%Y-%m-%d} on {platform.node()} ({os.cpu_count()} cores, {platform.machine()}, "
        f"Python {platform.python_version()}), {'embedded' if embedded else 'machine'} servers\n"
        f"  data: {args.people:,} people, {args.distributions:,} distributions, {args.admissions:,} "
        f"admissions (loaded by COPY in {loaded:.0f} s)\n"
        f"  full reconciliation of province 63, {partitions} partitions, {args.workers} worker(s): "
        f"{seconds:.1f} s ({records / seconds:,.0f} records/s; {verdict} the {TARGET_SECONDS:.0f} s target)\n"
        f"  open findings: {got}\n  expected:      {expected}"
    )
    if got != {k: v for k, v in expected.items() if v}:
        raise SystemExit("the findings differ from what the data says")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--distributions", type=int, default=1_000_000)
    parser.add_argument("--admissions", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--job-timeout", type=int, default=0, help="the worker's job timeout (s); default: the setting's"
    )
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
