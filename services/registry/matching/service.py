"""Rules for matching: who may match, the online match (retrieve, compare, score, rank, mask), and
the model's parameters (read, re-estimate)."""

import asyncio
import math
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.duplicates import repository as duplicates_repository
from services.registry.matching import em, repository
from services.registry.matching.comparisons import FIELDS, Rec, compare, name_similarity, prepare
from services.registry.matching.model import DEFAULT, REJECTED, MatchModel
from services.registry.matching.models import MatchingModel
from services.registry.matching.schemas import (
    Candidate,
    Evidence,
    FieldEvidence,
    LevelParameters,
    MatchRecord,
    MatchRequest,
    MatchResponse,
    MatchResult,
    ModelRead,
    Thresholds,
)
from services.registry.matching.settings import settings
from services.registry.people import names
from services.registry.people import repository as people_repository
from services.registry.people.models import Person
from services.registry.people.nik import parse_nik
from services.registry.people.service import to_read
from shared.auth import Principal
from shared.errors import Invalid

# Who may match: the people who register and link people (and the worker, as `service`).
MATCHERS = ("provincial_officer", "regency_officer", "field_officer")

# Parsed parameters by row id: a row never changes once written.
_parsed: dict[uuid.UUID, MatchModel] = {}


async def current_model(session: AsyncSession) -> tuple[MatchModel, MatchingModel | None]:
    row = await repository.latest_model(session)
    if row is None:
        return DEFAULT, None
    model = _parsed.get(row.id)
    if model is None:
        model = _parsed[row.id] = MatchModel.from_json(row.parameters)
    return model, row


def rec_of_row(row: Any) -> Rec:
    """A registry person (ORM object or row of repository.COLUMNS) prepared for comparison."""
    return prepare(
        nik=row.nik,
        name_normalized=row.name_normalized,
        birth_date=row.birth_date,
        sex=row.sex,
        region_code=row.region_code,
        kk_number=row.kk_number,
        address=row.address,
        ref=row.id,
    )


def evidence_of(
    model: MatchModel, levels: tuple[int, ...], a: Rec, b: Rec, flags: Iterable[str], weight: float
) -> Evidence:
    return Evidence(
        fields=[
            FieldEvidence(**item) for item in model.evidence(levels, name_similarity=name_similarity(a, b))
        ],
        flags=list(flags),
        match_weight=round(weight, 2),
    )


def _swapped(day: date | None) -> date | None:
    if day is None or day.day > 12 or day.day == day.month:
        return None
    try:
        return day.replace(day=day.month, month=day.day)
    except ValueError:
        return None


def _query(index: int, record: MatchRecord, own: Person | None) -> tuple[Rec, repository.Query, list[str]]:
    warnings: list[str] = []
    name = record.full_name or (own.full_name if own else None)
    nik = record.nik or (own.nik if own else None)
    born = record.birth_date or (own.birth_date if own else None)
    region = record.region_code or (own.region_code if own else None)
    kk = record.kk_number or (own.kk_number if own else None)
    nik_born = None
    if nik is not None:
        try:
            nik_born = parse_nik(nik).birth_date
        except ValueError as exc:
            warnings.append(f"nik: {exc}; compared digit by digit only")
            if len(nik) != 16:
                nik = None
    normalised = names.normalise(name) if name else ""
    rec = prepare(
        nik=nik,
        name_normalized=normalised,
        birth_date=born,
        sex=record.sex or (own.sex if own else None),
        region_code=region,
        kk_number=kk if kk and len(kk) == 16 else None,
        address=record.address or (own.address if own else None),
        ref=index,
    )
    village = region if region and len(region) == 13 else None
    has_keys = bool(nik or born or nik_born or rec.kk or village)
    query = repository.Query(
        index=index,
        nik=nik,
        name=normalised or None,
        dates=(born, _swapped(born), nik_born if nik_born != born else None),
        kk=rec.kk,
        village=village,
        prefix=region,
        by_name=bool(normalised) and not has_keys,
    )
    return rec, query, warnings


async def match(session: AsyncSession, principal: Principal, request: MatchRequest) -> MatchResponse:
    principal.require(*MATCHERS)
    config = settings()
    thresholds = config.thresholds()
    model, row = await current_model(session)
    own_ids = {r.person_id for r in request.records if r.person_id}
    own = {p.id: p for p in await repository.people(session, principal, list(own_ids))}
    for i, record in enumerate(request.records):
        if record.person_id and record.person_id not in own:
            raise Invalid(f"records.{i}.person_id", f"no person {record.person_id} in your regions")
    prepared = [
        _query(i, r, own.get(r.person_id) if r.person_id else None) for i, r in enumerate(request.records)
    ]
    found = await repository.candidate_ids(session, principal, [q for _, q, _ in prepared])
    wanted = {pid for ids in found.values() for pid in ids}
    people = {p.id: p for p in await repository.people(session, principal, list(wanted))}
    rejected = await duplicates_repository.rejected_partners(session, own_ids) if own_ids else {}
    online_prior = model.online_prior_weight(config.registered_share)
    recs: dict[uuid.UUID, Rec] = {}
    results: list[MatchResult] = []
    shown: dict[uuid.UUID, Person] = {}
    for (rec, _, warnings), record in zip(prepared, request.records, strict=True):
        scored = []
        for pid in dict.fromkeys(found.get(rec.ref, [])):
            person = people.get(pid)
            if person is None or pid == record.person_id:
                continue
            other = recs.get(pid) or recs.setdefault(pid, rec_of_row(person))
            levels = compare(rec, other)
            # A registered person against others is a registry pair: the scan's prior holds.
            prior = model.prior_weight if record.person_id else online_prior
            score, flags = model.assess(levels, prior_weight=prior)
            if record.person_id and pid in rejected.get(record.person_id, set()):
                flags.append(REJECTED)
            weight = log_odds(score)
            scored.append((score, str(pid), person, levels, other, flags, weight))
        scored.sort(key=lambda s: (-s[0], s[1]))
        candidates = []
        for score, _, person, levels, other, flags, weight in scored[: request.top]:
            shown[person.id] = person
            candidates.append(
                Candidate(
                    person=to_read(person, principal),
                    score=round(score, 6),
                    decision=thresholds.decide(score, flags),
                    evidence=evidence_of(model, levels, rec, other, flags, weight),
                )
            )
        results.append(
            MatchResult(
                index=rec.ref,
                ref=record.ref,
                decision=candidates[0].decision if candidates else "no_match",
                candidates=candidates,
                warnings=warnings,
            )
        )
    if principal.can_read_pii and shown:
        await people_repository.log_access(session, list(shown.values()), principal.sub, "match")
    return MatchResponse(
        results=results,
        model_id=row.id if row else None,
        thresholds=Thresholds(match=thresholds.match, possible=thresholds.possible),
    )


def log_odds(score: float) -> float:
    """The match weight (log2 odds) of a score."""
    score = min(max(score, 1e-18), 1 - 1e-18)
    return math.log2(score / (1 - score))


def to_model_read(model: MatchModel, row: MatchingModel | None) -> ModelRead:
    thresholds = settings().thresholds()
    return ModelRead(
        id=row.id if row else None,
        prior=model.prior,
        people_per_region=model.people_per_region,
        fields={
            spec.name: LevelParameters(
                levels=list(spec.levels),
                m=[round(x, 8) for x in model.m[f]],
                u=[round(x, 8) for x in model.u[f]],
                weights=[round(w, 3) for w in model.weights[f][:-1]],
            )
            for f, spec in enumerate(FIELDS)
        },
        estimated_from=row.estimated_from if row else {"source": "built-in defaults (docs/matching.md)"},
        created_by=row.created_by if row else None,
        created_at=row.created_at if row else None,
        thresholds=Thresholds(match=thresholds.match, possible=thresholds.possible),
    )


async def read_model(session: AsyncSession, principal: Principal) -> ModelRead:
    principal.require(*MATCHERS, "viewer")
    model, row = await current_model(session)
    return to_model_read(model, row)


async def estimate(
    session: AsyncSession, principal: Principal, *, region: str | None, people: int | None
) -> ModelRead:
    """Re-estimate m, u and the prior by EM from the registry's own people (whole regencies, in code
    order, up to `people`), store them with what they came from, and use them from now on."""
    principal.require_exactly("admin")
    limit = people or settings().estimation_people
    started = time.perf_counter()
    chosen: list[str] = []
    partitions: list[list[Rec]] = []
    total = 0
    for code, count in await repository.region_sizes(session, principal, region, 5):
        if total and total + count > limit:
            break
        rows = await repository.region_people(session, code)
        partitions.append([rec_of_row(r) for r in rows])
        chosen.append(code)
        total += len(rows)
    if total < 2:
        raise Invalid("region", "there are not enough people to learn from in this region")
    estimation = await asyncio.to_thread(em.estimate, partitions, DEFAULT)
    row = MatchingModel(
        id=uuid.uuid4(),
        parameters=estimation.model.to_json(),
        estimated_from={
            **estimation.report(),
            "region": region,
            "regencies": chosen,
            "method": "EM (Fellegi–Sunter), u from random pairs, m per blocking rule",
            "seconds": round(time.perf_counter() - started, 1),
        },
        created_by=principal.sub,
        created_at=datetime.now(UTC),
    )
    repository.add_model(session, row)
    await session.flush()
    return to_model_read(estimation.model, row)
