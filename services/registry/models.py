"""Every table of the registry's schema, for Alembic."""

from services.registry.assessments.models import PpksAssessment
from services.registry.changes.models import ChangeLogEntry
from services.registry.db import Base, Finding, OutboxEvent
from services.registry.duplicates.models import (
    DuplicatePair,
    DuplicateScan,
    Merge,
    PairEvent,
    PersonAlias,
    ScanPartition,
)
from services.registry.history.models import Change
from services.registry.households.models import Household, HouseholdMember
from services.registry.imports.models import Import, ImportChunk, ImportIssue
from services.registry.matching.models import MatchingModel
from services.registry.people.models import AccessLogEntry, Person
from services.registry.psks.models import PsksRole
from services.registry.reference.models import PpksType, PsksType
from services.registry.regions.models import Region

__all__ = [
    "AccessLogEntry",
    "Base",
    "Change",
    "ChangeLogEntry",
    "DuplicatePair",
    "DuplicateScan",
    "Finding",
    "Household",
    "HouseholdMember",
    "Import",
    "ImportChunk",
    "ImportIssue",
    "MatchingModel",
    "Merge",
    "OutboxEvent",
    "PairEvent",
    "Person",
    "PersonAlias",
    "PpksAssessment",
    "PpksType",
    "PsksRole",
    "PsksType",
    "Region",
    "ScanPartition",
]
