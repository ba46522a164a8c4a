"""Every table of the programs schema, for Alembic."""

from services.programs.attachments.models import Attachment
from services.programs.changes.models import ChangeLogEntry
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
from services.programs.privacy.models import AccessLogEntry
from services.programs.programs.models import Activity, Benefit, Enrolment, Program, ProgramSpending
from services.programs.reference.models import BasicNeed, Parameter, SpmService
from services.programs.targeting.models import (
    TargetingCandidate,
    TargetingDecision,
    TargetingRule,
    TargetingRun,
)

__all__ = [
    "AccessLogEntry",
    "Activity",
    "Admission",
    "Attachment",
    "Base",
    "BasicNeed",
    "BasicNeedMet",
    "Benefit",
    "ChangeLogEntry",
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
