"""The job queue behind the events. arq is in maintenance-only mode upstream, so nothing outside this
module and the worker's runner knows it is arq."""

from dataclasses import dataclass
from enum import Enum
from typing import Any

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import in_progress_key_prefix, job_key_prefix, result_key_prefix
from arq.jobs import DeserializationError, deserialize_result

HANDLE_EVENT = "handle_event"


class Delivery(Enum):
    PENDING = "pending"  # queued or running
    HANDLED = "handled"
    FAILED = "failed"
    MISSING = "missing"  # never arrived or lost (e.g. Redis restarted empty): send again


@dataclass
class EventQueue:
    redis: ArqRedis
    queue_name: str
    result_ttl_seconds: int

    @classmethod
    async def connect(cls, redis_url: str, queue_name: str, result_ttl_seconds: int) -> "EventQueue":
        settings = RedisSettings.from_dsn(redis_url)
        settings.conn_timeout = 2
        settings.conn_retries = 0
        redis = await create_pool(settings, default_queue_name=queue_name)
        return cls(redis=redis, queue_name=queue_name, result_ttl_seconds=result_ttl_seconds)

    async def send(self, envelope: dict[str, Any]) -> None:
        # The event id is the job id: a second send while the first is queued or its result kept
        # is a no-op, which is what makes re-sending safe.
        await self.redis.enqueue_job(
            HANDLE_EVENT, envelope, _job_id=str(envelope["id"]), _queue_name=self.queue_name
        )

    async def deliveries(self, event_ids: list[str]) -> dict[str, tuple[Delivery, str | None]]:
        """Where each event stands, in one round trip for the whole batch: has its job a result
        (handled or failed), is it queued or running, or is it nowhere (lost)?"""
        async with self.redis.pipeline(transaction=False) as pipe:
            for event_id in event_ids:
                pipe.get(result_key_prefix + event_id)
                pipe.exists(in_progress_key_prefix + event_id)
                pipe.exists(job_key_prefix + event_id)
            replies = await pipe.execute()
        out: dict[str, tuple[Delivery, str | None]] = {}
        for index, event_id in enumerate(event_ids):
            result, running, queued = replies[3 * index : 3 * index + 3]
            if result is not None:
                try:
                    info = deserialize_result(result)
                except DeserializationError as exc:  # a failure whose exception cannot be rebuilt here
                    out[event_id] = (Delivery.FAILED, f"unreadable result: {exc}"[:2000])
                    continue
                out[event_id] = (
                    (Delivery.HANDLED, None) if info.success else (Delivery.FAILED, repr(info.result)[:2000])
                )
            elif running or queued:
                out[event_id] = (Delivery.PENDING, None)
            else:
                out[event_id] = (Delivery.MISSING, None)
        return out

    async def forget(self, event_ids: list[str]) -> None:
        """Drop what the queue remembers of these events (their results), so that sending them again
        runs them again: how an operator replays dead events."""
        if event_ids:
            await self.redis.delete(*[result_key_prefix + e for e in event_ids])

    async def ping(self) -> bool:
        return bool(await self.redis.ping())

    async def close(self) -> None:
        await self.redis.aclose()
