import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, WithJsonSchema

from services.disaster.distributions.schemas import DistributionSyncRecord
from services.disaster.victims.schemas import VictimSyncRecord

MAX_RECORDS = 10_000


def _inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with its $defs inlined, to document a record that is validated one by
    one (a bad record is refused alone, not with the whole batch)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


DistributionRecord = Annotated[dict[str, Any], WithJsonSchema(_inline_schema(DistributionSyncRecord))]
VictimRecord = Annotated[dict[str, Any], WithJsonSchema(_inline_schema(VictimSyncRecord))]


class DistributionBatch(BaseModel):
    records: list[DistributionRecord] = Field(
        min_length=1,
        max_length=MAX_RECORDS,
        description="Distributions recorded offline, each with the id the phone gave it",
    )


class VictimBatch(BaseModel):
    records: list[VictimRecord] = Field(
        min_length=1, max_length=MAX_RECORDS, description="Victims registered offline, each with its id"
    )


class RecordOutcome(BaseModel):
    index: int = Field(description="The record's position in the batch, from 0")
    id: uuid.UUID | None = Field(description="The record's id (null when the id itself was unreadable)")
    outcome: Literal["created", "already_had", "rejected"]
    reason: str | None = Field(default=None, description="Why it was rejected, for a person to act on")
    field: str | None = Field(default=None, description="The field of the record the refusal is about")
    problem: str | None = Field(
        default=None, description="The refusal's problem type, as the single-record POST would answer it"
    )
    finding: str | None = Field(
        default=None, description="A finding opened on the record (e.g. entitlement_override)"
    )


class SyncResult(BaseModel):
    created: int
    already_had: int
    rejected: int
    results: list[RecordOutcome]
