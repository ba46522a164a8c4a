"""What the registry says about a person, as the reconciliation rules need it."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.worker.clients import Services
from shared import clock


@dataclass(frozen=True)
class RegistryPerson:
    id: str
    status: str
    died_on: date | None
    status_changed_at: datetime | None

    @classmethod
    def from_api(cls, body: dict[str, Any]) -> "RegistryPerson":
        return cls(
            id=body["id"],
            status=body["status"],
            died_on=date.fromisoformat(body["died_on"]) if body.get("died_on") else None,
            status_changed_at=datetime.fromisoformat(body["status_changed_at"])
            if body.get("status_changed_at")
            else None,
        )

    def dead_at(self, when: datetime) -> bool:
        """Was the person already dead at `when`? With a date of death, from that day on; without one,
        from the moment the registry recorded the death."""
        if self.status != "deceased":
            return False
        if self.died_on is not None:
            return clock.local_date(when) >= self.died_on
        return self.status_changed_at is None or when >= self.status_changed_at


async def find(services: Services, *, person_id: str | None, nik: str | None) -> RegistryPerson | None:
    """By registry id (following a merge to the surviving record), else by NIK."""
    if person_id:
        body = await services.registry.get_json(f"/api/v1/people/{person_id}")
        for _ in range(3):  # a merged record points to its survivor; follow a short chain
            if body is None or body.get("status") != "merged" or not body.get("merged_into"):
                break
            body = await services.registry.get_json(f"/api/v1/people/{body['merged_into']}")
        return RegistryPerson.from_api(body) if body else None
    if nik:
        page = await services.registry.get_json("/api/v1/people", nik=nik, limit=2)
        items = page["items"] if page else []
        return RegistryPerson.from_api(items[0]) if items else None
    return None
