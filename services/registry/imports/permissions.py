"""Who may import feeds and read imports. Which imports a reader sees is the repository's query."""

from shared.auth import Principal
from shared.errors import Forbidden

IMPORTERS = ("provincial_officer",)  # and admin, which every check lets through
READERS = ("provincial_officer", "regency_officer", "viewer")


def require_import(principal: Principal) -> None:
    principal.require(*IMPORTERS)
    if not principal.unscoped and not principal.regions:
        raise Forbidden("your token names no regions, so no row of a feed could be yours to import")


def require_read(principal: Principal) -> None:
    principal.require(*IMPORTERS, *READERS)
