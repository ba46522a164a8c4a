"""Reference data and configurable figures. The migration seeds the rows; the defaults here apply
only if a row was deleted, so a missing row never stops an admission or a report."""

from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.programs.reference import repository
from services.programs.reference.models import Parameter
from services.programs.reference.schemas import (
    BasicNeedRead,
    ParameterKey,
    ParameterRead,
    SpmServiceRead,
    SpmWeighting,
    VictimCondition,
)
from shared.auth import Principal
from shared.errors import Invalid, NotFound

READERS = ("provincial_officer", "regency_officer", "institution_operator", "viewer", "field_officer")
# Province-wide figures: only the province (or an admin) changes them.
EDITORS = ("provincial_officer",)

DEFAULTS: dict[str, Any] = {
    "peksos_caseload_limit": 10,
    "spm_weighting": {"coverage": 0.8, "quality": 0.2},
    "spm_victim_conditions": ["luka", "mengungsi", "terdampak"],
}
_VALIDATORS: dict[str, TypeAdapter[Any]] = {
    "peksos_caseload_limit": TypeAdapter(int),
    "spm_weighting": TypeAdapter(SpmWeighting),
    "spm_victim_conditions": TypeAdapter(list[VictimCondition]),
}


async def spm_services(session: AsyncSession, principal: Principal) -> list[SpmServiceRead]:
    principal.require(*READERS)
    return [SpmServiceRead.model_validate(s) for s in await repository.spm_services(session)]


async def basic_needs(session: AsyncSession, principal: Principal) -> list[BasicNeedRead]:
    principal.require(*READERS)
    return [BasicNeedRead.model_validate(n) for n in await repository.basic_needs(session)]


async def basic_need_or_invalid(session: AsyncSession, code: str, field: str) -> None:
    if await repository.basic_need(session, code) is None:
        raise Invalid(field, f"{code} is not a basic need (GET /api/v1/reference/basic-needs)")


async def value(session: AsyncSession, key: str) -> Any:
    row = await repository.parameter(session, key)
    return DEFAULTS[key] if row is None else row.value


async def caseload_limit(session: AsyncSession) -> int:
    return int(await value(session, "peksos_caseload_limit"))


async def spm_weighting(session: AsyncSession) -> SpmWeighting:
    return SpmWeighting.model_validate(await value(session, "spm_weighting"))


async def victim_conditions(session: AsyncSession) -> list[str]:
    return list(await value(session, "spm_victim_conditions"))


async def list_parameters(session: AsyncSession, principal: Principal) -> list[ParameterRead]:
    principal.require(*READERS)
    return [ParameterRead.model_validate(p) for p in await repository.parameters(session)]


def _validated(key: str, raw: Any) -> Any:
    try:
        parsed = _VALIDATORS[key].validate_python(raw, strict=key == "peksos_caseload_limit")
    except ValidationError as exc:
        raise Invalid("value", f"not a valid {key}: {exc.errors()[0]['msg']}") from None
    if key == "peksos_caseload_limit" and not 1 <= parsed <= 100:
        raise Invalid("value", "peksos_caseload_limit must be between 1 and 100")
    if key == "spm_weighting":
        if abs(parsed.coverage + parsed.quality - 1) > 1e-9:
            raise Invalid("value", "coverage and quality must add up to 1")
        return parsed.model_dump()
    if key == "spm_victim_conditions":
        if not parsed:
            raise Invalid("value", "name at least one victim condition")
        return sorted(set(parsed))
    return parsed


async def update_parameter(
    session: AsyncSession, principal: Principal, key: ParameterKey, raw: Any
) -> ParameterRead:
    principal.require(*EDITORS)
    new_value = _validated(key, raw)
    row = await repository.parameter(session, key, lock=True)
    if row is None:
        if key not in DEFAULTS:
            raise NotFound(f"no parameter {key}")
        row = Parameter(key=key, description=key)
        session.add(row)
    row.value, row.updated_by, row.updated_at = new_value, principal.sub, datetime.now(UTC)
    await session.flush()
    return ParameterRead.model_validate(row)
