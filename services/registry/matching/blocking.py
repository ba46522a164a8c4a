"""Blocking: which pairs of a set of records are worth comparing. Comparing all pairs of a regency
(n² / 2: 1.8 billion for 60,000 people) is out of the question; two records of one person almost
always share at least one of these keys, while two random records share none:

- the NIK, its first 12 digits (district and birth date: a typo in the serial) or its last 10 (birth
  date and serial: a typo in the district);
- the KK number (a family: duplicates are usually entered with their household);
- the birth date with day and month unordered (so a day/month swap shares the key);
- day and month of birth with the name's first letters (a typo in the year);
- the name's spelling key with the year of birth, or with the village (records without a date).

Each kind of key is grouped on its own, so memory holds one kind at a time. A block larger than
MAX_BLOCK (a NIK typed on a hundred rows, a placeholder birth date) is not compared all-to-all but
as a sorted neighbourhood: ordered by name, each record with its WINDOW next ones."""

from collections.abc import Callable, Hashable, Iterator, Sequence

from services.registry.matching.comparisons import Rec

MAX_BLOCK = 50
WINDOW = 8

KeyFn = Callable[[Rec], Hashable | None]


def _nik(r: Rec) -> Hashable | None:
    return r.nik


def _nik_serial_typo(r: Rec) -> Hashable | None:
    return r.nik[:12] if r.nik and len(r.nik) == 16 else None


def _nik_district_typo(r: Rec) -> Hashable | None:
    return r.nik[6:] if r.nik and len(r.nik) == 16 else None


def _kk(r: Rec) -> Hashable | None:
    return r.kk


def _birth_date(r: Rec) -> Hashable | None:
    born = r.birth_date
    if born is None:
        return None
    return (born.year, min(born.day, born.month), max(born.day, born.month))


def _year_typo(r: Rec) -> Hashable | None:
    born = r.birth_date
    return (born.month, born.day, r.compact[:3]) if born is not None and r.compact else None


def _name_year(r: Rec) -> Hashable | None:
    return (r.compact, r.birth_date.year) if r.birth_date is not None and r.compact else None


def _ordered_name_year(r: Rec) -> Hashable | None:
    if r.birth_date is None or r.ordered == r.compact:
        return None
    return (r.ordered, r.birth_date.year)


def _name_village(r: Rec) -> Hashable | None:
    return (r.region, r.compact) if r.compact else None


def _ordered_name_village(r: Rec) -> Hashable | None:
    return (r.region, r.ordered) if r.ordered != r.compact else None


RULES: tuple[tuple[str, KeyFn], ...] = (
    ("nik", _nik),
    ("nik_serial_typo", _nik_serial_typo),
    ("nik_district_typo", _nik_district_typo),
    ("kk_number", _kk),
    ("birth_date", _birth_date),
    ("year_typo", _year_typo),
    ("name_year", _name_year),
    ("ordered_name_year", _ordered_name_year),
    ("name_village", _name_village),
    ("ordered_name_village", _ordered_name_village),
)
RULE_KEYS = dict(RULES)


def candidate_pairs(
    records: Sequence[Rec], inside: int | None = None, *, rules: Sequence[str] | None = None
) -> list[tuple[int, int]]:
    """Index pairs (i, j), i < j, each once, to compare: those sharing a key of any rule (or of
    `rules`). Records from `inside` on are outsiders (from another partition, fetched because they
    share a NIK or KK): only pairs with at least one insider count."""
    n = len(records)
    inside = n if inside is None else inside
    codes: set[int] = set()  # i * n + j: ints hash and compare faster than tuples
    for name in rules if rules is not None else RULE_KEYS:
        key_fn = RULE_KEYS[name]
        blocks: dict[Hashable, list[int]] = {}
        for i, record in enumerate(records):
            key = key_fn(record)
            if key is not None:
                members = blocks.get(key)
                if members is None:
                    blocks[key] = [i]
                else:
                    members.append(i)
        for members in blocks.values():
            size = len(members)
            if size < 2 or members[0] >= inside:
                continue
            if size == 2:
                codes.add(members[0] * n + members[1])
            elif size <= MAX_BLOCK:
                codes.update(i * n + j for x, i in enumerate(members) if i < inside for j in members[x + 1 :])
            else:
                codes.update(_neighbourhood(records, members, n, inside))
    return [divmod(code, n) for code in sorted(codes)]


def _neighbourhood(records: Sequence[Rec], members: list[int], n: int, inside: int) -> Iterator[int]:
    ordered = sorted(members, key=lambda i: records[i].compact)
    for x, i in enumerate(ordered):
        for j in ordered[x + 1 : x + 1 + WINDOW]:
            lo, hi = (i, j) if i < j else (j, i)
            if lo < inside:
                yield lo * n + hi
