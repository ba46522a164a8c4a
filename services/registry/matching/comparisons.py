"""How two records compare, field by field: each field's agreement is one of a few levels (exact,
close, …, different), or missing when either side lacks the value. The Fellegi–Sunter model
(model.py) gives every level a weight; this module only says which level a pair is at.

Pure Python on prepared records (`Rec`), so that a scan compares millions of pairs: the slow parts
(Jaro–Winkler, token-set ratio, Hamming distance) are rapidfuzz's C code."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, Hamming, JaroWinkler

MISSING = -1
NAMES_AGREE = 1  # name levels exact and one_typo: enough to read a near NIK or date as a typo


@dataclass(frozen=True)
class Field:
    name: str
    levels: tuple[str, ...]  # from the strongest agreement to "different"


# The order of FIELDS is the order of a comparison vector.
FIELDS: tuple[Field, ...] = (
    Field("nik", ("exact", "one_or_two_digits", "different")),
    Field("name", ("exact", "one_typo", "two_typos", "subset", "similar", "different")),
    Field(
        "birth_date",
        ("exact", "day_month_swapped", "same_year", "same_day_and_month", "different"),
    ),
    Field("sex", ("same", "different")),
    # The KK number, the address and the region are one fact, where the household lives: compared
    # as one, so that a family's members are not counted three times as alike. `same_village` is a
    # village in common and nothing more known (a record without KK or address); `other_home`, the
    # same village but known to be another home.
    Field(
        "household",
        (
            "same_kk",
            "same_address",
            "similar_address",
            "same_village",
            "other_home",
            "same_district",
            "same_regency",
            "different",
        ),
    ),
)
FIELD_INDEX = {f.name: i for i, f in enumerate(FIELDS)}
NIK, NAME, BIRTH_DATE, SEX, HOUSEHOLD = range(len(FIELDS))

Levels = tuple[int, ...]

# ---- names: on top of people.names.normalise (titles dropped, Muhammad/Muhamad/M. unified), the
# spelling differences that the old (pre-1972) orthography and everyday transliteration leave.
_OLD_SPELLING = (("dj", "j"), ("tj", "c"), ("nj", "ny"), ("sj", "sy"), ("oe", "u"), ("ch", "kh"))
_LOOSE = (
    ("kh", "h"),
    ("sy", "s"),
    ("dh", "d"),
    ("th", "t"),
    ("ph", "f"),
    ("q", "k"),
    ("v", "f"),
    ("x", "ks"),
)
_RUNS = re.compile(r"(.)\1+")


@lru_cache(maxsize=65_536)
def spelling_key(token: str) -> str:
    """`Djoko` and `Joko`, `Soeharto` and `Suharto`, `Chairul`, `Khairul` and `Hairul`, `Syamsul` and
    `Samsul`, `Ramadhan` and `Ramadan`, `Hassan` and `Hasan`, `Fatimah` and `Fatima`: one key each."""
    for old, new in _OLD_SPELLING:
        token = token.replace(old, new)
    for old, new in _LOOSE:
        token = token.replace(old, new)
    token = _RUNS.sub(r"\1", token)
    if len(token) > 3 and token.endswith("h") and token[-2] in "aiueo":
        token = token[:-1]
    return token


def name_keys(normalised: str) -> tuple[str, str, str]:
    """(spelled: tokens by spelling key, compact: the same without spaces, ordered: tokens sorted and
    joined). Compact makes `Nur Hayati` and `Nurhayati` equal; ordered, `Siti Rahmah` and `Rahmah Siti`."""
    tokens = [spelling_key(t) for t in normalised.split()]
    return " ".join(tokens), "".join(tokens), "".join(sorted(tokens))


# ---- addresses: `Jl. Pramuka No. 12` and `Jalan Pramuka Nomor 12` are one address.
_ADDRESS_WORDS = {
    "jalan": "jl",
    "jln": "jl",
    "nomor": "no",
    "nmr": "no",
    "nomer": "no",
    "gang": "gg",
    "komplek": "komp",
    "kompleks": "komp",
    "perumahan": "perum",
    "desa": "ds",
    "kelurahan": "kel",
    "kecamatan": "kec",
}
_ADDRESS_TOKEN = re.compile(r"[a-z]+|[0-9]+")


@lru_cache(maxsize=65_536)
def address_key(address: str | None) -> str | None:
    if not address:
        return None
    folded = unicodedata.normalize("NFKD", address).encode("ascii", "ignore").decode().lower()
    tokens = _ADDRESS_TOKEN.findall(folded)
    key = " ".join(_ADDRESS_WORDS.get(t, t) for t in tokens)
    return key or None


@dataclass(slots=True)
class Rec:
    """A record prepared for comparison (a registry person, or a record sent to the online match)."""

    nik: str | None
    name: str  # normalised
    plain: str  # normalised, without spaces
    spelled: str
    compact: str
    ordered: str
    birth_date: date | None
    sex: str | None
    region: str
    kk: str | None
    address: str | None  # address_key
    ref: Any = None  # the caller's handle (a row index, a person id)


def prepare(
    *,
    nik: str | None,
    name_normalized: str,
    birth_date: date | None,
    sex: str | None,
    region_code: str | None,
    kk_number: str | None,
    address: str | None,
    ref: Any = None,
    address_is_key: bool = False,
) -> Rec:
    spelled, compact, ordered = name_keys(name_normalized)
    return Rec(
        nik=nik or None,
        name=name_normalized,
        plain=name_normalized.replace(" ", ""),
        spelled=spelled,
        compact=compact,
        ordered=ordered,
        birth_date=birth_date,
        sex=sex or None,
        region=region_code or "",
        kk=kk_number or None,
        address=address if address_is_key else address_key(address),
        ref=ref,
    )


def nik_level(a: Rec, b: Rec, names_agree: bool, same_home: bool) -> int:
    """A NIK one or two digits away counts as mistyped only when nothing says two people: the names
    agree, the birth dates do not differ, and the digits that differ are not the district or the
    serial, which is exactly where two people born on one day differ (serial 0001 in every district,
    0002 for the second registration of the day) unless they share a home too."""
    x, y = a.nik, b.nik
    if x is None or y is None:
        return MISSING
    if x == y:
        return 0
    if (
        names_agree
        and len(x) == len(y) == 16
        and (a.birth_date is None or b.birth_date is None or a.birth_date == b.birth_date)
        and _mistyped(x, y, same_home)
    ):
        return 1
    return 2


def _mistyped(x: str, y: str, same_home: bool) -> bool:
    distance = Hamming.distance(x, y)
    if distance > 2:
        return False
    where = [i for i in range(16) if x[i] != y[i]]
    if len(where) == 2 and where[1] == where[0] + 1:
        first, second = where
        if x[first] == y[second] and x[second] == y[first]:
            return True  # two adjacent digits swapped
    return same_home or not any(4 <= i <= 5 or i >= 12 for i in where)


def name_level(a: Rec, b: Rec) -> int:
    if not a.compact or not b.compact:
        return MISSING
    if a.compact == b.compact or a.ordered == b.ordered:
        return 0
    # Letters swapped, dropped or doubled (optimal string alignment distance), as spelt or as
    # written (the spelling key folds doubled letters, which can hide or add a typo).
    typos = OSA.distance(a.compact, b.compact, score_cutoff=2)
    if typos > 1:
        typos = min(typos, OSA.distance(a.plain, b.plain, score_cutoff=2))
    if typos == 1:
        return 1
    if typos == 2 and min(len(a.compact), len(b.compact)) >= 4:
        return 2
    # One name inside the other: `Siti Rahmah` and `Siti Rahmah Hasanah`.
    token_set = fuzz.token_set_ratio(a.spelled, b.spelled, score_cutoff=85)
    if token_set == 100:
        return 3
    if token_set or JaroWinkler.normalized_similarity(a.compact, b.compact, score_cutoff=0.85):
        return 4
    return 5


def name_similarity(a: Rec, b: Rec) -> float:
    """Jaro–Winkler on the compact spelling keys, for the evidence."""
    if a.compact == b.compact or a.ordered == b.ordered:
        return 1.0
    return float(JaroWinkler.normalized_similarity(a.compact, b.compact))


def birth_date_level(a: date | None, b: date | None, names_agree: bool) -> int:
    """A swapped day and month, or a year one digit off, is a typo only when the names agree too:
    otherwise it is two people born on different days."""
    if a is None or b is None:
        return MISSING
    if a == b:
        return 0
    if a.year == b.year:
        if names_agree and a.day == b.month and a.month == b.day:
            return 1
        return 2
    if names_agree and a.day == b.day and a.month == b.month:
        return 3
    return 4


def household_level(a: Rec, b: Rec) -> int:
    if a.kk is not None and a.kk == b.kk:
        return 0
    ra, rb = a.region, b.region
    if not ra or not rb:
        return MISSING
    if ra == rb:
        if a.address is not None and b.address is not None:
            if a.address == b.address:
                return 1
            ratio = fuzz.token_set_ratio(a.address, b.address, score_cutoff=65)
            if ratio >= 90:
                return 1
            if ratio:
                return 2
            return 4
        if a.kk is not None and b.kk is not None:
            return 4
        return 3
    if len(ra) >= 8 and len(rb) >= 8 and ra[:8] == rb[:8]:
        return 5
    if ra[:5] == rb[:5]:
        return 6
    return 7


def compare(a: Rec, b: Rec) -> Levels:
    """The comparison vector of two records: one level per field of FIELDS."""
    name = name_level(a, b)
    names_agree = 0 <= name <= NAMES_AGREE
    household = household_level(a, b)
    return (
        nik_level(a, b, names_agree, 0 <= household <= 1),
        name,
        birth_date_level(a.birth_date, b.birth_date, names_agree),
        MISSING if a.sex is None or b.sex is None else (0 if a.sex == b.sex else 1),
        household,
    )


def nik_shared_by_different_people(levels: Levels) -> bool:
    """The same NIK on two records that are clearly two people: a known data-entry fault (a family
    member's NIK typed on the wrong row). Flagged for an officer; never merged on the NIK's word.
    Clearly two people: two signs of it, where a different name or a different birth date is two
    signs, a name only partly alike, a birth date in the same year (or with the year alone off), or
    another sex is one."""
    if levels[NIK] != 0:
        return False
    name, born, sex = levels[NAME], levels[BIRTH_DATE], levels[SEX]
    signs = {5: 2, 4: 1, 3: 1}.get(name, 0) + {4: 2, 3: 1, 2: 1}.get(born, 0) + (sex == 1)
    return signs >= 2
