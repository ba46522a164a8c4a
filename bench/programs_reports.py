"""SPM and indicator report latency at province scale.

Loads a scratch database (on DATABASE_URL's server, else an embedded one) by SQL COPY with
1,000,000 people's worth of registry assessment projections, 100,000 panti admissions with their
basic needs, 50,000 disaster victims and their relief, PSKS roles and indicators; starts the
programs service as a real uvicorn process; and times GET /api/v1/reports/spm and
/api/v1/reports/indicators as JSON, CSV and XLSX over HTTP, for the whole province (the largest
answer) and for one regency. Target: every answer under 2 s.

    .venv/bin/python -m bench.programs_reports [--people 1000000] [--admissions 100000] [--runs 5]
"""

import argparse
import asyncio
import os
import platform
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx

from services.prestart import migrate
from shared.auth import mint_token
from shared.embedded import EmbeddedPostgres, EmbeddedValkey, free_port
from tests.support import REPO, create_database, drop_database, server_url

TARGET_SECONDS = 2.0
YEAR = 2026
SECRET = "bench-secret-" + "x" * 40
# Kalimantan Selatan: 13 regencies and cities.
REGENCIES = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "71", "72"]
KINDS = ["anak", "lanjut_usia", "disabilitas", "gelandangan_pengemis", "other"]
KIND_TYPES = {
    "anak": ["01", "02", "03", "04", "06", "07"],
    "lanjut_usia": ["08"],
    "disabilitas": ["05", "09"],
    "gelandangan_pengemis": ["11", "12"],
    "other": ["24", "25"],
}
NEEDS = [
    "housing",
    "food",
    "clothing",
    "civil_documents",
    "education_basic_health",
    "self_care",
    "skills",
    "return_home",
]


def village(rng: random.Random) -> str:
    return f"63.{rng.choice(REGENCIES)}.{rng.randint(1, 20):02d}.{rng.choice('12')}{rng.randint(1, 30):03d}"


def day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


async def load(url: str, people: int, admissions: int) -> dict[str, int]:
    rng = random.Random(5)  # the same data on every run
    now = datetime.now(UTC)
    conn = await asyncpg.connect(url)
    counts: dict[str, int] = {}
    try:
        person_ids = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(people)]
        rows = []
        for i, person in enumerate(person_ids):
            for _ in range(2 if i % 10 == 0 else 1):  # one in ten has a second assessment
                assessed = day(rng, date(2019, 1, 1), date(YEAR, 11, 1))
                roll = rng.random()
                status, resolved = "active", None
                if roll < 0.3:
                    status = "resolved_independent" if roll < 0.15 else "resolved_other"
                    resolved = day(rng, assessed, date(YEAR, 11, 15))
                born = day(rng, date(1930, 1, 1), date(2024, 1, 1))
                rows.append(
                    (
                        uuid.UUID(int=rng.getrandbits(128)),
                        person,
                        f"{rng.randint(1, 26):02d}",
                        status,
                        assessed,
                        resolved,
                        village(rng),
                        born,
                        rng.choice("MF"),
                        now,
                        now,
                    )
                )
        await conn.copy_records_to_table(
            "ppks_assessments",
            schema_name="programs",
            records=rows,
            columns=[
                "assessment_id",
                "person_id",
                "ppks_type",
                "status",
                "assessed_on",
                "resolved_on",
                "region_code",
                "birth_date",
                "sex",
                "event_occurred_at",
                "updated_at",
            ],
        )
        counts["ppks_assessments"] = len(rows)
        # What the feed keeps per event (feeds/service.py), done once for the bulk load.
        await conn.execute(
            "UPDATE programs.ppks_assessments SET person_multiple = true WHERE person_id IN "
            "(SELECT person_id FROM programs.ppks_assessments GROUP BY person_id HAVING count(*) > 1)"
        )

        roles = [
            (
                uuid.uuid4(),
                uuid.uuid4(),
                f"{rng.randint(1, 12):02d}" if i % 5 else "01",
                f"63.{rng.choice(REGENCIES)}",
                date(2020, 1, 1),
                None,
                "active",
                now,
                now,
            )
            for i in range(3000)
        ]
        await conn.copy_records_to_table(
            "psks_roles",
            schema_name="programs",
            records=roles,
            columns=[
                "role_id",
                "person_id",
                "psks_type",
                "region_code",
                "active_from",
                "active_until",
                "status",
                "event_occurred_at",
                "updated_at",
            ],
        )
        counts["psks_roles"] = len(roles)

        disasters = [(uuid.uuid4(), rng.choice(["province", "regency"])) for _ in range(40)]
        victims, receipts = [], []
        for _ in range(50_000):
            disaster_id, level = rng.choice(disasters)
            person = rng.choice(person_ids) if rng.random() < 0.6 else None
            nik = None if person else f"6371{rng.randint(10**11, 10**12 - 1)}"
            at = datetime(YEAR, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 300 * 24 * 60))
            victims.append(
                (
                    uuid.uuid4(),
                    disaster_id,
                    level,
                    person,
                    nik,
                    rng.choice(["meninggal", "hilang", "luka", "mengungsi", "terdampak", "terdampak"]),
                    village(rng),
                    at,
                    now,
                    now,
                )
            )
            if rng.random() < 0.8:
                receipts.append((uuid.uuid4(), disaster_id, person, nik, at + timedelta(hours=6), now))
        await conn.copy_records_to_table(
            "disaster_victims",
            schema_name="programs",
            records=victims,
            columns=[
                "victim_id",
                "disaster_id",
                "disaster_level",
                "person_id",
                "nik",
                "condition",
                "region_code",
                "registered_at",
                "event_occurred_at",
                "updated_at",
            ],
        )
        await conn.copy_records_to_table(
            "relief_receipts",
            schema_name="programs",
            records=receipts,
            columns=[
                "distribution_id",
                "disaster_id",
                "person_id",
                "nik",
                "distributed_at",
                "event_occurred_at",
            ],
        )
        counts["disaster_victims"], counts["relief_receipts"] = len(victims), len(receipts)

        institutions = [
            (
                uuid.uuid4(),
                f"Panti {i}",
                KINDS[i % len(KINDS)],
                f"63.{REGENCIES[i % len(REGENCIES)]}.01",
                1000,
                "UPTD",
                now,
            )
            for i in range(200)
        ]
        await conn.copy_records_to_table(
            "institutions",
            schema_name="programs",
            records=institutions,
            columns=["id", "name", "kind", "region_code", "capacity", "operator", "created_at"],
        )
        peksos = [r[1] for r in roles if r[2] == "01"]
        stays, needs = [], []
        residents = rng.sample(person_ids, admissions)
        for n, person in enumerate(residents):
            institution_id, _, kind, region, *_ = institutions[n % len(institutions)]
            admitted = day(rng, date(2022, 1, 1), date(YEAR, 10, 1))
            discharged = day(rng, admitted, date(YEAR, 11, 1)) if rng.random() < 0.4 else None
            stay_id = uuid.uuid4()
            stays.append(
                (
                    stay_id,
                    institution_id,
                    person,
                    region,
                    admitted,
                    "discharged" if discharged else "active",
                    discharged,
                    "returned_to_family" if discharged else None,
                    rng.choice(KIND_TYPES[kind]) if rng.random() < 0.7 else None,
                    rng.choice(peksos) if rng.random() < 0.8 else None,
                    now,
                )
            )
            last = discharged or date(YEAR, 11, 15)
            for need in rng.sample(NEEDS, rng.randint(1, len(NEEDS))):
                needs.append((uuid.uuid4(), stay_id, need, day(rng, admitted, last), "bench", now))
        await conn.copy_records_to_table(
            "admissions",
            schema_name="programs",
            records=stays,
            columns=[
                "id",
                "institution_id",
                "person_id",
                "region_code",
                "admitted_on",
                "status",
                "discharged_on",
                "discharge_outcome",
                "ppks_type",
                "peksos_person_id",
                "created_at",
            ],
        )
        await conn.copy_records_to_table(
            "basic_needs_met",
            schema_name="programs",
            records=needs,
            columns=["id", "admission_id", "need", "met_on", "recorded_by", "created_at"],
        )
        counts["admissions"], counts["basic_needs_met"] = len(stays), len(needs)

        indicators, targets, realisations = [], [], []
        for i in range(40):
            indicator_id = uuid.uuid4()
            source = "ppks_mandiri" if i < 2 else "manual"
            region = "63" if i % 2 == 0 else f"63.{REGENCIES[i % len(REGENCIES)]}"
            indicators.append(
                (indicator_id, f"IND-{i:02d}", f"Indikator {i}", "%", "up", source, region, now)
            )
            targets.append((indicator_id, YEAR, 20.29 if i == 0 else rng.randint(10, 90), "bench", now))
            if source == "manual":
                for q in range(1, 4):
                    realisations.append(
                        (indicator_id, YEAR, q, rng.randint(5, 95), "Laporan triwulan", "bench", now)
                    )
        await conn.copy_records_to_table(
            "indicators",
            schema_name="programs",
            records=indicators,
            columns=["id", "code", "name", "unit", "direction", "source", "region_code", "created_at"],
        )
        await conn.copy_records_to_table(
            "indicator_targets",
            schema_name="programs",
            records=targets,
            columns=["indicator_id", "year", "target", "updated_by", "updated_at"],
        )
        await conn.copy_records_to_table(
            "indicator_realisations",
            schema_name="programs",
            records=realisations,
            columns=["indicator_id", "year", "quarter", "value", "evidence", "recorded_by", "recorded_at"],
        )
        counts["indicators"] = len(indicators)
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return counts


def start_service(database_url: str, redis_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KESSOS_")}
    env.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "KESSOS_JWT_SECRET": SECRET,
            "KESSOS_QUEUE_NAME": f"kessos:bench:{secrets.token_hex(4)}",
            "KESSOS_LOG_LEVEL": "WARNING",
        }
    )
    out = open(log, "ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "serve", "programs", "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=out,
        stderr=out,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the programs service exited; see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the programs service did not start")


async def measure(base: str, runs: int) -> list[tuple[str, str, str, float, float, int]]:
    scopes = {
        "province (admin)": mint_token(SECRET, sub="bench", roles=["admin"]),
        "regency 63.71": mint_token(SECRET, sub="bench", roles=["regency_officer"], regions=["63.71"]),
    }
    results = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        for scope, token in scopes.items():
            headers = {"Authorization": f"Bearer {token}"}
            for path in ("/api/v1/reports/spm", "/api/v1/reports/indicators"):
                for fmt in ("json", "csv", "xlsx"):
                    params = {"year": YEAR, "format": fmt}
                    warm = await http.get(path, params=params, headers=headers)
                    assert warm.status_code == 200, warm.text
                    times = []
                    for _ in range(runs):
                        started = time.perf_counter()
                        response = await http.get(path, params=params, headers=headers)
                        times.append(time.perf_counter() - started)
                        assert response.status_code == 200
                    results.append(
                        (scope, path, fmt, statistics.median(times), max(times), len(response.content))
                    )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--admissions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--reuse", metavar="DATABASE", help="time against a database kept by an earlier --keep"
    )
    args = parser.parse_args()

    started: list[EmbeddedPostgres | EmbeddedValkey] = []
    tmp = Path(tempfile.mkdtemp(prefix="kessos-bench-"))
    db, redis = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if not db:
        pg = EmbeddedPostgres(tmp / "postgres")
        db = pg.start()
        started.append(pg)
    if not redis:
        valkey = EmbeddedValkey(tmp / "valkey")
        redis = valkey.start()
        started.append(valkey)
    admin = server_url(db, "postgres")
    name = f"kessos_bench_{secrets.token_hex(4)}"
    asyncio.run(create_database(admin, name))
    url = server_url(db, name)
    proc = None
    try:
        migrate(url)
        t0 = time.perf_counter()
        counts = asyncio.run(
            load(url.replace("postgresql+asyncpg://", "postgresql://"), args.people, args.admissions)
        )
        print(f"loaded in {time.perf_counter() - t0:.0f} s: {counts}")
        port = free_port()
        proc = start_service(url, redis, port, tmp / "programs.log")
        load_before = os.getloadavg()[0]
        results = asyncio.run(measure(f"http://127.0.0.1:{port}", args.runs))
        load_after = os.getloadavg()[0]
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=15)
        if not (args.keep or args.reuse):
            asyncio.run(drop_database(admin, name))
        for server in started:
            server.stop()

    print(
        f"\nmachine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; date: {datetime.now(UTC):%Y-%m-%d}; runs per row: {args.runs}; "
        f"load average (1 min) {load_before:.1f} before, {load_after:.1f} after"
    )
    print("| scope | report | format | median s | max s | bytes |")
    print("|---|---|---|---|---|---|")
    worst = 0.0
    for scope, path, fmt, median, peak, size in results:
        worst = max(worst, peak)
        print(f"| {scope} | {path} | {fmt} | {median:.3f} | {peak:.3f} | {size} |")
    verdict = "PASS" if worst < TARGET_SECONDS else "FAIL"
    print(f"\nslowest answer {worst:.3f} s; target < {TARGET_SECONDS} s: {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
