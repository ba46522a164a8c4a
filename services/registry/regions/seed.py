"""Loads the Kemendagri region table (data/wilayah.csv, MIT, see data/wilayah.LICENSE) with COPY."""

import csv
from pathlib import Path

import asyncpg

DATA = Path(__file__).resolve().parent.parent / "data" / "wilayah.csv"


def _rows() -> list[tuple[str, str, str, str | None]]:
    with DATA.open(newline="", encoding="utf-8") as fh:
        return [
            (r["code"], r["name"], r["level"], r["code"].rsplit(".", 1)[0] if "." in r["code"] else None)
            for r in csv.DictReader(fh)
        ]


async def seed_regions(conn: asyncpg.Connection) -> int:
    """Idempotent: loads the table when it is empty or incomplete; returns the row count."""
    rows = _rows()
    have = await conn.fetchval("SELECT count(*) FROM registry.regions")
    if have == len(rows):
        return int(have)
    async with conn.transaction():
        # Upsert through a temporary table: people refer to region codes, so never truncate.
        await conn.execute("CREATE TEMP TABLE regions_in (LIKE registry.regions) ON COMMIT DROP")
        await conn.copy_records_to_table(
            "regions_in", records=rows, columns=["code", "name", "level", "parent_code"]
        )
        await conn.execute(
            "INSERT INTO registry.regions SELECT * FROM regions_in ON CONFLICT (code) DO UPDATE"
            " SET name = EXCLUDED.name, level = EXCLUDED.level, parent_code = EXCLUDED.parent_code"
        )
    return len(rows)
