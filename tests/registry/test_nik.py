"""NIK and KK numbers: the birth date (+40 for women), the century, the serial, and masking."""

from datetime import date, timedelta

import pytest

from services.registry.people.nik import NikInfo, check_kk, mask, parse_nik
from shared import clock

TODAY = date(2026, 11, 23)


def test_male_nik() -> None:
    info = parse_nik("6303011708790003", today=TODAY)
    assert info == NikInfo(district_code="63.03.01", birth_date=date(1979, 8, 17), sex="M", serial="0003")


def test_female_nik_has_forty_added_to_the_day() -> None:
    info = parse_nik("6371014506850001", today=TODAY)
    assert info == NikInfo(district_code="63.71.01", birth_date=date(1985, 6, 5), sex="F", serial="0001")


@pytest.mark.parametrize(
    ("day", "sex", "born_day"),
    [("01", "M", 1), ("31", "M", 31), ("41", "F", 1), ("71", "F", 31)],
)
def test_day_boundaries_of_both_sexes(day: str, sex: str, born_day: int) -> None:
    info = parse_nik(f"637101{day}0190" + "0001", today=TODAY)
    assert (info.sex, info.birth_date) == (sex, date(1990, 1, born_day))


@pytest.mark.parametrize(
    ("date_digits", "born"),
    [
        ("010105", date(2005, 1, 1)),  # 2005 is in the past
        ("010130", date(1930, 1, 1)),  # 2030 would be in the future
        ("231126", date(2026, 11, 23)),  # born today: this century
        ("241126", date(1926, 11, 24)),  # tomorrow in 2026 is the future: the century before
        ("010100", date(2000, 1, 1)),
        ("311299", date(1999, 12, 31)),
        ("290200", date(2000, 2, 29)),  # 2000 is a leap year
        ("290228", date(1928, 2, 29)),  # 2028 is the future; 1928 was a leap year
    ],
)
def test_century_is_the_latest_that_is_not_in_the_future(date_digits: str, born: date) -> None:
    assert parse_nik(f"637101{date_digits}0001", today=TODAY).birth_date == born


def test_without_today_the_office_date_decides_the_century() -> None:
    today = clock.today()
    tomorrow = today + timedelta(days=1)
    assert parse_nik(f"637101{today:%d%m%y}0001").birth_date == today
    assert parse_nik(f"637101{tomorrow:%d%m%y}0001").birth_date == tomorrow.replace(year=tomorrow.year - 100)
    check_kk(f"637101{today:%d%m%y}0001")


def test_century_follows_the_given_today() -> None:
    nik = "6371010101300001"
    assert parse_nik(nik, today=date(2031, 1, 1)).birth_date == date(2030, 1, 1)
    assert parse_nik(nik, today=date(2029, 12, 31)).birth_date == date(1930, 1, 1)


@pytest.mark.parametrize(
    ("nik", "why"),
    [
        ("6371013102850001", "31 February"),
        ("6371017102850001", "31 February for a woman (71 - 40)"),
        ("6371010006850001", "day 00"),
        ("6371014006850001", "day 40: neither a man's day nor a woman's (40 - 40 = 0)"),
        ("6371013206850001", "day 32"),
        ("6371017206850001", "day 72 for a woman means 32"),
        ("6371011513850001", "month 13"),
        ("6371011500850001", "month 00"),
        ("6371012902010001", "29 February 2001 / 1901: not leap years"),
    ],
)
def test_impossible_birth_dates_are_refused(nik: str, why: str) -> None:
    with pytest.raises(ValueError, match="not a real birth date"):
        parse_nik(nik, today=TODAY)


def test_serial_0000_is_refused() -> None:
    with pytest.raises(ValueError, match="0000"):
        parse_nik("6371014506850000", today=TODAY)


@pytest.mark.parametrize(
    "nik",
    [
        "",
        "637101450685000",  # 15 digits
        "63710145068500011",  # 17 digits
        "637101450685000A",
        "6371 14506850001",
        "6371-14506850001",
        " 6371014506850001",
        "+371014506850001",
    ],
)
def test_wrong_length_or_non_digits_are_refused(nik: str) -> None:
    with pytest.raises(ValueError, match="exactly 16 digits"):
        parse_nik(nik, today=TODAY)


def test_trailing_newline_is_refused() -> None:
    with pytest.raises(ValueError, match="exactly 16 digits"):
        parse_nik("6371014506850001\n", today=TODAY)


@pytest.mark.parametrize(
    "nik",
    [
        "６３７１０１４５０６８５０００１",  # full-width digits
        "637101450685٠٠٠١",  # Arabic-Indic digits in the serial
        "637101450685٠٠٠٠",  # an Arabic-Indic 0000 serial slips past the 0000 check
    ],
)
def test_non_ascii_digits_are_refused(nik: str) -> None:
    with pytest.raises(ValueError):
        parse_nik(nik, today=TODAY)


def test_check_kk_accepts_an_issue_date() -> None:
    check_kk("6371011203150002", today=TODAY)  # issued 12-03-2015
    check_kk("6371013112250001", today=TODAY)  # 31-12-2025


@pytest.mark.parametrize(
    ("kk", "why"),
    [
        ("6371014503150002", "day 45: a KK has no +40"),
        ("6371014106150002", "day 41"),
        ("6371013102150002", "31 February"),
        ("6371010003150002", "day 00"),
        ("6371011213150002", "month 13"),
    ],
)
def test_check_kk_refuses_impossible_issue_dates(kk: str, why: str) -> None:
    with pytest.raises(ValueError, match="not a real issue date"):
        check_kk(kk, today=TODAY)


@pytest.mark.parametrize(
    ("kk", "message"),
    [
        ("6371011203150000", "0000"),
        ("637101120315000", "exactly 16 digits"),
        ("63710112031500021", "exactly 16 digits"),
        ("63710112031500O2", "exactly 16 digits"),
    ],
)
def test_check_kk_refuses_bad_numbers(kk: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_kk(kk, today=TODAY)


def test_kk_issue_date_uses_the_century_rule() -> None:
    # 01-01-30: 2030 is the future, 1930 is a real date, so the number is well formed.
    check_kk("6371010101300001", today=TODAY)


def test_mask_keeps_four_leading_and_two_trailing_digits() -> None:
    assert mask("6371014506850001") == "6371**********01"
    assert mask("6371011203150002") == "6371**********02"
    masked = mask("6371014506850001")
    assert masked is not None and len(masked) == 16 and "450685" not in masked


def test_mask_of_none_is_none() -> None:
    assert mask(None) is None
