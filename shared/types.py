"""Field types shared by the services' API models."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer, WithJsonSchema

from shared.clock import office_zone

# Kemendagri codes written with dots: province 63, regency 63.71, district 63.71.01, village 63.71.01.1001
RegionCode = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$",
        examples=["63.71.01.1001"],
        description="Kemendagri region code with dots",
    ),
]

# Stock quantities: exact decimals in the database, plain JSON numbers on the wire.
Quantity = Annotated[
    Decimal,
    Field(gt=0, max_digits=14, decimal_places=3, examples=[2.8]),
    PlainSerializer(float, return_type=float, when_used="json"),
]


def _in_office_zone(moment: datetime) -> str:
    # Stored and computed in UTC; shown on the office's clock so a phone or a report prints the time
    # people in the office lived (18:00 WITA, not 10:00Z). Same instant, only the offset differs. A
    # naive value (none should reach a response) is left as it is rather than guessed at.
    if moment.tzinfo is None:
        return moment.isoformat()
    return moment.astimezone(office_zone()).isoformat()


# A moment in a response: ISO 8601 with the office's offset (`2026-11-23T18:00:00+08:00` in WITA).
# Dates (birth, admission) stay plain `date`s: they are calendar days, not instants.
OfficeTime = Annotated[
    datetime,
    PlainSerializer(_in_office_zone, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-11-23T18:00:00+08:00"]}),
]
