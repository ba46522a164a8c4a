"""End-to-end: the services and the worker as real processes, over real HTTP, PostgreSQL and Redis.
The system gets a database of its own, so no in-process app of other tests relays its events."""

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from services.prestart import migrate
from tests.support import System, create_database, drop_database, server_url


@pytest.fixture(scope="module")
def system_database(server_urls: tuple[str, str]) -> Iterator[str]:
    admin_url = server_url(server_urls[0], "postgres")
    name = f"kessos_e2e_{secrets.token_hex(4)}"
    asyncio.run(create_database(admin_url, name))
    try:
        url = server_url(server_urls[0], name)
        migrate(url)
        yield url
    finally:
        asyncio.run(drop_database(admin_url, name))


@pytest.fixture(scope="module")
def system(
    system_database: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[System]:
    running = System(
        database_url=system_database, redis_url=redis_url, log_dir=tmp_path_factory.mktemp("logs")
    )
    try:
        yield running.start()
    finally:
        running.stop()
        _print_errors(running.log_dir)


def _print_errors(log_dir: Path | None) -> None:
    for log in sorted(log_dir.glob("*.log")) if log_dir else []:
        errors = [line for line in log.read_text(errors="replace").splitlines() if '"error"' in line]
        if errors:
            print(f"--- {log.name}: {len(errors)} error lines, last: {errors[-1][:500]}")


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client
