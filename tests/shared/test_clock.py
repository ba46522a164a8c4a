"""The office's calendar: dates are the office's dates (WITA by default), not UTC's."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from shared import clock


@pytest.fixture
def fresh_zone() -> Iterator[None]:
    clock.office_zone.cache_clear()
    yield
    clock.office_zone.cache_clear()


def test_default_zone_is_wita(fresh_zone: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KESSOS_TIMEZONE", raising=False)
    assert clock.office_zone() == ZoneInfo("Asia/Makassar")


@pytest.mark.parametrize(
    ("moment", "local"),
    [
        (datetime(2026, 3, 9, 15, 59, 59, tzinfo=UTC), date(2026, 3, 9)),  # 23:59:59 WITA
        (datetime(2026, 3, 9, 16, 0, tzinfo=UTC), date(2026, 3, 10)),  # midnight WITA
        (datetime(2026, 3, 10, 7, 59, tzinfo=UTC), date(2026, 3, 10)),
        (datetime(2026, 3, 10, 6, 0, tzinfo=timezone(timedelta(hours=8))), date(2026, 3, 10)),
        (datetime(2026, 3, 10, 1, 0, tzinfo=timezone(timedelta(hours=7))), date(2026, 3, 10)),  # WIB 01:00
        (datetime(2026, 3, 10, 0, 30, tzinfo=timezone(timedelta(hours=9))), date(2026, 3, 9)),  # WIT 00:30
        (datetime(2025, 12, 31, 16, 0, tzinfo=UTC), date(2026, 1, 1)),
    ],
)
def test_local_date_is_the_office_date_of_the_instant(
    fresh_zone: None, monkeypatch: pytest.MonkeyPatch, moment: datetime, local: date
) -> None:
    monkeypatch.delenv("KESSOS_TIMEZONE", raising=False)
    assert clock.local_date(moment) == local
    assert clock.local_date(moment.astimezone(UTC)) == local  # the same instant, whatever its offset


def test_today_is_the_office_date(fresh_zone: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KESSOS_TIMEZONE", raising=False)
    before = datetime.now(ZoneInfo("Asia/Makassar")).date()
    today = clock.today()
    after = datetime.now(ZoneInfo("Asia/Makassar")).date()
    assert today in (before, after)


def test_zone_comes_from_the_settings(fresh_zone: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KESSOS_TIMEZONE", "Asia/Jayapura")  # WIT, UTC+9
    assert clock.office_zone() == ZoneInfo("Asia/Jayapura")
    assert clock.local_date(datetime(2026, 3, 9, 15, 30, tzinfo=UTC)) == date(2026, 3, 10)
