"""Every test runs against real PostgreSQL and Redis: those in DATABASE_URL / REDIS_URL when set
(CI sets them to the machine's servers), else embedded ones started for the session. Each session
creates its own database and queue name and drops them at the end, so runs never share state."""

import asyncio
import os
import secrets
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from services.prestart import migrate
from shared.db import async_url
from shared.embedded import EmbeddedPostgres, EmbeddedValkey
from shared.settings import KessosSettings
from tests.support import JWT_SECRET, create_database, drop_database, server_url

# Seeded tables up to this size are restored after every clean; bigger ones are kept as they are.
SNAPSHOT_LIMIT = 5_000


@pytest.fixture(scope="session")
def server_urls() -> Iterator[tuple[str, str]]:
    db, redis = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    started: list[EmbeddedPostgres | EmbeddedValkey] = []
    tmp = Path(tempfile.mkdtemp(prefix="kessos-test-"))
    try:
        if not db:
            pg = EmbeddedPostgres(tmp / "postgres")
            db = pg.start()
            started.append(pg)
        if not redis:
            valkey = EmbeddedValkey(tmp / "valkey")
            redis = valkey.start()
            started.append(valkey)
        yield db, redis
    finally:
        for server in started:
            server.stop()


@pytest.fixture(scope="session")
def database_url(server_urls: tuple[str, str]) -> Iterator[str]:
    admin_url = server_url(server_urls[0], "postgres")
    name = f"kessos_test_{secrets.token_hex(4)}"
    asyncio.run(create_database(admin_url, name))
    url = server_url(server_urls[0], name)
    try:
        migrate(url)
        yield url
    finally:
        asyncio.run(drop_database(admin_url, name))


@pytest.fixture(scope="session")
def redis_url(server_urls: tuple[str, str]) -> str:
    return server_urls[1]


@pytest.fixture(scope="session")
def settings(database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> KessosSettings:
    return KessosSettings(
        database_url=database_url,
        redis_url=redis_url,
        jwt_secret=JWT_SECRET,
        queue_name=f"kessos:test:{secrets.token_hex(4)}",
        data_dir=tmp_path_factory.mktemp("data"),
        log_level="WARNING",
    )


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[object]:
    eng = create_async_engine(async_url(database_url))
    yield eng
    await eng.dispose()


@pytest.fixture(scope="session")
async def _queue_cleanup(settings: KessosSettings) -> AsyncIterator[None]:
    yield
    redis = Redis.from_url(settings.require_redis_url())
    try:
        job_ids = await redis.zrange(settings.queue_name, 0, -1)
        keys = [f"arq:job:{j.decode()}" for j in job_ids]
        await redis.delete(settings.queue_name, *keys)
    finally:
        await redis.aclose()


@pytest.fixture(scope="session")
async def _seeded(engine) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """The reference data the migrations seed (PPKS types, item catalogue, SPM services, ...), taken
    once: small tables are copied aside and put back after every clean, big ones (the 91,599
    regions) are never emptied."""
    async with engine.begin() as conn:
        tables = (
            (
                await conn.execute(
                    text(
                        "SELECT schemaname || '.' || tablename FROM pg_tables "
                        "WHERE schemaname IN ('registry', 'programs', 'disaster', 'worker')"
                    )
                )
            )
            .scalars()
            .all()
        )
        counts = {t: await conn.scalar(text(f"SELECT count(*) FROM {t}")) for t in tables}
        small = [t for t, n in counts.items() if 0 < n <= SNAPSHOT_LIMIT]
        await conn.execute(text("CREATE SCHEMA IF NOT EXISTS test_seed"))
        for table in small:
            await conn.execute(text(f'CREATE TABLE test_seed."{table}" AS SELECT * FROM {table}'))
    return {
        "restore": small,
        "keep": [t for t, n in counts.items() if n > SNAPSHOT_LIMIT],
        "all": list(tables),
    }


@pytest.fixture
async def clean(engine, _seeded: dict[str, list[str]], _queue_cleanup: None) -> AsyncIterator[None]:  # type: ignore[no-untyped-def]
    """Empty every table but the big reference ones, and put the seeded reference rows back."""
    async with engine.begin() as conn:
        wipe = [t for t in _seeded["all"] if t not in _seeded["keep"]]
        await conn.execute(text(f"TRUNCATE {', '.join(wipe)} CASCADE"))
        # Seeded tables refer to each other (entitlement rules to items): restore them with foreign-key
        # triggers off for this transaction, so their order does not matter.
        await conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in _seeded["restore"]:
            await conn.execute(text(f'INSERT INTO {table} SELECT * FROM test_seed."{table}"'))
    yield


async def _client(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.fixture(scope="session")
async def registry(settings: KessosSettings) -> AsyncIterator[httpx.AsyncClient]:
    from services.registry.app import build_app

    async for client in _client(build_app(settings)):
        yield client


@pytest.fixture(scope="session")
async def programs(settings: KessosSettings) -> AsyncIterator[httpx.AsyncClient]:
    from services.programs.app import build_app

    async for client in _client(build_app(settings)):
        yield client


@pytest.fixture(scope="session")
async def disaster(settings: KessosSettings) -> AsyncIterator[httpx.AsyncClient]:
    from services.disaster.app import build_app

    async for client in _client(build_app(settings)):
        yield client
