"""One Alembic tree for all services; each service owns one PostgreSQL schema."""

import asyncio
from typing import Any

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from services.disaster import models as disaster_models
from services.programs import models as programs_models
from services.registry import models as registry_models
from services.worker.db import Base as WorkerBase
from shared.db import async_url
from shared.settings import KessosSettings

SCHEMAS = ("registry", "programs", "disaster", "worker")
target_metadata = [
    registry_models.Base.metadata,
    programs_models.Base.metadata,
    disaster_models.Base.metadata,
    WorkerBase.metadata,
]


def _url() -> str:
    return context.config.get_main_option("sqlalchemy.url") or KessosSettings().require_database_url()


# `alembic -x schema=programs revision --autogenerate ...` looks at one service's schema only.
_ONLY = context.get_x_argument(as_dictionary=True).get("schema")


def _include_name(name: str | None, type_: str, parent_names: object) -> bool:
    if type_ == "schema":
        return name == _ONLY if _ONLY else name in SCHEMAS
    return True


def _include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    if not _ONLY:
        return True
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return getattr(table, "schema", _ONLY) == _ONLY


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_schemas=True,
        include_name=_include_name,
        include_object=_include_object,
        version_table_schema="public",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    engine = create_async_engine(async_url(_url()), poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_configure)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        include_schemas=True,
        version_table_schema="public",
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
