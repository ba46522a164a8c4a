"""Field types shared by the services' API models."""

from decimal import Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer

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
