"""Who may do what with people. Scope (which people) is enforced by the repository's queries."""

from shared.auth import Principal

WRITERS = ("provincial_officer", "regency_officer", "field_officer")
READERS = ("provincial_officer", "regency_officer", "field_officer", "viewer", "institution_operator")


def require_write(principal: Principal) -> None:
    principal.require(*WRITERS)


def require_read(principal: Principal) -> None:
    principal.require(*READERS)
