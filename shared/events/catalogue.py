"""Every event type in one place: its name, version, payload, the service that emits it and what the
worker does with it. `publish` refuses an event that is not here or whose payload does not match, so
the catalogue cannot drift from what the code sends; docs/events.md is written from it
(`kessos events catalogue`).

To add an event type: write its payload model (fields exactly as published; `| None` where the value
can be absent) and add one `EventType(...)` to `CATALOGUE` below, naming the worker modules that
consume it (tests/shared/test_event_catalogue.py holds that to services/worker/handlers.py)."""

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from shared.events.envelope import EventEnvelope


class Payload(BaseModel):
    # A key that is published but not described here is drift, as much as a missing one.
    model_config = ConfigDict(extra="forbid")


def _decimal_text(value: str) -> str:
    try:
        if Decimal(value).is_finite():
            return value
    except InvalidOperation:
        pass
    raise ValueError("not a decimal number")


# Amounts and quantities travel as text so that no float rounds them.
DecimalText = Annotated[
    str, AfterValidator(_decimal_text), Field(json_schema_extra={"format": "decimal"}, examples=["12.5"])
]
Id = uuid.UUID


@dataclass(frozen=True)
class EventType:
    name: str
    payload: type[Payload]
    emitted_by: str  # the envelope's `source`: a service, or "worker" for events the worker derives
    about: str
    # Worker module (services/worker/reconciliation/<module>) -> what it does with the event.
    consumers: dict[str, str] = field(default_factory=dict)
    version: int = 1
    # Events the worker makes out of another one rather than reads from an outbox.
    derived_from: tuple[str, ...] = ()


class EventRefused(ValueError):
    """An event that the catalogue does not describe: a bug in the code that publishes it."""


# --- registry -------------------------------------------------------------------------------------


class PersonChanged(Payload):
    person_id: Id
    region_code: str
    status: str
    # Absent when a merge fills the surviving record's empty fields (only `status` and `changed`).
    died_on: date | None = None
    status_changed_at: datetime | None = None
    changed: list[str] = Field(description="The fields that changed; empty for a new person")


class PersonMerged(Payload):
    person_id: Id = Field(description="The record merged away")
    region_code: str
    merged_into: Id


class PersonUnmerged(Payload):
    person_id: Id = Field(description="The record restored")
    region_code: str
    was_merged_into: Id


class PeopleImported(Payload):
    import_id: Id
    person_ids_inserted: list[Id]
    person_ids_updated: list[Id]


class PpksAssessment(Payload):
    assessment_id: Id
    person_id: Id
    ppks_type: str
    status: str
    assessed_on: date
    resolved_on: date | None
    region_code: str
    birth_date: date | None
    sex: str | None


class PsksRole(Payload):
    role_id: Id
    person_id: Id | None
    psks_type: str
    region_code: str
    active_from: date
    active_until: date | None
    status: str


class HouseholdMember(Payload):
    person_id: Id
    relationship: str


class HouseholdCreated(Payload):
    household_id: Id
    region_code: str
    members: list[HouseholdMember]


class HouseholdMemberMoved(Payload):
    person_id: Id
    to_household_id: Id
    from_household_id: Id | None
    relationship: str


class DuplicateScanRequested(Payload):
    scan_id: Id
    region: str | None = Field(description="A region-code prefix, or null for every region in scope")
    partitions: list[str] = Field(description="Region codes, one worker job each")


class DuplicatePartitionRequested(Payload):
    scan_id: Id
    partition: str


# --- worker ---------------------------------------------------------------------------------------


class ReconcileRequested(Payload):
    run_id: Id
    region: str | None = Field(description="A region-code prefix, or null for every region")


class ReconcilePartitionRequested(Payload):
    run_id: Id
    region: str
    exact: bool = Field(description="Only the records of exactly this region (a province's own)")
    shard: int = Field(default=0, ge=0, description="Which of `shards` id ranges of the partition")
    shards: int = Field(default=1, ge=1, description="The partition split into so many id ranges")


# --- disaster -------------------------------------------------------------------------------------


class Impact(Payload):
    dead: int
    missing: int
    injured: int
    displaced: int
    affected: int
    houses_heavily_damaged: int
    houses_moderately_damaged: int
    houses_lightly_damaged: int


class DisasterDeclared(Payload):
    disaster_id: Id
    kind: str
    level: str
    status: str
    region_codes: list[str]
    started_on: date
    impact: Impact


class DisasterUpdated(DisasterDeclared):
    changed: list[str]


class VictimRegistered(Payload):
    victim_id: Id
    disaster_id: Id
    disaster_level: str
    person_id: Id | None
    nik: str | None
    full_name: str | None
    condition: str
    region_code: str
    registered_at: datetime
    household_id: Id | None
    sex: str | None
    birth_date: date | None
    kk_number: str | None
    match_status: str | None
    found_on: date | None


class VictimUpdated(VictimRegistered):
    changed: list[str]


class ItemQuantity(Payload):
    item_code: str
    quantity: DecimalText


class DistributionRecorded(Payload):
    distribution_id: Id
    disaster_id: Id
    person_id: Id | None
    nik: str | None
    full_name: str | None
    region_code: str
    distributed_at: datetime
    items: list[ItemQuantity]
    victim_id: Id | None
    household_id: Id | None
    site_id: Id | None
    warehouse_id: Id
    source: str = Field(description="api: recorded online; sync: sent in an offline batch")
    override_reason: str | None


class DistributionsSynced(Payload):
    batch_id: Id
    count: int
    distributions: list[DistributionRecorded]


class StockReceived(Payload):
    warehouse_id: Id
    item_code: str
    quantity: DecimalText


class StockAdjusted(StockReceived):
    reason: str


class StockTransferred(Payload):
    transfer_id: Id
    from_warehouse_id: Id
    to_warehouse_id: Id
    items: list[ItemQuantity]


# --- programs -------------------------------------------------------------------------------------


class ProgramCreated(Payload):
    program_id: Id
    code: str
    area: str
    year: int
    funding_source: str
    region_code: str
    budget: DecimalText
    benefit_limit: DecimalText | None


class ProgramSpendingRecorded(Payload):
    program_id: Id
    quarter: int
    amount: DecimalText


class EnrolmentCreated(Payload):
    enrolment_id: Id
    program_id: Id
    person_id: Id
    region_code: str
    period_start: date
    period_end: date


class BenefitRecorded(Payload):
    benefit_id: Id
    enrolment_id: Id
    program_id: Id
    person_id: Id
    region_code: str
    kind: str
    amount: DecimalText
    given_on: date
    benefit_limit: DecimalText | None


class InstitutionCreated(Payload):
    institution_id: Id
    kind: str
    region_code: str
    capacity: int
    operator: str | None


class AdmissionCreated(Payload):
    admission_id: Id
    institution_id: Id
    person_id: Id
    admitted_on: date
    region_code: str
    ppks_type: str | None
    assessment_id: Id | None
    peksos_person_id: Id | None


class AdmissionDischarged(Payload):
    admission_id: Id
    person_id: Id
    discharged_on: date
    outcome: str


class AdmissionPeksosAssigned(Payload):
    admission_id: Id
    institution_id: Id
    peksos_person_id: Id
    region_code: str


class AdmissionCaseloadOverridden(Payload):
    admission_id: Id
    institution_id: Id
    peksos_person_id: Id
    caseload: int
    limit: int
    reason: str | None
    overridden_by: str | None
    region_code: str


class IndicatorRealisationRecorded(Payload):
    indicator_id: Id
    year: int
    quarter: int
    value: DecimalText
    region_code: str


class KubeCreated(Payload):
    group_id: Id
    region_code: str
    household_ids: list[Id]
    formed_on: date


class KubeMemberJoined(Payload):
    group_id: Id
    household_id: Id
    joined_on: date


class KubeMemberLeft(Payload):
    group_id: Id
    household_id: Id
    left_on: date


class KubeDissolved(Payload):
    group_id: Id
    dissolved_on: date


class KubeAidGiven(Payload):
    aid_id: Id
    group_id: Id
    program_id: Id | None
    amount: DecimalText
    given_on: date
    region_code: str


class WrseAidRecorded(Payload):
    aid_id: Id
    person_id: Id
    assessment_id: Id
    program_id: Id | None
    region_code: str
    kind: str
    amount: DecimalText
    given_on: date


class TargetingRunRequested(Payload):
    run_id: Id
    program_id: Id
    rule_version: int


class TargetingRunFinished(Payload):
    run_id: Id
    program_id: Id
    status: str
    candidates: int
    eligible: int


class TargetingCandidateDecided(Payload):
    run_id: Id
    program_id: Id
    person_id: Id
    region_code: str
    decision: str
    enrolment_id: Id | None


# --- the catalogue --------------------------------------------------------------------------------

RECHECK_PERSON = "re-checks the person's distributions and active admissions (registry, alive)"
MATCH_VICTIM = (
    "matches an unlinked victim against the registry (links a sure match, reports "
    "victim_possible_match otherwise) and reports nik_disagrees_with_registry"
)
ENROLMENT_RULES = (
    "reports enrolled_twice (overlapping enrolments of one person in the program, after identity "
    "resolution) and over_benefit_limit (the person's benefits from the program beyond its limit)"
)
PANTI_RULES = (
    "reports panti_resident_displaced (an active stay while the person, after identity resolution, is "
    "displaced at an evacuation site) and admitted_twice (active stays in two panti at once) on the "
    "person's active admissions"
)
PPKS_RULE = (
    "reports aid_after_ppks_resolved on the person's program benefits and WRSE aid given after every "
    "PPKS assessment they had by then was resolved (read from the programs service's feed)"
)
TO_PROGRAMS = "forwards it to the programs service's feed ({path}), newest occurred_at wins"

_TYPES = (
    # registry
    EventType(
        "person.created",
        PersonChanged,
        "registry",
        "A person was registered.",
    ),
    EventType(
        "person.updated",
        PersonChanged,
        "registry",
        "A person's record changed (also the survivor of a merge, when the merge filled its fields).",
        consumers={"recipients": RECHECK_PERSON + ", when status, died_on or merged_into changed"},
    ),
    EventType(
        "person.merged",
        PersonMerged,
        "registry",
        "A duplicate person was merged into another.",
        consumers={
            "identity": "re-points the programs and disaster records to the survivor, then "
            + RECHECK_PERSON.replace("the person's", "the survivor's"),
            "enrolments": "judges the survivor's enrolments and benefits again, the merged "
            "person's with them",
            "panti": PANTI_RULES,
            "ppks_resolved": PPKS_RULE,
        },
    ),
    EventType(
        "person.unmerged",
        PersonUnmerged,
        "registry",
        "A merge was undone.",
        consumers={
            "identity": "puts the re-pointed records back, then re-checks both people's records",
            "enrolments": "judges both people's enrolments and benefits again, apart",
            "panti": PANTI_RULES,
            "ppks_resolved": PPKS_RULE,
        },
    ),
    EventType(
        "people.imported",
        PeopleImported,
        "registry",
        "A chunk of an import (e.g. a DTKS file) wrote these people.",
    ),
    EventType(
        "ppks_assessment.recorded",
        PpksAssessment,
        "registry",
        "A PPKS assessment was recorded: the programs service builds its SPM figures on these.",
        consumers={
            "programs_feed": TO_PROGRAMS.format(path="/feeds/ppks-assessments"),
            "ppks_resolved": PPKS_RULE,
        },
    ),
    EventType(
        "ppks_assessment.updated",
        PpksAssessment,
        "registry",
        "A PPKS assessment changed (e.g. resolved).",
        consumers={
            "programs_feed": TO_PROGRAMS.format(path="/feeds/ppks-assessments"),
            "ppks_resolved": PPKS_RULE,
        },
    ),
    EventType(
        "psks_role.recorded",
        PsksRole,
        "registry",
        "A person took a PSKS role (e.g. Pekerja Sosial, TKSK).",
        consumers={"programs_feed": TO_PROGRAMS.format(path="/feeds/psks-roles")},
    ),
    EventType(
        "psks_role.updated",
        PsksRole,
        "registry",
        "A PSKS role changed or ended.",
        consumers={"programs_feed": TO_PROGRAMS.format(path="/feeds/psks-roles")},
    ),
    EventType(
        "household.created", HouseholdCreated, "registry", "A household (KK) was registered with members."
    ),
    EventType(
        "household.member_moved",
        HouseholdMemberMoved,
        "registry",
        "A person joined a household, leaving their previous one. The subject is the person.",
    ),
    EventType(
        "duplicates.scan_requested",
        DuplicateScanRequested,
        "registry",
        "An officer asked for a duplicate scan of a region.",
        consumers={"duplicate_scans": "sends one duplicates.partition_requested job per partition"},
    ),
    EventType(
        "duplicates.partition_requested",
        DuplicatePartitionRequested,
        "worker",
        "One partition of a duplicate scan, as a job of its own so that free workers share them.",
        consumers={"duplicate_scans": "asks the registry to scan the partition (it holds the data)"},
        derived_from=("duplicates.scan_requested",),
    ),
    # worker
    EventType(
        "reconcile.requested",
        ReconcileRequested,
        "worker",
        "A full reconciliation was asked for (`kessos reconcile [--region PREFIX]`, the nightly cron).",
        consumers={"full": "sends one reconcile.partition_requested job per partition (province, regency)"},
    ),
    EventType(
        "reconcile.partition_requested",
        ReconcilePartitionRequested,
        "worker",
        "One partition of a full reconciliation, as a job of its own so that free workers share them.",
        consumers={
            "full": "re-checks the partition's distributions, admissions, enrolments (and their "
            "benefits) and WRSE aid from the services' exports with the incremental path's rules"
        },
        derived_from=("reconcile.requested",),
    ),
    # disaster
    EventType("disaster.declared", DisasterDeclared, "disaster", "A disaster was declared."),
    EventType(
        "disaster.updated",
        DisasterUpdated,
        "disaster",
        "A disaster's status, name or impact figures changed.",
    ),
    EventType(
        "victim.registered",
        VictimRegistered,
        "disaster",
        "A victim was registered (the programs service counts them for SPM service 5).",
        consumers={
            "identity": MATCH_VICTIM,
            "programs_feed": TO_PROGRAMS.format(path="/feeds/victims"),
            "panti": PANTI_RULES,
        },
    ),
    EventType(
        "victim.updated",
        VictimUpdated,
        "disaster",
        "A victim's condition, identity or match changed, or the victim checked in at or out of an "
        "evacuation site (`changed`: site).",
        consumers={
            "identity": MATCH_VICTIM,
            "programs_feed": TO_PROGRAMS.format(path="/feeds/victims"),
            "panti": PANTI_RULES,
        },
    ),
    EventType(
        "distribution.recorded",
        DistributionRecorded,
        "disaster",
        "Relief was handed to a person. Recorded online it is published as is; sent in an offline "
        "batch, the worker derives one per distribution of the batch's distributions.synced events.",
        consumers={
            "recipients": "reports recipient_not_in_registry / recipient_deceased on the distribution",
            "identity": "reports nik_disagrees_with_registry when the recipient's name, birth date or sex "
            "disagree with the registry's record of the NIK",
            "double_receipt": "reports double_receipt when the same person (after identity resolution) "
            "received an entitled item in the disaster beyond the entitlement, across groups",
            "programs_feed": TO_PROGRAMS.format(path="/feeds/distributions"),
        },
        derived_from=("distributions.synced",),
    ),
    EventType(
        "distributions.synced",
        DistributionsSynced,
        "disaster",
        "A chunk of an offline batch of distributions (one outbox row for a few hundred records).",
        consumers={"disaster_batches": "hands each distribution to the consumers of distribution.recorded"},
    ),
    EventType("stock.received", StockReceived, "disaster", "Stock was received into a warehouse."),
    EventType("stock.transferred", StockTransferred, "disaster", "Stock moved between two warehouses."),
    EventType("stock.adjusted", StockAdjusted, "disaster", "A counted correction of a warehouse's stock."),
    # programs
    EventType("program.created", ProgramCreated, "programs", "A program (APBD activity) was created."),
    EventType(
        "program.spending_recorded",
        ProgramSpendingRecorded,
        "programs",
        "A quarter's spending of a program was recorded.",
    ),
    EventType(
        "enrolment.created",
        EnrolmentCreated,
        "programs",
        "A person was enrolled in a program.",
        consumers={"enrolments": ENROLMENT_RULES},
    ),
    EventType(
        "benefit.recorded",
        BenefitRecorded,
        "programs",
        "A benefit was given under an enrolment.",
        consumers={"enrolments": ENROLMENT_RULES, "ppks_resolved": PPKS_RULE},
    ),
    EventType("institution.created", InstitutionCreated, "programs", "A panti (institution) was created."),
    EventType(
        "admission.created",
        AdmissionCreated,
        "programs",
        "A client was admitted to a panti.",
        consumers={
            "recipients": "reports client_not_in_registry / client_deceased on the admission",
            "panti": PANTI_RULES,
        },
    ),
    EventType(
        "admission.discharged",
        AdmissionDischarged,
        "programs",
        "A client left a panti.",
        consumers={
            "recipients": "re-checks the stay as closed: client_deceased no longer holds on it",
            "panti": PANTI_RULES + "; on the closed stay they no longer hold",
        },
    ),
    EventType(
        "admission.peksos_assigned",
        AdmissionPeksosAssigned,
        "programs",
        "A social worker (Peksos) was assigned to a client.",
    ),
    EventType(
        "admission.caseload_overridden",
        AdmissionCaseloadOverridden,
        "programs",
        "A Peksos was given a client beyond the caseload limit, with a reason.",
    ),
    EventType(
        "indicator.realisation_recorded",
        IndicatorRealisationRecorded,
        "programs",
        "A quarter's realisation of a performance indicator was recorded.",
    ),
    EventType("kube.created", KubeCreated, "programs", "A KUBE (joint business group) was formed."),
    EventType("kube.member_joined", KubeMemberJoined, "programs", "A household joined a KUBE."),
    EventType("kube.member_left", KubeMemberLeft, "programs", "A household left a KUBE."),
    EventType("kube.dissolved", KubeDissolved, "programs", "A KUBE was dissolved."),
    EventType("kube.aid_given", KubeAidGiven, "programs", "Aid was given to a KUBE."),
    EventType(
        "wrse_aid.recorded",
        WrseAidRecorded,
        "programs",
        "Aid for a house (RS-RTLH / WRSE) was given to an assessed person.",
        consumers={"ppks_resolved": PPKS_RULE},
    ),
    EventType(
        "targeting_run.requested",
        TargetingRunRequested,
        "programs",
        "An officer asked for a program's candidate list under a version of its eligibility rule.",
        consumers={"targeting": "computes the candidate list over the registry and writes it back"},
    ),
    EventType(
        "targeting_run.finished",
        TargetingRunFinished,
        "programs",
        "A targeting run ended (completed or failed) with its counts.",
    ),
    EventType(
        "targeting_candidate.decided",
        TargetingCandidateDecided,
        "programs",
        "An officer accepted (enrolled) or rejected a candidate of a targeting run. "
        "The subject is `<run id>/<person id>`.",
    ),
)


def _index(types: tuple[EventType, ...]) -> dict[str, EventType]:
    catalogue: dict[str, EventType] = {}
    for entry in types:
        if entry.name in catalogue:
            raise ValueError(f"{entry.name} is in the catalogue twice")
        catalogue[entry.name] = entry
    return catalogue


CATALOGUE = _index(_TYPES)


def check(event: EventEnvelope) -> None:
    """Raise `EventRefused` unless the event is in the catalogue, from its service, at its version,
    with a payload of its model. Costs one pydantic validation of a small dict."""
    entry = CATALOGUE.get(event.type)
    if entry is None:
        raise EventRefused(f"event type {event.type!r} is not in shared/events/catalogue.py")
    if event.source != entry.emitted_by:
        raise EventRefused(f"{event.type} comes from {entry.emitted_by}, not {event.source}")
    if event.version != entry.version:
        raise EventRefused(f"{event.type} is at version {entry.version}, not {event.version}")
    try:
        entry.payload.model_validate(event.payload)
    except ValidationError as exc:
        raise EventRefused(f"{event.type} payload does not match the catalogue: {exc}") from None


# --- docs/events.md -------------------------------------------------------------------------------


def render_markdown() -> str:
    """docs/events.md: written by `kessos events catalogue`, checked by `--check`."""
    lines = [
        "# Events",
        "",
        "<!-- Written by `kessos events catalogue` from shared/events/catalogue.py; do not edit. -->",
        "",
        "Every event a service publishes through its outbox, or the worker derives from one. An envelope",
        "carries `id`, `type`, `source` (the emitting service), `occurred_at`, `subject` (the id of the",
        "record the event is about), `version`, `trace_id` (the W3C trace id of the request that caused",
        "it) and the `payload` described here. `publish` refuses an event that does not match.",
        "",
        "| Event | Version | Emitted by | Consumed by the worker |",
        "| --- | --- | --- | --- |",
    ]
    for entry in sorted(CATALOGUE.values(), key=lambda e: e.name):
        used = ", ".join(f"`{m}`" for m in entry.consumers) or "none"
        lines.append(
            f"| [`{entry.name}`](#{_anchor(entry.name)}) | {entry.version} | {entry.emitted_by} | {used} |"
        )
    for entry in sorted(CATALOGUE.values(), key=lambda e: e.name):
        lines += ["", f"## {entry.name}", "", entry.about, ""]
        lines.append(f"- Version: {entry.version}")
        lines.append(f"- Emitted by: {entry.emitted_by}")
        if entry.derived_from:
            lines.append(f"- Derived by the worker from: {', '.join(f'`{d}`' for d in entry.derived_from)}")
        if entry.consumers:
            lines.append("- Consumers (services/worker/reconciliation):")
            lines += [f"  - `{module}`: {does}" for module, does in entry.consumers.items()]
        else:
            lines.append("- Consumers: none in the worker yet")
        lines += ["", "```json", json.dumps(payload_schema(entry), indent=2, ensure_ascii=False), "```"]
    return "\n".join(lines) + "\n"


def payload_schema(entry: EventType) -> dict[str, Any]:
    """The payload's JSON schema, without pydantic's generated titles (they only repeat the names)."""
    return _untitled(entry.payload.model_json_schema())


def _untitled(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_untitled(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title":
            continue
        if key in ("properties", "$defs"):  # maps of names to schemas: a name is not a keyword
            out[key] = {name: _untitled(s) for name, s in value.items()}
        else:
            out[key] = _untitled(value)
    return out


def _anchor(name: str) -> str:
    # GitHub's heading anchors drop the dots.
    return name.replace(".", "")
