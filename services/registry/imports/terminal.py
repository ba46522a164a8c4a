"""`kessos import dtks FILE`: the same import as POST /imports, run from a terminal straight against
DATABASE_URL, with a progress bar and a summary. The file is stored like an upload, so an import
interrupted here is finished by a registry replica."""

import asyncio
import contextlib
import getpass
import os
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.registry.imports import repository, service
from services.registry.imports.models import Import
from services.registry.imports.runner import process, replica_name
from shared.auth import Principal
from shared.db import make_engine, make_sessionmaker
from shared.errors import AppError
from shared.logging import configure_logging

READ_BYTES = 1 << 20


def default_actor() -> str:
    return f"cli:{getpass.getuser()}"


def count_rows(path: Path) -> int:
    """Lines after the header (a quoted field spanning lines makes this an estimate)."""
    lines, last = 0, b"\n"
    with path.open("rb") as fh:
        while block := fh.read(READ_BYTES):
            lines += block.count(b"\n")
            last = block[-1:]
    return max(0, lines - 1 + (last != b"\n"))


async def _file(path: Path, progress: Progress, task: int) -> AsyncIterator[bytes]:
    with path.open("rb") as fh:
        while block := await asyncio.to_thread(fh.read, READ_BYTES):
            progress.advance(task, len(block))  # type: ignore[arg-type]
            yield block


async def run(database_url: str, path: Path, actor: str, console: Console | None = None) -> int:
    console = console or Console()
    configure_logging("registry-import", os.environ.get("KESSOS_LOG_LEVEL", "WARNING"))
    engine = make_engine(database_url, pool_size=4, max_overflow=2)
    sessionmaker = make_sessionmaker(engine)
    principal = Principal(sub=actor, roles=frozenset({"admin"}))
    token = uuid.uuid4()
    started = time.perf_counter()
    job: Import | None = None
    try:
        total_rows = await asyncio.to_thread(count_rows, path)
        size = (await asyncio.to_thread(path.stat)).st_size
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as bar:
            storing = bar.add_task("storing  ", total=size)
            try:
                async with sessionmaker() as session, session.begin():
                    job = await service.store(
                        session,
                        principal,
                        filename=path.name,
                        content=_file(path, bar, storing),
                        claim_token=token,
                        claimed_by=f"cli:{replica_name()}",
                    )
            except AppError as exc:
                console.print(f"[red]not imported:[/red] {exc.detail}")
                return 2
            importing = bar.add_task("importing", total=total_rows)

            def advance(step: repository.Progress) -> None:
                bar.advance(importing, step.rows_read)  # type: ignore[arg-type]

            try:
                status = await process(sessionmaker, job, token, on_batch=advance)
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await asyncio.shield(_release(sessionmaker, job.id, token))
                console.print(
                    f"\n[yellow]interrupted:[/yellow] import {job.id} is stored and queued; "
                    "a running registry service finishes it"
                )
                raise
        await _summary(sessionmaker, job.id, time.perf_counter() - started, console)
        return 0 if status == "completed" else 1
    finally:
        await engine.dispose()


async def _release(
    sessionmaker: async_sessionmaker[AsyncSession], import_id: uuid.UUID, token: uuid.UUID
) -> None:
    async with sessionmaker() as session, session.begin():
        await repository.release(session, import_id, token)


async def _summary(
    sessionmaker: async_sessionmaker[AsyncSession], import_id: uuid.UUID, seconds: float, console: Console
) -> None:
    async with sessionmaker() as session:
        record = await session.get(Import, import_id)
        assert record is not None
        rejected = await repository.issues(
            session, import_id, severities=["rejected"], after_line=0, limit=10
        )
    table = Table(title=f"import {record.id} ({record.filename})", show_header=False)
    table.add_column(justify="left")
    table.add_column(justify="right")
    table.add_row("status", record.status)
    for name in ("rows_read", "inserted", "updated", "unchanged", "rejected", "warnings"):
        table.add_row(name.replace("_", " "), f"{getattr(record, name):,}")
    table.add_row("seconds", f"{seconds:.1f}")
    table.add_row("rows per second", f"{record.rows_read / seconds:,.0f}" if seconds else "-")
    console.print(table)
    if record.error:
        console.print(f"[red]failed:[/red] {record.error}")
    if rejected:
        console.print("first rejected rows (all of them: GET /api/v1/imports/{id}/errors):")
        for issue in rejected:
            console.print(f"  line {issue.line}: {issue.reason}")
