"""What the registry says about a person, as the reconciliation rules need it."""

from collections.abc import Iterable
from dataclasses import dataclass, field
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
    # Identity, for the rules that compare it (NIK disagreement, double receipt by NIK).
    nik: str | None = None
    full_name: str | None = None
    birth_date: date | None = None
    sex: str | None = None
    region_code: str | None = None
    # Records merged into this one (id, NIK): other services' records may still name them.
    aliases: tuple[tuple[str, str | None], ...] = ()

    @classmethod
    def from_api(cls, body: dict[str, Any]) -> "RegistryPerson":
        return cls(
            id=str(body["id"]),
            status=body["status"],
            died_on=date.fromisoformat(body["died_on"]) if body.get("died_on") else None,
            status_changed_at=datetime.fromisoformat(body["status_changed_at"])
            if body.get("status_changed_at")
            else None,
            nik=body.get("nik"),
            full_name=body.get("full_name"),
            birth_date=date.fromisoformat(body["birth_date"]) if body.get("birth_date") else None,
            sex=body.get("sex"),
            region_code=body.get("region_code"),
            aliases=tuple((str(a["id"]), a.get("nik")) for a in body.get("aliases") or ()),
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


# Ids and NIKs sent in one `POST /people/lookup` (the registry takes up to 5,000).
LOOKUP_CHUNK = 5000


@dataclass
class Found:
    """The registry's answer for many people: by asked id (a merged record answered with its survivor)
    and by asked NIK; what it does not have is absent."""

    by_id: dict[str, RegistryPerson] = field(default_factory=dict)
    by_nik: dict[str, RegistryPerson] = field(default_factory=dict)

    def of(self, *, person_id: str | None, nik: str | None) -> RegistryPerson | None:
        """As `find` answers: by id when there is one, else by NIK."""
        if person_id:
            return self.by_id.get(str(person_id))
        if nik:
            return self.by_nik.get(nik)
        return None


async def find_many(
    services: Services, *, person_ids: Iterable[str | None] = (), niks: Iterable[str | None] = ()
) -> Found:
    """Many people in one registry call per 5,000 (ids and NIKs together); None and repeats skipped."""
    ids = list(dict.fromkeys(str(i) for i in person_ids if i))
    numbers = list(dict.fromkeys(n for n in niks if n))
    found = Found()
    # Within one job, what the registry already answered (a person, or None for unknown) is not asked
    # again: the consumers of a batch ask about the same people.
    known = services.answers if services.answers is not None else {}
    asked = [("ids", i) for i in ids if ("ids", i) not in known]
    asked += [("niks", n) for n in numbers if ("niks", n) not in known]
    for start in range(0, len(asked), LOOKUP_CHUNK):
        chunk = asked[start : start + LOOKUP_CHUNK]
        body = {"ids": [v for k, v in chunk if k == "ids"], "niks": [v for k, v in chunk if k == "niks"]}
        response = await services.registry.request("POST", "/api/v1/people/lookup", json=body)
        response.raise_for_status()
        answer = response.json()
        by_id = {k: RegistryPerson.from_api(v) for k, v in answer["by_id"].items()}
        by_nik = {k: RegistryPerson.from_api(v) for k, v in answer["by_nik"].items()}
        for kind, value in chunk:
            known[(kind, value)] = (by_id if kind == "ids" else by_nik).get(value)
    for i in ids:
        if (person := known.get(("ids", i))) is not None:
            found.by_id[i] = person
    for n in numbers:
        if (person := known.get(("niks", n))) is not None:
            found.by_nik[n] = person
    return found


def recipients_of(distributions: list[dict[str, Any]]) -> dict[str, list[str | None]]:
    """What to ask the registry about these distributions' recipients (`find_many`'s arguments): the
    registry id when there is one, else the NIK (as `Found.of` answers)."""
    return {
        "person_ids": [d.get("person_id") for d in distributions],
        "niks": [d.get("nik") for d in distributions if not d.get("person_id")],
    }
