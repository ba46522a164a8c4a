"""Who fits which panti: PPKS types by institution kind, and the ages the types and kinds imply
(DOMAIN.md: 01-07 are children under 18, 01 under 5, 08 is 60 and over)."""

from datetime import date

CHILD_TYPES = frozenset({"01", "02", "03", "04", "05", "06", "07"})
# Institution kind -> the PPKS types its clients may be admitted for ("other" takes any type).
KIND_TYPES: dict[str, frozenset[str]] = {
    "anak": CHILD_TYPES,
    "lanjut_usia": frozenset({"08"}),
    "disabilitas": frozenset({"05", "09"}),
    "gelandangan_pengemis": frozenset({"11", "12"}),
}
# (minimum age, age the client must be under); None: no bound.
TYPE_AGES: dict[str, tuple[int | None, int | None]] = {
    "01": (None, 5),
    **{t: (None, 18) for t in CHILD_TYPES - {"01"}},
    "08": (60, None),
}
KIND_AGES: dict[str, tuple[int | None, int | None]] = {"anak": (None, 18), "lanjut_usia": (60, None)}


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def fits_kind(kind: str, ppks_type: str) -> bool:
    allowed = KIND_TYPES.get(kind)
    return allowed is None or ppks_type in allowed


def age_problem(bounds: tuple[int | None, int | None] | None, age: int) -> str | None:
    if bounds is None:
        return None
    low, below = bounds
    if low is not None and age < low:
        return f"{low} and over"
    if below is not None and age >= below:
        return f"under {below}"
    return None
