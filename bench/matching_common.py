"""Shared by the matching benchmarks: a scratch database, and a DTKS feed from bench/dtks_feed.py loaded
into it the way the registry's importer checks rows (services.registry.imports.parsing), written with
COPY so that a million people land in about a minute.

    .venv/bin/python -m bench.matching_common --rows 1000000 --database kessos_match_1m
"""

import argparse
import asyncio
import csv
import io
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from bench.dtks_feed import TODAY, write_feed
from services.prestart import migrate
from services.registry.imports.parsing import iter_batches

SERVER = "postgresql://postgres@127.0.0.1:5432"
COLUMNS = (
    "id",
    "id_dtks",
    "full_name",
    "name_normalized",
    "nik",
    "kk_number",
    "birth_date",
    "birth_place",
    "sex",
    "address",
    "region_code",
    "rt",
    "rw",
    "mother_name",
    "welfare_decile",
    "disability_status",
    "attributes",
    "status",
    "version",
    "created_at",
    "updated_at",
)


def database_url(name: str, server: str = SERVER) -> str:
    return f"{server}/{name}"


async def create_database(name: str, *, server: str = SERVER, fresh: bool = True) -> str:
    conn = await asyncpg.connect(f"{server}/postgres")
    try:
        if fresh:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = database_url(name, server)
    await asyncio.to_thread(migrate, url)
    return url


async def drop_database(name: str, *, server: str = SERVER) -> None:
    conn = await asyncpg.connect(f"{server}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def feed(rows: int, seed: int, folder: Path) -> tuple[Path, Path]:
    """The generator's feed and truth file (re-used when already written with the same size and seed)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"dtks_{rows}_{seed}.csv"
    truth = path.with_name(path.stem + ".truth.csv")
    if not (path.exists() and truth.exists()):
        write_feed(path, rows, seed=seed)
    return path, truth


def _without_nik(path: Path) -> io.BytesIO:
    """The same feed with `nomor_nik` emptied: what a feed without identity numbers looks like."""
    out = io.StringIO()
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        writer = csv.writer(out)
        header = next(reader)
        column = header.index("nomor_nik")
        writer.writerow(header)
        for row in reader:
            if len(row) > column:
                row[column] = ""
            writer.writerow(row)
    return io.BytesIO(out.getvalue().encode())


def _records(path: Path, levels: dict[str, str], *, drop_nik: bool) -> Iterator[list[tuple[object, ...]]]:
    raw = _without_nik(path) if drop_nik else path.open("rb")
    now = datetime.now(UTC)
    for batch in iter_batches(raw, regions=levels, covers=lambda code: True, today=TODAY):  # type: ignore[arg-type]
        yield [(uuid.uuid4(), *record[1:], "active", 1, now, now) for record in batch.records]


async def load(url: str, path: Path, *, drop_nik: bool = False) -> int:
    """Lands the feed's good rows as people; returns how many."""
    conn = await asyncpg.connect(url)
    try:
        levels = {r["code"]: r["level"] for r in await conn.fetch("SELECT code, level FROM registry.regions")}
        count = 0
        for records in _records(path, levels, drop_nik=drop_nik):
            await conn.copy_records_to_table(
                "people", schema_name="registry", records=records, columns=list(COLUMNS)
            )
            count += len(records)
        await conn.execute("ANALYZE registry.people")
        return count
    finally:
        await conn.close()


def truth_keys(truth: Path) -> dict[str, str]:
    """id_dtks → the true person's key."""
    with truth.open(newline="") as fh:
        return {row["id_dtks"]: row["person_key"] for row in csv.DictReader(fh)}


async def _main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database", default="kessos_match_scratch")
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "kessos-matching")
    parser.add_argument("--no-nik", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    path, _ = feed(args.rows, args.seed, args.folder)
    url = await create_database(args.database)
    count = await load(url, path, drop_nik=args.no_nik)
    print(f"{count:,} people in {url} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    asyncio.run(_main())
