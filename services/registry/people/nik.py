"""NIK and KK numbers (DOMAIN.md "Identity numbers").

NIK: 16 digits `PPRRDD DDMMYY SSSS`: province, regency and district of registration, the birth date
with 40 added to the day for women, and a serial that is never 0000. KK: the same layout, but the
date is the card's issue date with no +40.
"""

import re
from dataclasses import dataclass
from datetime import date

from shared import clock
from shared.masking import mask_number as mask  # noqa: F401  (re-exported)

_DIGITS16 = re.compile(r"[0-9]{16}")  # ASCII digits only: "\d" would also take ６ and ٦


@dataclass(frozen=True)
class NikInfo:
    district_code: str
    birth_date: date
    sex: str  # "M" or "F"
    serial: str


def _century_date(day: int, month: int, yy: int, today: date) -> date:
    """The latest century that does not put the date in the future."""
    year = 2000 + yy
    candidate = date(year, month, day)
    if candidate > today:
        candidate = date(year - 100, month, day)
    return candidate


def _district(number: str) -> str:
    return f"{number[0:2]}.{number[2:4]}.{number[4:6]}"


def parse_nik(nik: str, *, today: date | None = None) -> NikInfo:
    """Raises ValueError with a reason a person can act on."""
    if not _DIGITS16.fullmatch(nik):
        raise ValueError("a NIK is exactly 16 digits")
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    sex = "F" if day > 40 else "M"
    if day > 40:
        day -= 40
    try:
        born = _century_date(day, month, yy, today or clock.today())
    except ValueError:
        raise ValueError(f"digits 7–12 ({nik[6:12]}) are not a real birth date") from None
    if nik[12:] == "0000":
        raise ValueError("the serial (last 4 digits) cannot be 0000")
    return NikInfo(district_code=_district(nik), birth_date=born, sex=sex, serial=nik[12:])


def check_kk(kk: str, *, today: date | None = None) -> None:
    if not _DIGITS16.fullmatch(kk):
        raise ValueError("a KK number is exactly 16 digits")
    try:
        _century_date(int(kk[6:8]), int(kk[8:10]), int(kk[10:12]), today or clock.today())
    except ValueError:
        raise ValueError(f"digits 7–12 ({kk[6:12]}) are not a real issue date") from None
    if kk[12:] == "0000":
        raise ValueError("the serial (last 4 digits) cannot be 0000")
