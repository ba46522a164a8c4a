from shared.auth import Principal

# Rules, runs and decisions: the officers who plan programs. Reading: anyone who reads programs.
PLANNERS = ("provincial_officer", "regency_officer")
READERS = ("provincial_officer", "regency_officer", "field_officer", "viewer")


def sees_region(principal: Principal, region_code: str) -> bool:
    """A run over a region is visible to whoever covers it, and to officers of regions inside it (a
    regency officer verifies the province's list for their regency; they see only its candidates)."""
    return principal.covers_region(region_code) or any(
        r.startswith(region_code + ".") for r in principal.regions
    )
