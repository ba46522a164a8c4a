from shared.auth import Principal
from shared.errors import Forbidden

PLANNERS = ("provincial_officer", "regency_officer")
RECORDERS = ("provincial_officer", "regency_officer", "field_officer")
READERS = ("provincial_officer", "regency_officer", "field_officer", "viewer")


def require_region(principal: Principal, region_code: str, field: str = "region_code") -> None:
    if not principal.covers_region(region_code):
        raise Forbidden(f"{field} {region_code} is outside your regions")
