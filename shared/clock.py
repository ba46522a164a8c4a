"""The office's calendar. Times are stored in UTC; a *date* (is this admission in the future? which
day was this aid handed out?) is the office's date, not UTC's: in Kalimantan (WITA, UTC+8) the UTC
date is still yesterday until 08:00."""

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from shared.settings import KessosSettings


@lru_cache(maxsize=1)
def office_zone() -> ZoneInfo:
    return ZoneInfo(KessosSettings().timezone)


def today() -> date:
    return datetime.now(office_zone()).date()


def local_date(moment: datetime) -> date:
    return moment.astimezone(office_zone()).date()
