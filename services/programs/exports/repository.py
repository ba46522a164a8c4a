from sqlalchemy import Select, cast, func, select
from sqlalchemy.dialects.postgresql import TEXT

from services.programs.institutions.models import Admission
from shared.ndjson import in_partition, in_shard


def admissions(region: str | None, *, exact: bool, shard: int = 0, shards: int = 1) -> Select[str]:
    """Every admission of the partition (by the institution's region), open or discharged."""
    a = Admission
    row = func.json_build_object(
        "admission_id", a.id,
        "institution_id", a.institution_id,
        "person_id", a.person_id,
        "admitted_on", a.admitted_on,
        "status", a.status,
        "discharged_on", a.discharged_on,
        "region_code", a.region_code,
    )  # fmt: skip
    return select(cast(row, TEXT)).where(
        in_partition(a.region_code, region, exact=exact), in_shard(a.id, shard, shards)
    )
