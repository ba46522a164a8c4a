import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict

from shared.types import OfficeTime

# Values a caller without pii:read must not see in a change either.
PERSONAL_FIELDS = frozenset({"nik", "kk_number", "birth_date", "mother_name", "disability_status"})


class ChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    entity_type: str
    entity_id: uuid.UUID
    action: str
    actor: str
    at: OfficeTime
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def masked(self) -> "ChangeRead":
        def hide(values: dict[str, Any] | None) -> dict[str, Any] | None:
            if values is None:
                return None
            return {k: ("***" if k in PERSONAL_FIELDS and v is not None else v) for k, v in values.items()}

        return self.model_copy(update={"before": hide(self.before), "after": hide(self.after)})
