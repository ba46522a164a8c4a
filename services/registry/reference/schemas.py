from typing import Literal

from pydantic import BaseModel, ConfigDict


class PpksTypeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    min_age: int | None
    max_age: int | None


class PsksTypeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    holder: Literal["person", "organisation"]
