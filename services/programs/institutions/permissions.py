from services.programs.institutions.models import Institution
from shared.auth import Principal
from shared.errors import Forbidden

MANAGERS = ("provincial_officer", "regency_officer")
OPERATORS = ("provincial_officer", "regency_officer", "institution_operator")
READERS = ("provincial_officer", "regency_officer", "institution_operator", "viewer")


def covers(principal: Principal, institution: Institution) -> bool:
    """Officers by region, operators by the institutions in their token."""
    return principal.covers_region(institution.region_code) or principal.covers_institution(institution.id)


def require_region(principal: Principal, region_code: str) -> None:
    if not principal.covers_region(region_code):
        raise Forbidden(f"region {region_code} is outside your regions")
