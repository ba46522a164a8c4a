import uuid
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, PlainSerializer

from shared.types import OfficeTime, Quantity

RuleKind = Literal["per_household_per_disaster", "per_person_per_week", "unlimited"]


class EntitlementSet(BaseModel):
    """`per_household_per_disaster`: so much per household over the whole disaster (e.g. 1 family kit);
    `per_person_per_week`: so much per household member per week of the disaster, counted from its
    first day (e.g. 2.8 kg of rice); `unlimited`: no limit (quantity left out)."""

    rule: RuleKind
    quantity: Quantity | None = None


class EntitlementRead(BaseModel):
    item_code: str
    unit: str
    rule: RuleKind
    quantity: Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")] | None
    source: Literal["disaster", "default"] = Field(description="The disaster's own rule, or the default")
    disaster_id: uuid.UUID | None
    updated_by: str
    updated_at: OfficeTime
