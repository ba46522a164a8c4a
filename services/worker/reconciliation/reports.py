"""A rule's result for one record, and how results reach the services that own the records.

Rules are pure: they return `Report`s, holding or not. The incremental consumers and the full
reconciliation both send what the rules return with `send`, so both paths write the same findings."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from services.worker.clients import Services

Owner = Literal["registry", "programs", "disaster"]


@dataclass(frozen=True)
class Report:
    owner: Owner  # the service that owns the subject record, and so the finding
    rule: str
    subject_type: str
    subject_id: str
    holds: bool
    detail: dict[str, Any] = field(default_factory=dict)

    def item(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "holds": self.holds,
            "detail": self.detail,
        }


async def send(services: Services, reports: Iterable[Report]) -> dict[str, dict[str, Any]]:
    """Every report to its owner, in bulk (one call per 2,000 reports per service)."""
    by_owner: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for report in reports:
        by_owner[report.owner].append(report.item())
    return {owner: await getattr(services, owner).report_findings(items) for owner, items in by_owner.items()}
