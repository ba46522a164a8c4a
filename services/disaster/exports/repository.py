import uuid
from typing import Any

from sqlalchemy import Select, cast, func, literal_column, or_, select
from sqlalchemy.dialects.postgresql import TEXT
from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.distributions.models import Distribution, DistributionLine
from services.disaster.sites.models import SiteStay
from services.disaster.victims.models import Victim
from shared.ndjson import in_partition, in_shard


def _as_json() -> Any:
    """A distribution as the JSON of its `distribution.recorded` payload (the same keys and value
    formats), plus who recorded it and whose entitlement it counts against."""
    items = (
        select(
            func.coalesce(
                func.json_agg(
                    func.json_build_object(
                        "item_code",
                        DistributionLine.item_code,
                        "quantity",
                        cast(func.trim_scale(DistributionLine.quantity), TEXT),
                    )
                ),
                literal_column("'[]'::json"),
            )
        )
        .where(DistributionLine.distribution_id == Distribution.id)
        .scalar_subquery()
    )
    d = Distribution
    row = func.json_build_object(
        "distribution_id", d.id,
        "disaster_id", d.disaster_id,
        "person_id", d.person_id,
        "nik", d.nik,
        "full_name", d.full_name,
        "region_code", d.region_code,
        "distributed_at", d.distributed_at,
        "items", items,
        "victim_id", d.victim_id,
        "household_id", d.household_id,
        "site_id", d.site_id,
        "warehouse_id", d.warehouse_id,
        "source", d.source,
        "override_reason", d.override_reason,
        "recorded_by", d.recorded_by,
        "entitlement_group", d.entitlement_group,
    )  # fmt: skip
    return row


def distributions(region: str | None, *, exact: bool, shard: int = 0, shards: int = 1) -> Select[str]:
    """Every distribution of the partition (and shard), as JSON text."""
    return select(cast(_as_json(), TEXT)).where(
        in_partition(Distribution.region_code, region, exact=exact), in_shard(Distribution.id, shard, shards)
    )


async def of_recipients(
    session: AsyncSession, disaster_ids: list[uuid.UUID], person_ids: list[uuid.UUID], niks: list[str]
) -> str:
    """The distributions of these disasters to any of these registry ids or NIKs, as a JSON list."""
    d = Distribution
    query = select(func.coalesce(func.json_agg(_as_json()), literal_column("'[]'::json"))).where(
        d.disaster_id.in_(disaster_ids),
        or_(d.person_id.in_(person_ids), d.nik.in_(niks)),
    )
    return str(await session.scalar(select(cast(query.scalar_subquery(), TEXT))))


async def displaced(session: AsyncSession, person_ids: list[uuid.UUID], niks: list[str]) -> str:
    """The victims who are any of these registry ids or NIKs and are displaced now: condition mengungsi
    and checked in at a site, not out yet. A JSON list."""
    v, stay = Victim, SiteStay
    row = func.json_build_object(
        "victim_id", v.id,
        "disaster_id", v.disaster_id,
        "person_id", v.person_id,
        "nik", v.nik,
        "region_code", v.region_code,
        "site_id", stay.site_id,
        "checked_in_at", stay.checked_in_at,
    )  # fmt: skip
    query = (
        select(func.coalesce(func.json_agg(row), literal_column("'[]'::json")))
        .select_from(v)
        .join(stay, (stay.victim_id == v.id) & stay.checked_out_at.is_(None))
        .where(v.condition == "mengungsi", or_(v.person_id.in_(person_ids), v.nik.in_(niks)))
    )
    return str(await session.scalar(select(cast(query.scalar_subquery(), TEXT))))
