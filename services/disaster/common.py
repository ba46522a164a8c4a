"""Small helpers the disaster service's domains share: cursors, masking, ETags, content hashes."""

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, NoReturn

from pydantic import BaseModel, Field
from sqlalchemy import any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY

from shared.errors import AppError, Conflict, FieldError, Invalid, PreconditionFailed
from shared.masking import mask_number  # noqa: F401  (re-exported for the disaster folders)
from shared.pagination import after_uuid as after_id  # noqa: F401

# `\d` would also take Arabic-Indic and other Unicode digits: NIK and KK numbers are ASCII digits.
Nik = Annotated[str, Field(pattern=r"^[0-9]{16}$", examples=["6371014506850001"])]
KkNumber = Annotated[str, Field(pattern=r"^[0-9]{16}$", examples=["6371010101200003"])]

CHILD_UNDER = 18
ELDERLY_FROM = 60


def etag(record_id: uuid.UUID, version: int) -> str:
    return f'"{record_id}:{version}"'


def check_if_match(if_match: str, record_id: uuid.UUID, version: int, what: str) -> None:
    current = etag(record_id, version)
    if if_match.strip() not in (current, "W/" + current):
        raise PreconditionFailed(
            f"the {what} changed since you read it; read it again and resend your change"
        )


def content_hash(record: BaseModel) -> str:
    """A stable hash of a record as sent, so that the same record sent again is recognised. The models
    normalise what may be written in several ways (times to UTC, 1.0 to 1); fields left at their
    default are left out, so that `pregnant: false` and no `pregnant` are the same record, and a
    field added to the API later does not make old records look changed."""
    return hashlib.sha256(record.model_dump_json(exclude_defaults=True).encode()).hexdigest()


def utc(value: datetime | None) -> datetime | None:
    """A field validator: aware times only, kept in UTC (the same instant is the same value)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("needs a time zone")
    return value.astimezone(UTC)


def plain_decimal(value: Decimal) -> Decimal:
    """1.0 → 1, 2.50 → 2.5, 10 stays 10 (not 1E+1)."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal.as_tuple().exponent > 0 else normal  # type: ignore[operator]


def age_on(birth_date: date | None, day: date) -> int | None:
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def age_group(birth_date: date | None, day: date) -> str:
    """child (under 18) | adult | elderly (60 and over) | unknown (no birth date: documents lost)."""
    age = age_on(birth_date, day)
    if age is None:
        return "unknown"
    if age < CHILD_UNDER:
        return "child"
    return "elderly" if age >= ELDERLY_FROM else "adult"


def inside(code: str, regions: list[str]) -> bool:
    """Is a region code one of `regions` or inside one of them?"""
    return any(code == r or code.startswith(r + ".") for r in regions)


# --- Outcomes of a batch (offline sync) and of its one-record form (the plain POST) -------------------

OutcomeKind = Literal["created", "already_had", "rejected"]


@dataclass(frozen=True)
class Refusal:
    """Why a record was refused, naming the field: in a batch it becomes the record's `reason`; on its
    own (a plain POST) it becomes the problem+json answer, with the status its error class carries."""

    error: type[AppError]
    field: str
    reason: str

    def raise_(self) -> NoReturn:
        if issubclass(self.error, Invalid):
            raise Invalid(self.field, self.reason)
        raise self.error(self.reason, errors=[FieldError(field=self.field, message=self.reason)])


@dataclass
class Outcome:
    index: int
    id: uuid.UUID | None
    outcome: OutcomeKind = "created"
    refusal: Refusal | None = None
    finding: str | None = None

    def refuse(self, error: type[AppError], field: str, reason: str) -> None:
        if self.outcome != "rejected":  # the first reason found is the one reported
            self.outcome, self.refusal = "rejected", Refusal(error, field, reason)

    @property
    def open(self) -> bool:
        """Still on its way to being created."""
        return self.outcome == "created"


def settle_duplicates(first: "Outcome", later: "Outcome", same_content: bool) -> None:
    """A record sent twice in one batch: the same content gets the first one's fate (a created first
    makes the second "already had"); other content under the same id is refused."""
    if not same_content:
        later.refuse(Conflict, "id", f"id {later.id} appears twice in this batch with different content")
    elif first.outcome == "rejected":
        later.outcome, later.refusal = "rejected", first.refusal
    else:
        later.outcome = "already_had"


def any_of(column: Any, values: Iterable[Any], item_type: Any) -> Any:
    """`column = ANY(:array)`: one bind parameter however many values (IN would take one each, and a
    batch of 10,000 records would run into the driver's limit of 32,767 parameters)."""
    return column == any_(bindparam(None, list(values), type_=ARRAY(item_type)))
