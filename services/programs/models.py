"""Every table of the programs schema, for Alembic."""

from services.programs.db import Base, Finding, OutboxEvent
from services.programs.feeds.models import (
    DisasterVictimView,
    PpksAssessmentView,
    PsksRoleView,
    ReliefReceiptView,
)
from services.programs.groups.models import KubeAid, KubeAidUse, KubeGroup, KubeMember, WrseAid
from services.programs.indicators.models import Indicator, IndicatorRealisation, IndicatorTarget
from services.programs.institutions.models import Admission, BasicNeedMet, Institution
from services.programs.merges.models import PersonMerge
from services.programs.programs.models import Activity, Benefit, Enrolment, Program, ProgramSpending
from services.programs.reference.models import BasicNeed, Parameter, SpmService
from services.programs.targeting.models import (
    TargetingCandidate,
    TargetingDecision,
    TargetingRule,
    TargetingRun,
)

__all__ = [
    "Activity",
    "Admission",
    "Base",
    "BasicNeed",
    "BasicNeedMet",
    "Benefit",
    "DisasterVictimView",
    "Enrolment",
    "Finding",
    "Indicator",
    "IndicatorRealisation",
    "IndicatorTarget",
    "Institution",
    "KubeAid",
    "KubeAidUse",
    "KubeGroup",
    "KubeMember",
    "OutboxEvent",
    "Parameter",
    "PersonMerge",
    "PpksAssessmentView",
    "Program",
    "ProgramSpending",
    "PsksRoleView",
    "ReliefReceiptView",
    "SpmService",
    "TargetingCandidate",
    "TargetingDecision",
    "TargetingRule",
    "TargetingRun",
    "WrseAid",
]
