"""What the reconciliation rules take from a registry person: was the person already dead at a moment?"""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from services.worker.reconciliation.people import RegistryPerson

WITA = timezone(timedelta(hours=8))  # South Kalimantan (province 63)
CHANGED = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


def person(
    status: str = "deceased", died_on: date | None = None, changed: datetime | None = CHANGED
) -> RegistryPerson:
    return RegistryPerson(id="p-1", status=status, died_on=died_on, status_changed_at=changed)


@pytest.mark.parametrize(
    ("when", "dead"),
    [
        # Times in the office's zone (WITA), so that "that day" means the same with either reading of it.
        (datetime(2026, 3, 9, 23, 59, 59, tzinfo=WITA), False),  # the day before
        (datetime(2026, 3, 9, 0, 0, tzinfo=WITA), False),
        (datetime(2026, 3, 10, 0, 0, tzinfo=WITA), True),  # the first moment of that day
        (datetime(2026, 3, 10, 8, 0, tzinfo=WITA), True),
        (datetime(2026, 3, 10, 23, 59, 59, tzinfo=WITA), True),
        (datetime(2026, 3, 11, 0, 0, tzinfo=WITA), True),  # the days after
        (datetime(2027, 1, 1, tzinfo=WITA), True),
        (datetime(2025, 12, 31, 12, 0, tzinfo=WITA), False),
    ],
)
def test_with_a_date_of_death_dead_from_that_day_on(when: datetime, dead: bool) -> None:
    # status_changed_at (when the registry learnt of it) is later than the death; the date wins.
    p = person(died_on=date(2026, 3, 10), changed=datetime(2026, 3, 20, tzinfo=UTC))
    assert p.dead_at(when) is dead


def test_a_date_of_death_matters_even_before_the_registry_recorded_it() -> None:
    p = person(died_on=date(2026, 3, 10), changed=datetime(2026, 4, 1, tzinfo=UTC))
    assert p.dead_at(datetime(2026, 3, 15, 12, 0, tzinfo=WITA)) is True


@pytest.mark.parametrize(
    ("when", "dead"),
    [
        (CHANGED - timedelta(days=1), False),
        (CHANGED - timedelta(microseconds=1), False),
        (CHANGED, True),
        (CHANGED + timedelta(microseconds=1), True),
        (CHANGED + timedelta(days=30), True),
        (CHANGED.astimezone(WITA), True),  # the same instant in another zone
        ((CHANGED - timedelta(seconds=1)).astimezone(WITA), False),
    ],
)
def test_without_a_date_of_death_dead_from_the_recorded_moment(when: datetime, dead: bool) -> None:
    assert person(died_on=None).dead_at(when) is dead


def test_without_any_date_a_deceased_person_is_always_dead() -> None:
    p = person(died_on=None, changed=None)
    assert p.dead_at(datetime(1990, 1, 1, tzinfo=UTC)) is True


@pytest.mark.parametrize("status", ["active", "moved", "merged"])
@pytest.mark.parametrize("died_on", [None, date(2026, 3, 10)])
def test_a_person_not_deceased_is_never_dead(status: str, died_on: date | None) -> None:
    p = person(status=status, died_on=died_on)
    for when in (CHANGED - timedelta(days=365), CHANGED, CHANGED + timedelta(days=365)):
        assert p.dead_at(when) is False


def test_from_api_reads_the_registry_body() -> None:
    body = {
        "id": "5b0e3f0c-0000-4000-8000-000000000001",
        "status": "deceased",
        "died_on": "2026-03-10",
        "status_changed_at": "2026-03-12T01:02:03+00:00",
        "full_name": "ignored",
    }
    p = RegistryPerson.from_api(body)
    assert p == RegistryPerson(
        id=body["id"],
        status="deceased",
        died_on=date(2026, 3, 10),
        status_changed_at=datetime(2026, 3, 12, 1, 2, 3, tzinfo=UTC),
        full_name="ignored",  # identity is read too (for the rules that compare it)
    )
    alive = RegistryPerson.from_api(
        {"id": "x", "status": "active", "died_on": None, "status_changed_at": None}
    )
    assert alive.died_on is None and alive.status_changed_at is None and not alive.dead_at(CHANGED)


def test_the_same_instant_gets_the_same_answer_whatever_its_offset() -> None:
    p = person(died_on=date(2026, 3, 10))
    local = datetime(2026, 3, 10, 6, 0, tzinfo=WITA)  # 06:00 on the day of death in Banjarmasin
    utc = local.astimezone(UTC)  # 2026-03-09 22:00 UTC: the same moment
    assert local == utc
    assert p.dead_at(local) is True
    assert p.dead_at(utc) is True  # 06:00 WITA on the day of death, read in UTC
