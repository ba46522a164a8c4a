"""The queue behind the events. arq is in maintenance-only mode upstream, so nothing outside this
module and the worker's runner knows it is arq.

Events travel in batches: one arq job carries up to a few hundred events, because a job per event
caps a worker at what arq can schedule (a few hundred jobs a second) and makes every rule ask the
other services one record at a time. What happened to each event is kept beside the jobs, one small
Redis key per event (its *mark*):

    queued:<job id>   sent in that job (or re-sent by the worker for a retry)
    handled           every consumer succeeded
    failed:<error>    gave up after the retries; the outbox sweep parks it as dead

The outbox sweep reads the marks to acknowledge, park or re-send its rows; a mark pointing to a job
that Redis no longer has (a restart that lost its data, a job that crashed outright) means *missing*,
and the sweep sends the event again."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import in_progress_key_prefix, job_key_prefix

HANDLE_EVENTS = "handle_events"

# Mark events as queued, except those already handled: an event sent again after it was handled
# stays handled, and the job that carries it skips it.
_MARK_QUEUED = """
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) ~= 'handled' then
    redis.call('SET', key, ARGV[1], 'EX', ARGV[2])
  end
end
return #KEYS
"""


class Delivery(Enum):
    PENDING = "pending"  # queued, waiting for a retry, or running
    HANDLED = "handled"
    FAILED = "failed"
    MISSING = "missing"  # never arrived or lost (e.g. Redis restarted empty): send again


@dataclass
class EventQueue:
    redis: ArqRedis
    queue_name: str
    result_ttl_seconds: int
    owns_connection: bool = True

    @classmethod
    async def connect(cls, redis_url: str, queue_name: str, result_ttl_seconds: int) -> "EventQueue":
        settings = RedisSettings.from_dsn(redis_url)
        settings.conn_timeout = 2
        settings.conn_retries = 0
        redis = await create_pool(settings, default_queue_name=queue_name)
        return cls(redis=redis, queue_name=queue_name, result_ttl_seconds=result_ttl_seconds)

    def mark_key(self, event_id: str) -> str:
        return f"{self.queue_name}:event:{event_id}"

    async def send(self, envelope: dict[str, Any]) -> str:
        """One event in a job of its own (long jobs such as a duplicate-scan partition)."""
        return await self.send_batch([envelope])

    async def send_batch(
        self, envelopes: Sequence[dict[str, Any]], *, attempt: int = 1, defer_seconds: float = 0
    ) -> str:
        """One job for all these events; returns its id. The marks are written first: if the job
        then fails to arrive, they point to a job Redis does not have, which reads as missing."""
        job_id = f"events:{uuid.uuid4()}"
        keys = [self.mark_key(str(envelope["id"])) for envelope in envelopes]
        await self.redis.eval(  # type: ignore[misc]
            _MARK_QUEUED, len(keys), *keys, f"queued:{job_id}", str(self.result_ttl_seconds)
        )
        job = await self.redis.enqueue_job(
            HANDLE_EVENTS,
            list(envelopes),
            attempt,
            _job_id=job_id,
            _queue_name=self.queue_name,
            _defer_by=defer_seconds or None,
        )
        if job is None:  # cannot happen with a fresh id; say so loudly if arq ever changes that
            raise RuntimeError(f"arq refused job {job_id}")
        return job_id

    async def settle(self, handled: Sequence[str], failed: dict[str, str]) -> None:
        """The worker's last word on events: handled, or failed for good (with the error)."""
        if not handled and not failed:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for event_id in handled:
                pipe.set(self.mark_key(event_id), "handled", ex=self.result_ttl_seconds)
            for event_id, error in failed.items():
                pipe.set(self.mark_key(event_id), f"failed:{error}"[:2000], ex=self.result_ttl_seconds)
            await pipe.execute()

    async def handled(self, event_ids: Sequence[str]) -> set[str]:
        """Which of these events were handled already (a batch delivered again skips them)."""
        if not event_ids:
            return set()
        marks = await self.redis.mget([self.mark_key(e) for e in event_ids])
        return {e for e, mark in zip(event_ids, marks, strict=True) if mark == b"handled"}

    async def deliveries(self, event_ids: list[str]) -> dict[str, tuple[Delivery, str | None]]:
        """Where each event stands, in two round trips for the whole list."""
        if not event_ids:
            return {}
        marks = await self.redis.mget([self.mark_key(e) for e in event_ids])
        out: dict[str, tuple[Delivery, str | None]] = {}
        jobs: dict[str, list[str]] = {}
        for event_id, raw in zip(event_ids, marks, strict=True):
            mark = raw.decode() if raw is not None else ""
            if mark == "handled":
                out[event_id] = (Delivery.HANDLED, None)
            elif mark.startswith("failed:"):
                out[event_id] = (Delivery.FAILED, mark.removeprefix("failed:"))
            elif mark.startswith("queued:"):
                jobs.setdefault(mark.removeprefix("queued:"), []).append(event_id)
            else:
                out[event_id] = (Delivery.MISSING, None)
        if jobs:
            async with self.redis.pipeline(transaction=False) as pipe:
                for job_id in jobs:
                    pipe.exists(job_key_prefix + job_id, in_progress_key_prefix + job_id)
                alive = await pipe.execute()
            for (_, waiting), exists in zip(jobs.items(), alive, strict=True):
                state = Delivery.PENDING if exists else Delivery.MISSING
                out.update({event_id: (state, None) for event_id in waiting})
        return out

    async def forget(self, event_ids: list[str]) -> None:
        """Drop what the queue remembers of these events, so that sending them again runs them
        again: how an operator replays dead events."""
        if event_ids:
            await self.redis.delete(*[self.mark_key(e) for e in event_ids])

    async def depth(self) -> int:
        """Jobs waiting (each carries a batch of events)."""
        return int(await self.redis.zcard(self.queue_name))

    async def ping(self) -> bool:
        return bool(await self.redis.ping())

    async def close(self) -> None:
        if self.owns_connection:
            await self.redis.aclose()
