"""Offline sync: how long does a batch of 10,000 records take, first sent and sent again?

Starts the disaster service as a real process (on DATABASE_URL / REDIS_URL when set, else on embedded
servers), then over HTTP: a flood, four stocked warehouses, and
  1. POST /sync/victims with N victims (households of four), then the same batch again;
  2. POST /sync/distributions with N distributions to those victims and households, every record
     checked (scope, stock, entitlements: a family kit per household, drinking water per person per
     week), then the same batch again.
The target (issue 6): a batch of 10,000 records handled in at most 10 s, on the 2-core machine.

    .venv/bin/python -m bench.disaster_sync [--count 10000] [--repeat 1]
"""

import argparse
import asyncio
import os
import platform
import secrets
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from services.prestart import migrate
from shared import clock
from shared.embedded import EmbeddedPostgres, EmbeddedValkey, free_port
from tests.support import System, auth, create_database, drop_database, server_url

TARGET_SECONDS = 10.0
ADMIN = auth("admin", pii=True)


async def _post(http: httpx.AsyncClient, path: str, body: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    response = await http.post(path, json=body, headers=ADMIN)
    elapsed = time.perf_counter() - started
    assert response.status_code in (200, 201), response.text[:2000]
    result: dict[str, Any] = response.json()
    return elapsed, result


async def run(count: int, repeat: int, base: str) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {"victims": [], "victims again": [], "distributions": [], "again": []}
    async with httpx.AsyncClient(base_url=base + "/api/v1", timeout=120) as http:
        for _ in range(repeat):
            started = clock.today() - timedelta(days=3)
            _, flood = await _post(
                http,
                "/disasters",
                {
                    "name": f"Banjir bench {uuid.uuid4().hex[:6]}",
                    "kind": "banjir",
                    "level": "province",
                    "started_on": started.isoformat(),
                    "region_codes": ["63"],
                },
            )
            warehouses = []
            for n in range(4):
                _, w = await _post(
                    http, "/warehouses", {"name": f"Gudang {n}", "region_code": f"63.71.0{n + 1}"}
                )
                for item, quantity in (("paket_keluarga", count), ("air_minum", count * 10)):
                    await _post(
                        http, f"/warehouses/{w['id']}/receipts", {"item_code": item, "quantity": quantity}
                    )
                warehouses.append(w["id"])

            registered_at = datetime.now(UTC) - timedelta(days=1)
            households = [str(uuid.uuid4()) for _ in range(count // 4)]
            victims = [
                {
                    "id": str(uuid.uuid4()),
                    "disaster_id": flood["id"],
                    "full_name": f"Korban {n}",
                    "sex": "F" if n % 2 else "M",
                    "nik": f"637101{(n % 28) + 1:02d}0190{n:04d}"[:16] if n % 3 == 0 else None,
                    "birth_date": (date(1990, 1, 1) + timedelta(days=n)).isoformat() if n % 2 else None,
                    "condition": "mengungsi",
                    "household_id": households[n // 4] if n // 4 < len(households) else None,
                    "region_code": f"63.71.0{(n % 4) + 1}.1001",
                    "registered_at": registered_at.isoformat(),
                }
                for n in range(count)
            ]
            seconds, result = await _post(http, "/sync/victims", {"records": victims})
            assert result["created"] == count, {k: v for k, v in result.items() if k != "results"}
            timings["victims"].append(seconds)
            seconds, result = await _post(http, "/sync/victims", {"records": victims})
            assert result["already_had"] == count
            timings["victims again"].append(seconds)

            handed = (datetime.now(UTC) - timedelta(hours=6)).isoformat()
            records = []
            for n in range(count):
                record: dict[str, Any] = {
                    "id": str(uuid.uuid4()),
                    "disaster_id": flood["id"],
                    "warehouse_id": warehouses[n % 4],
                    "distributed_at": handed,
                }
                if n < len(households):  # one family kit per household
                    record |= {
                        "household_id": households[n],
                        "items": [{"item_code": "paket_keluarga", "quantity": 1}],
                    }
                else:  # drinking water to each person: 5 L, within 17.5 L a week
                    record |= {
                        "victim_id": victims[n]["id"],
                        "items": [{"item_code": "air_minum", "quantity": 5}],
                    }
                records.append(record)
            seconds, result = await _post(http, "/sync/distributions", {"records": records})
            assert result["created"] == count, {k: v for k, v in result.items() if k != "results"}
            timings["distributions"].append(seconds)
            seconds, result = await _post(http, "/sync/distributions", {"records": records})
            assert result["already_had"] == count
            timings["again"].append(seconds)
    return timings


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
    # The disaster service alone (its outbox relay included): the worker is not part of the sync.
    system = System(database_url=server_url(db, name), redis_url=redis, log_dir=tmp)
    try:
        await asyncio.to_thread(migrate, system.database_url)
        system.ports = {"disaster": free_port()}
        system.start_process("disaster")
        system.wait_healthy()
        timings = await run(args.count, args.repeat, system.url("disaster"))
    finally:
        system.stop()
        await drop_database(admin, name)
        for server in embedded:
            server.stop()

    def line(label: str, values: list[float]) -> str:
        worst = max(values)
        verdict = "meets" if worst <= TARGET_SECONDS else "MISSES"
        return (
            f"  {label:<28} median {statistics.median(values):6.2f} s, worst {worst:6.2f} s "
            f"({args.count / statistics.median(values):,.0f} records/s; "
            f"{verdict} the {TARGET_SECONDS:.0f} s target)"
        )

    print(
        f"\n{datetime.now(UTC):%Y-%m-%d} on {platform.node()} ({os.cpu_count()} cores, {platform.machine()}, "
        f"Python {platform.python_version()}), {'embedded' if embedded else 'machine'} servers; "
        f"{args.count:,} records per batch, {args.repeat} run(s)\n"
        + line("sync/victims, first send", timings["victims"])
        + "\n"
        + line("sync/victims, sent again", timings["victims again"])
        + "\n"
        + line("sync/distributions, first", timings["distributions"])
        + "\n"
        + line("sync/distributions, again", timings["again"])
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
