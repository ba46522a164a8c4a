"""Processes uploaded feeds in the background, inside the registry service's own processes.

Why here and not in the worker: an import writes registry tables, and only the registry touches its
tables (the worker may not import services.registry; import-linter checks it). So:

- POST /imports stores the file durably in PostgreSQL (registry.import_chunks, 4 MB pieces) with a
  registry.imports row, status `queued`, and answers 202 at once. Any replica can then run it, and
  a crash loses nothing.
- Every registry process runs one ImportRunner (started and stopped with the app). It claims the
  oldest queued import with SELECT ... FOR UPDATE SKIP LOCKED, so replicas share the queue without
  taking the same import twice, and it also claims a `running` import whose heartbeat is older
  than 60 s: the replica that held it died, and another finishes the job.
- Processing streams the stored pieces through the CSV parser (imports/parsing.py) in a thread, in
  batches of 20,000 rows, while the event loop writes the previous batch: COPY into a temporary
  staging table, then one statement (imports/repository.py) that compares each row with the
  person of the same id_dtks and inserts the new, updates the changed (IS DISTINCT FROM over the
  imported columns) and leaves the unchanged untouched, writing the history of those it wrote;
  then the batch's rejected and warned rows, one `people.imported` outbox event for the batch (not
  one per row), and the import's counters. Batches of all imports take one transaction-scoped
  advisory lock, so two imports never race on a new id_dtks. One transaction per batch: a crash
  rolls back at most the batch in flight, and the next holder resumes after the rows the counters
  say were written (re-reading, not re-writing, the rows before). A claim token fences a replica
  that was presumed dead but wakes up: its batch finds the token changed and rolls back.
- After an import that wrote many people, the people table is ANALYZEd: plans for NIK lookups go
  wrong by two orders of magnitude on statistics that predate a million new rows.
- The parsing thread shares the process with the API: while an import runs, that process answers
  requests a few milliseconds slower (the GIL). Deployments that mind can run imports on a replica
  that takes no API traffic.
- An import that was claimed 3 times without finishing (a file that kills its process, say) is
  marked failed rather than tried forever.

The terminal command (`kessos import dtks FILE`) stores the file the same way and runs `process`
itself, with a progress bar; if it is interrupted, a registry replica finishes the import.
"""

import asyncio
import contextlib
import os
import socket
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import TimeoutError as FutureTimeout

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.registry.db import SERVICE, OutboxEvent
from services.registry.imports import repository
from services.registry.imports.models import Import
from services.registry.imports.parsing import Batch, ByteQueueReader, FeedError, iter_batches
from services.registry.imports.repository import Progress
from shared import clock
from shared.auth import Principal
from shared.events import EventEnvelope, publish

log = structlog.get_logger()

BATCH_ROWS = 20_000
STALE_SECONDS = 60.0
HEARTBEAT_SECONDS = 10.0
MAX_ATTEMPTS = 3
ANALYZE_AFTER = 10_000  # people written by one import

OnBatch = Callable[[Progress], Awaitable[None] | None]


class LostClaim(Exception):
    """Another replica took the import over (this one was presumed dead)."""


class _Stopped(Exception):
    pass


def replica_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def process(
    sessionmaker: async_sessionmaker[AsyncSession],
    job: Import,
    token: uuid.UUID,
    *,
    on_batch: OnBatch | None = None,
    batch_rows: int = BATCH_ROWS,
) -> str:
    """Runs one claimed import to its end; returns its final status. Raises LostClaim when another
    replica took it over, CancelledError when this process is stopping (the caller releases it)."""
    principal = Principal(
        sub=job.uploaded_by, roles=frozenset(job.uploader_roles), regions=tuple(job.uploader_regions)
    )
    if job.attempts > MAX_ATTEMPTS:
        await _finish(
            sessionmaker,
            job,
            token,
            "failed",
            f"processing stopped {MAX_ATTEMPTS} times without finishing; the file may be too much for "
            "one process: split it and upload the parts",
        )
        return "failed"
    regions = await _regions(sessionmaker)
    log.info("import_started", import_id=str(job.id), resume_after_rows=job.rows_read)

    loop = asyncio.get_running_loop()
    stop = threading.Event()
    batches: asyncio.Queue[Batch | BaseException | None] = asyncio.Queue(maxsize=1)

    async def fetch(seq: int) -> bytes | None:
        async with sessionmaker() as session:
            return await repository.chunk(session, job.id, seq)

    async def put_and_wait(item: Batch | BaseException | None) -> None:
        await batches.put(item)
        await batches.join()  # until the writer took it: two batches in memory, not three

    def hand_over(item: Batch | BaseException | None) -> None:
        future = asyncio.run_coroutine_threadsafe(put_and_wait(item), loop)
        while True:
            try:
                future.result(timeout=0.5)
                return
            except FutureTimeout:
                if stop.is_set():
                    future.cancel()
                    raise _Stopped from None

    def parse() -> None:  # in a thread: the CPU work, while the loop writes the previous batch
        prefetch = asyncio.run_coroutine_threadsafe(fetch(0), loop) if job.chunk_count else None
        seq = 0

        def next_chunk() -> bytes | None:
            nonlocal prefetch, seq
            if prefetch is None or stop.is_set():
                if stop.is_set():
                    raise _Stopped
                return None
            data = prefetch.result()
            seq += 1
            prefetch = asyncio.run_coroutine_threadsafe(fetch(seq), loop) if seq < job.chunk_count else None
            if data is None:
                raise FeedError(f"piece {seq - 1} of the stored upload is missing")
            return data

        try:
            for batch in iter_batches(
                ByteQueueReader(next_chunk),
                regions=regions,
                covers=principal.covers_region,
                today=clock.today(),
                batch_rows=batch_rows,
                skip_rows=job.rows_read,
            ):
                hand_over(batch)
            hand_over(None)
        except _Stopped:
            return
        except BaseException as exc:
            with contextlib.suppress(_Stopped):
                hand_over(exc)

    async def beat() -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            try:
                async with sessionmaker() as session, session.begin():
                    alive = await repository.heartbeat(session, job.id, token)
            except Exception as exc:  # a missed beat is no reason to stop; six in a row are (stale)
                log.warning("import_heartbeat_missed", import_id=str(job.id), error=str(exc)[:200])
                continue
            if not alive:
                raise LostClaim

    written = 0
    parser = threading.Thread(target=parse, name=f"import-{job.id}", daemon=True)
    parser.start()
    heart = asyncio.create_task(beat())
    try:
        while True:
            getting = asyncio.ensure_future(batches.get())
            await asyncio.wait({getting, heart}, return_when=asyncio.FIRST_COMPLETED)
            if heart.done():
                getting.cancel()
                heart.result()  # raises LostClaim
            item = getting.result()
            batches.task_done()
            if item is None:
                break
            if isinstance(item, BaseException):
                raise item
            progress = await _write(sessionmaker, job, token, principal, item)
            written += progress.inserted + progress.updated
            if on_batch is not None:
                result = on_batch(progress)
                if result is not None:
                    await result
    except FeedError as exc:
        await _finish(sessionmaker, job, token, "failed", str(exc))
        return "failed"
    except (LostClaim, asyncio.CancelledError):
        raise
    except Exception as exc:
        log.exception("import_failed", import_id=str(job.id))
        await _finish(
            sessionmaker,
            job,
            token,
            "failed",
            f"the import stopped on an internal error ({type(exc).__name__})",
        )
        return "failed"
    finally:
        stop.set()
        heart.cancel()
        with contextlib.suppress(BaseException):
            await heart
        while not batches.empty():
            batches.get_nowait()
            batches.task_done()
        await asyncio.to_thread(parser.join, 5)
    if written >= ANALYZE_AFTER:
        # The planner must know the registry grew or changed: with stale statistics a NIK lookup in
        # a region picks a plan a hundred times slower. Autovacuum may be off, or a minute late.
        async with sessionmaker() as session, session.begin():
            await repository.analyze_people(session)
    await _finish(sessionmaker, job, token, "completed", None)
    log.info("import_completed", import_id=str(job.id), written=written)
    return "completed"


_region_cache: tuple[float, dict[str, str]] | None = None


async def _regions(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    """The region table (reference data, reloaded by `kessos migrate`): read at most once a minute."""
    global _region_cache
    now = time.monotonic()
    if _region_cache is None or now - _region_cache[0] > 60:
        async with sessionmaker() as session:
            _region_cache = (now, await repository.region_levels(session))
    return _region_cache[1]


async def _write(
    sessionmaker: async_sessionmaker[AsyncSession],
    job: Import,
    token: uuid.UUID,
    principal: Principal,
    batch: Batch,
) -> Progress:
    async with sessionmaker() as session, session.begin():
        written = await repository.write_batch(
            session, import_id=job.id, actor=job.uploaded_by, principal=principal, records=batch.records
        )
        issues, warned = batch.issues, batch.warned
        if written.refused:
            refused_lines = {issue[0] for issue in written.refused}
            kept = [issue for issue in issues if issue[0] not in refused_lines]
            warned -= len(issues) - len(kept)  # only written rows had issues: warnings
            issues = kept + written.refused
        await repository.add_issues(session, job.id, issues)
        if written.inserted or written.updated:
            publish(
                session,
                OutboxEvent,
                EventEnvelope(
                    type="people.imported",
                    source=SERVICE,
                    subject=str(job.id),
                    payload={
                        "import_id": str(job.id),
                        "person_ids_inserted": [str(i) for i in written.inserted],
                        "person_ids_updated": [str(i) for i in written.updated],
                    },
                ),
            )
        progress = Progress(
            rows_read=batch.rows_read,
            inserted=len(written.inserted),
            updated=len(written.updated),
            unchanged=len(batch.records)
            - len(written.refused)
            - len(written.inserted)
            - len(written.updated),
            rejected=batch.rejected + len(written.refused),
            warnings=warned,
        )
        if not await repository.add_progress(session, job.id, token, progress):
            raise LostClaim
    return progress


async def _finish(
    sessionmaker: async_sessionmaker[AsyncSession],
    job: Import,
    token: uuid.UUID,
    status: str,
    error: str | None,
) -> None:
    async with sessionmaker() as session, session.begin():
        if await repository.finish(session, job.id, token, status=status, error=error):
            await repository.drop_chunks(session, job.id)


class ImportRunner:
    """One per registry process: claims imports and processes them, one at a time."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], *, poll_seconds: float = 1.0):
        self.sessionmaker = sessionmaker
        self.poll_seconds = poll_seconds
        self.name = replica_name()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Called after an upload commits, so that it starts now rather than at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="registry-import-runner")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                if await self.run_once():
                    continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # PostgreSQL away: try again later
                log.warning("import_runner_unavailable", error=str(exc)[:200])
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)

    async def run_once(self) -> bool:
        """Claims and processes one import; False when there was none to take."""
        token = uuid.uuid4()
        async with self.sessionmaker() as session, session.begin():
            job = await repository.claim_next(
                session, token=token, claimed_by=self.name, stale_seconds=STALE_SECONDS
            )
        if job is None:
            return False
        try:
            await process(self.sessionmaker, job, token)
        except LostClaim:
            log.warning("import_taken_over", import_id=str(job.id))
        except asyncio.CancelledError:
            # Stopping: hand the import back so that another replica resumes it now, not in 60 s.
            with contextlib.suppress(Exception):
                await asyncio.shield(self._release(job.id, token))
            raise
        return True

    async def _release(self, import_id: uuid.UUID, token: uuid.UUID) -> None:
        async with self.sessionmaker() as session, session.begin():
            await repository.release(session, import_id, token)
