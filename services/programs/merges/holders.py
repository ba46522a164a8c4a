"""The programs records that name a registry person, re-pointed when the registry merges two people."""

import uuid

from sqlalchemy import ColumnElement, Table, and_, exists, select

from services.programs.feeds.models import (
    DisasterVictimView,
    PpksAssessmentView,
    PsksRoleView,
    ReliefReceiptView,
)
from services.programs.groups.models import WrseAid
from services.programs.institutions.models import Admission
from services.programs.programs.models import Benefit, Enrolment
from shared.person_merges import Holder


def _active_beside_survivors(table: Table, survivor_id: uuid.UUID) -> ColumnElement[bool]:
    """One active stay per person: an active stay of the merged person stays theirs when the survivor
    has one too (a person in two panti at once, which its own rule reports)."""
    other = table.alias("survivors")
    return and_(
        table.c.status == "active",
        exists(select(1).where(other.c.person_id == survivor_id, other.c.status == "active")),
    )


HOLDERS = (
    Holder("admissions", Admission.__table__, stays=_active_beside_survivors),  # type: ignore[arg-type]
    Holder("admissions_peksos", Admission.__table__, column="peksos_person_id"),  # type: ignore[arg-type]
    Holder("enrolments", Enrolment.__table__),  # type: ignore[arg-type]
    Holder("benefits", Benefit.__table__),  # type: ignore[arg-type]
    Holder("wrse_aids", WrseAid.__table__),  # type: ignore[arg-type]
    # Projections of registry and disaster records: their sources are re-pointed too, so these agree.
    Holder("ppks_assessments", PpksAssessmentView.__table__, key="assessment_id"),  # type: ignore[arg-type]
    Holder("psks_roles", PsksRoleView.__table__, key="role_id"),  # type: ignore[arg-type]
    Holder("disaster_victims", DisasterVictimView.__table__, key="victim_id"),  # type: ignore[arg-type]
    Holder("relief_receipts", ReliefReceiptView.__table__, key="distribution_id"),  # type: ignore[arg-type]
)
