"""Entitlements: how much of an item a household or person may receive in a disaster, configurable per
item (a default) and per disaster, checked on every distribution to a registered victim or household."""

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.disasters import service as disasters
from services.disaster.disasters.models import Disaster
from services.disaster.entitlements import repository
from services.disaster.entitlements.models import EntitlementRule
from services.disaster.entitlements.schemas import EntitlementRead, EntitlementSet
from services.disaster.warehouses import service as warehouses
from shared import clock
from shared.auth import Principal
from shared.errors import Invalid, NotFound

DEFAULT_KEEPERS = ("provincial_officer",)
MANAGERS = ("provincial_officer", "regency_officer")
READERS = ("provincial_officer", "regency_officer", "field_officer", "viewer")


# --- Configuring ------------------------------------------------------------------------------------


def _read(rule: EntitlementRule, unit: str) -> EntitlementRead:
    return EntitlementRead(
        item_code=rule.item_code,
        unit=unit,
        rule=rule.rule,  # type: ignore[arg-type]
        quantity=rule.quantity,
        source="default" if rule.disaster_id is None else "disaster",
        disaster_id=rule.disaster_id,
        updated_by=rule.updated_by,
        updated_at=rule.updated_at,
    )


async def list_defaults(session: AsyncSession, principal: Principal) -> list[EntitlementRead]:
    principal.require(*READERS)
    return [_read(rule, unit) for rule, unit in await repository.rules_with_units(session, None)]


async def list_for_disaster(
    session: AsyncSession, principal: Principal, disaster_id: uuid.UUID
) -> list[EntitlementRead]:
    """What applies in this disaster: its own rule where it has one, else the default."""
    disaster = await disasters.get_or_raise(session, principal, disaster_id)
    chosen: dict[str, tuple[EntitlementRule, str]] = {}
    for rule, unit in await repository.rules_with_units(session, disaster.id):
        if rule.disaster_id is not None or rule.item_code not in chosen:
            chosen[rule.item_code] = (rule, unit)
    return [_read(rule, unit) for rule, unit in sorted(chosen.values(), key=lambda r: r[0].item_code)]


async def _check(session: AsyncSession, item_code: str, data: EntitlementSet) -> str:
    items = await warehouses.known_items(session, [item_code])
    if item_code not in items:
        raise Invalid("item_code", f"{item_code} is not in the item catalogue")
    if data.rule == "unlimited" and data.quantity is not None:
        raise Invalid("quantity", "an unlimited entitlement has no quantity")
    if data.rule != "unlimited" and data.quantity is None:
        raise Invalid("quantity", f"a {data.rule} entitlement needs a quantity")
    return items[item_code].unit


async def set_default(
    session: AsyncSession, principal: Principal, item_code: str, data: EntitlementSet
) -> EntitlementRead:
    principal.require(*DEFAULT_KEEPERS)
    unit = await _check(session, item_code, data)
    rule = await repository.put(
        session,
        disaster_id=None,
        item_code=item_code,
        rule=data.rule,
        quantity=data.quantity,
        by=principal.sub,
        at=datetime.now(UTC),
    )
    return _read(rule, unit)


async def _managed_disaster(session: AsyncSession, principal: Principal, disaster_id: uuid.UUID) -> Disaster:
    principal.require(*MANAGERS)
    disaster = await disasters.get_or_raise(session, principal, disaster_id)
    disasters.require_all_regions(principal, disaster.region_codes)
    return disaster


async def set_for_disaster(
    session: AsyncSession, principal: Principal, disaster_id: uuid.UUID, item_code: str, data: EntitlementSet
) -> EntitlementRead:
    disaster = await _managed_disaster(session, principal, disaster_id)
    unit = await _check(session, item_code, data)
    rule = await repository.put(
        session,
        disaster_id=disaster.id,
        item_code=item_code,
        rule=data.rule,
        quantity=data.quantity,
        by=principal.sub,
        at=datetime.now(UTC),
    )
    return _read(rule, unit)


async def remove_default(session: AsyncSession, principal: Principal, item_code: str) -> None:
    principal.require(*DEFAULT_KEEPERS)
    if not await repository.remove(session, disaster_id=None, item_code=item_code):
        raise NotFound(f"no default entitlement for {item_code}")


async def remove_for_disaster(
    session: AsyncSession, principal: Principal, disaster_id: uuid.UUID, item_code: str
) -> None:
    disaster = await _managed_disaster(session, principal, disaster_id)
    if not await repository.remove(session, disaster_id=disaster.id, item_code=item_code):
        raise NotFound(f"no entitlement of this disaster for {item_code}; the default applies")


# --- Checking ---------------------------------------------------------------------------------------


def lock_key(disaster_id: uuid.UUID, group: str) -> int:
    digest = hashlib.blake2b(f"{disaster_id}/{group}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


async def lock(session: AsyncSession, keys: Iterable[tuple[uuid.UUID, str]]) -> None:
    await repository.lock_groups(session, [lock_key(d, g) for d, g in keys])


def week_of(disaster: Disaster, moment: datetime) -> int:
    """Week 0 is the disaster's first seven days, in the office's calendar."""
    return (clock.local_date(moment) - disaster.started_on).days // 7


@dataclass(frozen=True)
class Excess:
    index: int  # the line in the record's items
    item_code: str
    message: str


@dataclass
class Book:
    """The entitlements that apply and what was already given, for the recipients of one batch; as the
    batch accepts records, what they give is added, so that two records of one batch to the same
    household count together."""

    rules: dict[tuple[uuid.UUID | None, str], EntitlementRule]
    units: dict[str, str]
    whole: dict[tuple[uuid.UUID, str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    weekly: dict[tuple[uuid.UUID, str, str, int], Decimal] = field(
        default_factory=lambda: defaultdict(Decimal)
    )

    def rule(self, disaster_id: uuid.UUID, item_code: str) -> EntitlementRule | None:
        rule = self.rules.get((disaster_id, item_code)) or self.rules.get((None, item_code))
        return None if rule is None or rule.rule == "unlimited" else rule

    def excess(
        self,
        disaster: Disaster,
        group: str,
        members: int,
        week: int,
        lines: Sequence[tuple[str, Decimal]],
        who: str,
    ) -> list[Excess]:
        out = []
        for index, (item_code, asked) in enumerate(lines):
            rule = self.rule(disaster.id, item_code)
            if rule is None or rule.quantity is None:
                continue
            unit = self.units.get(item_code, "")
            if rule.rule == "per_household_per_disaster":
                entitled = rule.quantity
                already = self.whole[(disaster.id, group, item_code)]
                span = f"{_n(rule.quantity)} {unit} per household for the whole disaster"
            else:
                entitled = rule.quantity * members
                already = self.weekly[(disaster.id, group, item_code, week)]
                start = disaster.started_on.toordinal() + 7 * week
                span = (
                    f"{_n(rule.quantity)} {unit} per person per week, {_n(entitled)} {unit} for {members} "
                    f"{'person' if members == 1 else 'people'} in the week of "
                    f"{date.fromordinal(start)} to {date.fromordinal(start + 6)}"
                )
            if already + asked > entitled:
                out.append(
                    Excess(
                        index,
                        item_code,
                        f"{who} is entitled to {span} of {item_code}, has received {_n(already)} and "
                        f"{_n(asked)} more was asked",
                    )
                )
        return out

    def give(self, disaster: Disaster, group: str, week: int, lines: Sequence[tuple[str, Decimal]]) -> None:
        for item_code, quantity in lines:
            self.whole[(disaster.id, group, item_code)] += quantity
            self.weekly[(disaster.id, group, item_code, week)] += quantity


def _n(value: Decimal) -> str:
    return f"{value.normalize():f}"


async def book(
    session: AsyncSession, disasters_: Iterable[Disaster], groups: Iterable[tuple[uuid.UUID, str]]
) -> Book:
    """Read the rules and the use so far, after the caller locked the groups."""
    ids = {d.id for d in disasters_}
    group_list = list(groups)
    rules = {(r.disaster_id, r.item_code): r for r in await repository.rules_for(session, ids)}
    units = {
        code: item.unit
        for code, item in (await warehouses.known_items(session, [c for _, c in rules])).items()
    }
    result = Book(rules=rules, units=units)
    if group_list and rules:
        wanted = set(group_list)
        for disaster_id, group, item_code, week, quantity in await repository.used(
            session, {d for d, _ in group_list}, {g for _, g in group_list}, clock.office_zone().key
        ):
            if (disaster_id, group) in wanted:
                result.whole[(disaster_id, group, item_code)] += quantity
                result.weekly[(disaster_id, group, item_code, week)] += quantity
    return result
