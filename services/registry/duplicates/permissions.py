"""Who may do what with duplicates. Which pairs (both people in the caller's regions) is enforced by
the repository's queries."""

from shared.auth import Principal

# Officers of the office decide whether two records are one person; viewers may look.
REVIEWERS = ("provincial_officer", "regency_officer")
READERS = (*REVIEWERS, "viewer")


def require_review(principal: Principal) -> None:
    principal.require(*REVIEWERS)


def require_read(principal: Principal) -> None:
    principal.require(*READERS)
