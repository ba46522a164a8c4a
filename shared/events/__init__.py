"""Events between services: the envelope, the transactional outbox, and the queue behind it."""

from shared.events.envelope import EventEnvelope
from shared.events.outbox import OutboxMixin, publish

__all__ = ["EventEnvelope", "OutboxMixin", "publish"]
