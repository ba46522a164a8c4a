"""Merging two records of one person, and undoing it.

A merge keeps one record (the survivor) and marks the other `merged`, pointing to it. The survivor
takes whatever it lacked from the other (a NIK, a birth date, ...), gets the other's identifiers as
aliases, and becomes the person of the other's household memberships, PPKS assessments, PSKS roles
and history. Everything the merge changed is written down in the merge row, so that undoing it
restores both records and every re-pointed row exactly; the other services learn of both through
`person.merged` and `person.unmerged`."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.assessments.models import PpksAssessment
from services.registry.db import SERVICE, OutboxEvent
from services.registry.duplicates import repository
from services.registry.duplicates.exceptions import CannotUndo
from services.registry.duplicates.models import DuplicatePair, Merge, PersonAlias
from services.registry.history import service as history
from services.registry.history.models import Change
from services.registry.households.models import HouseholdMember
from services.registry.people.models import Person
from services.registry.people.nik import parse_nik
from services.registry.psks.models import PsksRole
from shared import clock
from shared.events import EventEnvelope, publish

# Every column a merge may change on either record (restored as they were by an undo).
SNAPSHOT = (
    "nik",
    "kk_number",
    "full_name",
    "name_normalized",
    "birth_date",
    "birth_place",
    "sex",
    "address",
    "region_code",
    "rt",
    "rw",
    "mother_name",
    "welfare_decile",
    "disability_status",
    "status",
    "died_on",
    "status_changed_at",
    "merged_into",
)
# What the survivor takes from the other record when it has nothing of its own.
FILLABLE = (
    "nik",
    "kk_number",
    "birth_date",
    "birth_place",
    "sex",
    "address",
    "rt",
    "rw",
    "mother_name",
    "welfare_decile",
    "disability_status",
)
_DATES = {"birth_date", "died_on"}


def _restore(person: Person, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if value is not None and key in _DATES:
            value = date.fromisoformat(value)
        elif value is not None and key == "status_changed_at":
            value = datetime.fromisoformat(value)
        elif value is not None and key == "merged_into":
            value = uuid.UUID(value)
        setattr(person, key, value)


def _valid_nik(nik: str | None) -> bool:
    if not nik:
        return False
    try:
        parse_nik(nik)
    except ValueError:
        return False
    return True


def choose_survivor(a: Person, b: Person) -> Person:
    """The record with a valid NIK; between two (or none), the one registered first."""
    return min((a, b), key=lambda p: (not _valid_nik(p.nik), p.created_at, str(p.id)))


def _event(kind: str, person: Person, **payload: Any) -> EventEnvelope:
    return EventEnvelope(
        type=f"person.{kind}",
        source=SERVICE,
        subject=str(person.id),
        payload={"person_id": str(person.id), "region_code": person.region_code, **payload},
    )


async def merge(
    session: AsyncSession, *, pair: DuplicatePair, survivor: Person, other: Person, actor: str
) -> Merge:
    """One transaction (the request's): the caller has locked the pair and both people."""
    now = datetime.now(UTC)
    today = clock.today()
    merge_id = uuid.uuid4()
    survivor_before = history.snapshot(survivor, SNAPSHOT)
    other_before = history.snapshot(other, SNAPSHOT)

    filled = [f for f in FILLABLE if getattr(survivor, f) is None and getattr(other, f) is not None]
    for key in filled:
        setattr(survivor, key, getattr(other, key))

    aliases = [
        PersonAlias(id=uuid.uuid4(), person_id=survivor.id, kind=kind, value=value, merge_id=merge_id)
        for kind, value in (("id_dtks", other.id_dtks), ("nik", other.nik), ("kk_number", other.kk_number))
        if value and value != getattr(survivor, kind)
    ]

    # Household memberships: the survivor's own current one stays; the other's current one ends
    # today when the survivor already lives somewhere (one household at a time).
    survivor_home = [
        m for m in await repository.rows_of(session, HouseholdMember, survivor.id) if m.left_on is None
    ]
    memberships = []
    for member in await repository.rows_of(session, HouseholdMember, other.id):
        memberships.append(
            {"id": str(member.id), "left_on": member.left_on.isoformat() if member.left_on else None}
        )
        if member.left_on is None and survivor_home:
            member.left_on = today
    await session.flush()  # ended memberships before the move, for the one-current-household index
    for member in await repository.rows_of(session, HouseholdMember, other.id):
        member.person_id = survivor.id

    # PSKS roles: one active role of a type per person, so a role the survivor already holds ends.
    held = {
        r.psks_type for r in await repository.rows_of(session, PsksRole, survivor.id) if r.status == "active"
    }
    roles = []
    for role in await repository.rows_of(session, PsksRole, other.id):
        roles.append(
            {
                "id": str(role.id),
                "status": role.status,
                "active_until": role.active_until.isoformat() if role.active_until else None,
            }
        )
        if role.status == "active" and role.psks_type in held:
            role.status, role.active_until = "ended", today
    await session.flush()
    for role in await repository.rows_of(session, PsksRole, other.id):
        role.person_id = survivor.id

    assessments = await repository.ids_of(session, PpksAssessment, other.id)
    await repository.repoint(session, PpksAssessment, assessments, person_id=survivor.id)
    # The survivor keeps both histories: the other's past changes are listed under the survivor.
    changes = await repository.ids_of(session, Change, other.id)
    await repository.repoint(session, Change, changes, person_id=survivor.id)

    other.status, other.merged_into, other.status_changed_at = "merged", survivor.id, now
    other.version += 1
    other.updated_at = now
    if filled:
        survivor.version += 1
        survivor.updated_at = now

    closed = []
    for finding in await repository.nik_shared_findings(session, [survivor.id, other.id]):
        shared_with = set(finding.detail.get("shared_with", []))
        if finding.subject_id == other.id or shared_with <= {str(other.id)}:
            finding.status, finding.closed_at, finding.updated_at = "closed", now, now
            closed.append(str(finding.id))

    record = Merge(
        id=merge_id,
        pair_id=pair.id,
        survivor_id=survivor.id,
        merged_id=other.id,
        actor=actor,
        at=now,
        changes={
            "survivor_before": survivor_before,
            "survivor_after": {k: v for k, v in history.snapshot(survivor, SNAPSHOT).items() if k in filled},
            "merged_before": other_before,
            "household_members": memberships,
            "psks_roles": roles,
            "ppks_assessments": [str(i) for i in assessments],
            "changes": changes,
            "aliases": [str(a.id) for a in aliases],
            "findings_closed": closed,
        },
    )
    repository.add(session, record)
    await session.flush()
    repository.add(session, *aliases)
    history.record(
        session,
        entity_type="person",
        entity_id=survivor.id,
        person_id=survivor.id,
        action="merge",
        actor=actor,
        before={k: survivor_before[k] for k in filled},
        after={
            **{k: v for k, v in history.snapshot(survivor, SNAPSHOT).items() if k in filled},
            "merged": str(other.id),
        },
    )
    history.record(
        session,
        entity_type="person",
        entity_id=other.id,
        person_id=other.id,
        action="merged_into",
        actor=actor,
        before={"status": other_before["status"], "merged_into": None},
        after={"status": "merged", "merged_into": str(survivor.id), "pair_id": str(pair.id)},
    )
    publish(session, OutboxEvent, _event("merged", other, merged_into=str(survivor.id)))
    if filled:
        publish(session, OutboxEvent, _event("updated", survivor, status=survivor.status, changed=filled))
    await session.flush()
    return record


async def unmerge(session: AsyncSession, *, record: Merge, actor: str) -> list[str]:
    """Undo a merge: both records as they were, every re-pointed row back. Returns the fields of the
    survivor that were changed since the merge and so kept as they are now."""
    people = await repository.lock_people(session, [record.survivor_id, record.merged_id])
    survivor, other = people.get(record.survivor_id), people.get(record.merged_id)
    if survivor is None or other is None:
        raise CannotUndo("one of the two records is gone")
    if other.status != "merged" or other.merged_into != survivor.id:
        raise CannotUndo("the merged record has changed since the merge")
    if survivor.status == "merged":
        raise CannotUndo(
            f"the surviving record was itself merged into {survivor.merged_into}; undo that first"
        )
    now = datetime.now(UTC)
    changes = record.changes

    kept: list[str] = []
    survivor_before = changes["survivor_before"]
    now_values = history.snapshot(survivor, SNAPSHOT)
    for key, after in changes["survivor_after"].items():
        if now_values[key] == after:
            _restore(survivor, {key: survivor_before[key]})
        else:
            kept.append(key)
    if changes["survivor_after"]:
        survivor.version += 1
        survivor.updated_at = now

    _restore(other, changes["merged_before"])
    other.version += 1
    other.updated_at = now

    for item in changes["household_members"]:
        member = await session.get(HouseholdMember, uuid.UUID(item["id"]))
        if member is not None and member.person_id == survivor.id:
            member.person_id = other.id
            member.left_on = date.fromisoformat(item["left_on"]) if item["left_on"] else None
    for item in changes["psks_roles"]:
        role = await session.get(PsksRole, uuid.UUID(item["id"]))
        if role is not None and role.person_id == survivor.id:
            role.person_id = other.id
            role.status = item["status"]
            role.active_until = date.fromisoformat(item["active_until"]) if item["active_until"] else None
    await repository.repoint(
        session, PpksAssessment, [uuid.UUID(i) for i in changes["ppks_assessments"]], person_id=other.id
    )
    await repository.repoint(session, Change, changes["changes"], person_id=other.id)
    await repository.delete_aliases(session, [uuid.UUID(i) for i in changes["aliases"]])
    for finding in await repository.findings_by_ids(
        session, [uuid.UUID(i) for i in changes["findings_closed"]]
    ):
        if finding.status == "closed":
            finding.status, finding.closed_at, finding.updated_at = "open", None, now

    record.undone_by, record.undone_at = actor, now
    history.record(
        session,
        entity_type="person",
        entity_id=survivor.id,
        person_id=survivor.id,
        action="unmerge",
        actor=actor,
        before={"merged": str(other.id)},
        after={k: survivor_before[k] for k in changes["survivor_after"] if k not in kept},
    )
    history.record(
        session,
        entity_type="person",
        entity_id=other.id,
        person_id=other.id,
        action="unmerge",
        actor=actor,
        before={"status": "merged", "merged_into": str(survivor.id)},
        after={"status": other.status, "merged_into": None},
    )
    publish(session, OutboxEvent, _event("unmerged", other, was_merged_into=str(survivor.id)))
    await session.flush()
    return kept
