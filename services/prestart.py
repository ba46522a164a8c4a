"""The one-off step before the services start: migrate the database, then load reference data.
Run by `kessos migrate` (and by `kessos dev`), never inside a service's start-up."""

import asyncio
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config

from services.registry.regions.seed import seed_regions

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _seed(database_url: str) -> dict[str, int]:
    conn = await asyncpg.connect(_plain(database_url))
    try:
        return {"regions": await seed_regions(conn)}
    finally:
        await conn.close()


def migrate(database_url: str) -> dict[str, int]:
    """Upgrade every service's branch to its head and seed reference data. Safe to run again."""
    command.upgrade(alembic_config(database_url), "heads")
    return asyncio.run(_seed(database_url))
