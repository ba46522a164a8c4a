"""Rules for people: identity numbers checked as DOMAIN.md says, scope, masking, access log, events."""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.db import SERVICE, OutboxEvent
from services.registry.history import service as history
from services.registry.people import names, permissions, repository
from services.registry.people.exceptions import DuplicateNik
from services.registry.people.models import Person
from services.registry.people.nik import check_kk, mask, parse_nik
from services.registry.people.schemas import PeopleQuery, PersonCreate, PersonRead, PersonUpdate
from services.registry.regions import service as regions
from shared import clock
from shared.auth import Principal
from shared.errors import Forbidden, Invalid, NotFound, PreconditionFailed
from shared.events import EventEnvelope, publish
from shared.findings import scopes_from_tables
from shared.pagination import Page, after_time_and_uuid, encode_cursor

HISTORY_FIELDS = (
    "nik",
    "kk_number",
    "full_name",
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
    "merged_into",
)
# Fields whose change other services must hear about (the worker re-checks their records).
_EVENT_FIELDS = ("nik", "full_name", "birth_date", "sex", "region_code", "status", "died_on", "merged_into")


def etag(person: Person) -> str:
    return f'"{person.id}:{person.version}"'


async def _identity_warnings(
    session: AsyncSession, *, nik: str | None, kk_number: str | None, birth_date: date | None, sex: str | None
) -> list[str]:
    """422 naming the field when a number is malformed or disagrees with the record; warnings for what
    is suspicious but legitimate (registration codes older than today's region table)."""
    warnings: list[str] = []
    if nik is not None:
        try:
            info = parse_nik(nik)
        except ValueError as exc:
            raise Invalid("nik", str(exc)) from None
        if birth_date is not None and birth_date != info.birth_date:
            raise Invalid(
                "nik", f"the NIK encodes birth date {info.birth_date}, the record says {birth_date}"
            )
        if sex is not None and sex != info.sex:
            raise Invalid("nik", f"the NIK encodes sex {info.sex}, the record says {sex}")
        if not await regions.exists(session, info.district_code):
            warnings.append(f"nik: district {info.district_code} is not in today's region table")
    if kk_number is not None:
        try:
            check_kk(kk_number)
        except ValueError as exc:
            raise Invalid("kk_number", str(exc)) from None
    return warnings


async def _check_region(session: AsyncSession, principal: Principal, region_code: str) -> None:
    if not await regions.exists(session, region_code):
        raise Invalid("region_code", f"{region_code} is not a Kemendagri region code")
    if not principal.covers_region(region_code):
        raise Forbidden(f"region {region_code} is outside your regions")


def to_read(person: Person, principal: Principal, warnings: list[str] | None = None) -> PersonRead:
    masked = not principal.can_read_pii
    return PersonRead(
        id=person.id,
        nik=mask(person.nik) if masked else person.nik,
        kk_number=mask(person.kk_number) if masked else person.kk_number,
        full_name=person.full_name,
        birth_date=None if masked else person.birth_date,
        birth_year=person.birth_date.year if person.birth_date else None,
        birth_place=person.birth_place,
        sex=person.sex,  # type: ignore[arg-type]
        address=person.address,
        region_code=person.region_code,
        rt=person.rt,
        rw=person.rw,
        mother_name=None if masked else person.mother_name,
        welfare_decile=person.welfare_decile,
        disability_status=None if masked else person.disability_status,
        id_dtks=person.id_dtks,
        status=person.status,  # type: ignore[arg-type]
        died_on=person.died_on,
        status_changed_at=person.status_changed_at,
        merged_into=person.merged_into,
        masked=masked,
        warnings=warnings or [],
        created_at=person.created_at,
        updated_at=person.updated_at,
    )


def _event(kind: str, person: Person, changed: Sequence[str] = ()) -> EventEnvelope:
    return EventEnvelope(
        type=f"person.{kind}",
        source=SERVICE,
        subject=str(person.id),
        payload={
            "person_id": str(person.id),
            "region_code": person.region_code,
            "status": person.status,
            "died_on": person.died_on.isoformat() if person.died_on else None,
            "status_changed_at": person.status_changed_at.isoformat() if person.status_changed_at else None,
            "changed": list(changed),
        },
    )


async def _log_unmasked(
    session: AsyncSession, principal: Principal, people: Sequence[Person], action: str
) -> None:
    if principal.can_read_pii and people:
        await repository.log_access(session, people, principal.sub, action)


async def create(session: AsyncSession, principal: Principal, data: PersonCreate) -> PersonRead:
    permissions.require_write(principal)
    await _check_region(session, principal, data.region_code)
    warnings = await _identity_warnings(
        session, nik=data.nik, kk_number=data.kk_number, birth_date=data.birth_date, sex=data.sex
    )
    if data.nik and await repository.nik_taken(session, data.nik):
        raise DuplicateNik("a person with this NIK is already registered; search for them by NIK instead")
    now = datetime.now(UTC)
    person = Person(
        id=uuid.uuid4(),
        **data.model_dump(),
        name_normalized=names.normalise(data.full_name),
        status="active",
        version=1,
        created_at=now,
        updated_at=now,
    )
    if data.birth_date is None and data.nik:
        person.birth_date = parse_nik(data.nik).birth_date
    repository.add(session, person)
    history.record(
        session,
        entity_type="person",
        entity_id=person.id,
        person_id=person.id,
        action="create",
        actor=principal.sub,
        before=None,
        after=history.snapshot(person, HISTORY_FIELDS),
    )
    publish(session, OutboxEvent, _event("created", person))
    await session.flush()
    await _log_unmasked(session, principal, [person], "create")
    return to_read(person, principal, warnings)


async def get_or_raise(session: AsyncSession, principal: Principal, person_id: uuid.UUID) -> Person:
    permissions.require_read(principal)
    person = await repository.get(session, principal, person_id)
    if person is None:
        raise NotFound(f"no person {person_id} in your regions")
    return person


async def read(session: AsyncSession, principal: Principal, person_id: uuid.UUID) -> tuple[PersonRead, str]:
    person = await get_or_raise(session, principal, person_id)
    await _log_unmasked(session, principal, [person], "read")
    return to_read(person, principal), etag(person)


def age_band(min_age: int | None, max_age: int | None, on: date) -> tuple[date | None, date | None]:
    """Birth-date bounds for people aged min_age..max_age (inclusive) on a day."""
    born_before = _years_before(on, min_age) if min_age is not None else None
    born_after = _years_before(on, max_age + 1) + timedelta(days=1) if max_age is not None else None
    return born_after, born_before


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


async def search(
    session: AsyncSession, principal: Principal, query: PeopleQuery, *, limit: int, cursor: str | None
) -> Page[PersonRead]:
    permissions.require_read(principal)
    if query.age_min is not None and query.age_max is not None and query.age_min > query.age_max:
        raise Invalid("age_min", "age_min is above age_max")
    after = after_time_and_uuid(cursor)
    born_after, born_before = age_band(query.age_min, query.age_max, clock.today())
    rows = await repository.search(
        session,
        principal,
        repository.PeopleFilter(
            nik=query.nik,
            kk_number=query.kk,
            name=names.normalise(query.q) if query.q else None,
            birth_date=query.birth_date,
            born_after=born_after,
            born_before=born_before,
            region=query.region,
            ppks_type=query.ppks_type,
            status=query.status,
        ),
        after=after,
        limit=limit + 1,
    )
    page = rows[:limit]
    await _log_unmasked(session, principal, page, "search")
    next_cursor = encode_cursor([page[-1].created_at.isoformat(), page[-1].id]) if len(rows) > limit else None
    return Page(items=[to_read(p, principal) for p in page], next_cursor=next_cursor)


async def update(
    session: AsyncSession, principal: Principal, person_id: uuid.UUID, data: PersonUpdate, if_match: str
) -> tuple[PersonRead, str]:
    permissions.require_write(principal)
    person = await repository.get(session, principal, person_id, lock=True)
    if person is None:
        raise NotFound(f"no person {person_id} in your regions")
    if if_match.strip() not in (etag(person), "W/" + etag(person)):
        raise PreconditionFailed(
            "the person changed since you read it; read it again and re-apply your change"
        )
    if person.status == "merged":
        raise Invalid("status", f"this record was merged into {person.merged_into}; change that one")
    changes = data.model_dump(exclude_unset=True)
    if "region_code" in changes and changes["region_code"] is not None:
        await _check_region(session, principal, changes["region_code"])
    after = {**{k: getattr(person, k) for k in ("nik", "kk_number", "birth_date", "sex")}, **changes}
    warnings = await _identity_warnings(
        session,
        nik=after["nik"],
        kk_number=after["kk_number"],
        birth_date=after["birth_date"],
        sex=after["sex"],
    )
    if changes.get("nik") and await repository.nik_taken(session, changes["nik"], other_than=person.id):
        raise DuplicateNik("another person is registered with this NIK")
    new_status = changes.get("status", person.status)
    if changes.get("died_on") is not None and new_status != "deceased":
        raise Invalid("died_on", "died_on is only recorded for a deceased person")
    if changes.get("died_on") and changes["died_on"] > clock.today():
        raise Invalid("died_on", "died_on cannot be in the future")
    changed = [k for k, v in changes.items() if getattr(person, k) != v]
    now = datetime.now(UTC)
    before = history.snapshot(person, HISTORY_FIELDS)
    for key in changed:
        setattr(person, key, changes[key])
    if "full_name" in changed:
        person.name_normalized = names.normalise(person.full_name)
    if "status" in changed:
        person.status_changed_at = now
        if person.status != "deceased":
            person.died_on = None
    if changed:
        person.version += 1
        person.updated_at = now
        publish(session, OutboxEvent, _event("updated", person, changed))
        old, new = history.diff(before, history.snapshot(person, HISTORY_FIELDS))
        history.record(
            session,
            entity_type="person",
            entity_id=person.id,
            person_id=person.id,
            action="update",
            actor=principal.sub,
            before=old,
            after=new,
        )
    await session.flush()
    await _log_unmasked(session, principal, [person], "update")
    return to_read(person, principal, warnings), etag(person)


async def subject_scope(
    session: AsyncSession, subject_type: str, subject_id: uuid.UUID
) -> tuple[str | None, None] | None:
    """Where a finding on a registry record belongs (for scoping reads of findings)."""
    if subject_type != "person":
        return None
    person = await session.get(Person, subject_id)
    return (person.region_code, None) if person else None


# The same, for many subjects at once (`PUT /findings/batch`).
subjects_scope = scopes_from_tables({"person": Person})
