"""The job queue behind the events. arq is in maintenance-only mode upstream, so nothing outside this
module and the worker's runner knows it is arq."""

from dataclasses import dataclass
from enum import Enum
from typing import Any

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.jobs import Job, JobStatus

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

    async def delivery(self, event_id: str) -> tuple[Delivery, str | None]:
        job = Job(event_id, self.redis, _queue_name=self.queue_name)
        status = await job.status()
        if status in (JobStatus.queued, JobStatus.deferred, JobStatus.in_progress):
            return Delivery.PENDING, None
        if status == JobStatus.complete:
            info = await job.result_info()
            if info is None:
                return Delivery.MISSING, None
            if info.success:
                return Delivery.HANDLED, None
            return Delivery.FAILED, repr(info.result)[:2000]
        return Delivery.MISSING, None

    async def ping(self) -> bool:
        return bool(await self.redis.ping())

    async def close(self) -> None:
        await self.redis.aclose()
