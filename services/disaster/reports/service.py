"""Progress against the year's target (victims by condition, handled = sheltered or aided) and the
situation report of one disaster; both as JSON or as HXL-tagged CSV. Counted in the caller's regions
only: a report never leaks a count from outside them."""

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any

from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.disasters import service as disasters
from services.disaster.disasters.schemas import Impact
from services.disaster.reports import hxl, repository
from services.disaster.reports.schemas import (
    AreaProgress,
    ConditionCounts,
    Handled,
    ItemDistributed,
    QuarterProgress,
    Registered,
    Sitrep,
    TargetRead,
    TargetSet,
    VictimReport,
)
from services.disaster.sites import service as sites
from shared import clock
from shared.auth import Principal
from shared.errors import Forbidden, NotFound

MANAGERS = ("provincial_officer", "regency_officer")
READERS = ("provincial_officer", "regency_officer", "field_officer", "viewer")
CONDITIONS = ("meninggal", "hilang", "luka", "mengungsi", "terdampak")
# Kemendagri code lengths: province 2, regency 5, district 8, village 13.
NEXT_LEVEL = {2: 5, 5: 8, 8: 13, 13: 13}


def _covered(principal: Principal, region_code: str) -> None:
    if not principal.covers_region(region_code):
        raise Forbidden(f"region {region_code} is wider than, or outside, your regions")


# --- Targets ----------------------------------------------------------------------------------------


async def set_target(
    session: AsyncSession, principal: Principal, year: int, region_code: str, data: TargetSet
) -> TargetRead:
    principal.require(*MANAGERS)
    _covered(principal, region_code)
    row = await repository.put_target(
        session,
        year=year,
        region_code=region_code,
        target=data.target,
        by=principal.sub,
        at=datetime.now(UTC),
    )
    return TargetRead(
        year=row.year,
        region_code=row.region_code,
        target=row.target,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )


async def get_target(session: AsyncSession, principal: Principal, year: int, region_code: str) -> TargetRead:
    principal.require(*READERS)
    _covered(principal, region_code)
    row = (await repository.targets(session, year, [region_code])).get(region_code)
    if row is None:
        raise NotFound(f"no victim target set for {region_code} in {year}")
    return TargetRead(
        year=row.year,
        region_code=row.region_code,
        target=row.target,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )


# --- Victims against the target -------------------------------------------------------------------


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=clock.office_zone())


def _sum(rows: Iterable[dict[str, Any]]) -> tuple[int, ConditionCounts, Handled, list[int]]:
    victims, counts, handled, sheltered, aided = 0, dict.fromkeys(CONDITIONS, 0), 0, 0, 0
    quarters = [0, 0, 0, 0]
    for row in rows:
        victims += row["victims"]
        counts[row["condition"]] = counts.get(row["condition"], 0) + row["victims"]
        handled += row["handled"]
        sheltered += row["sheltered"]
        aided += row["aided"]
        for n in range(4):
            quarters[n] += row.get(f"by_{n}", 0)
    return (
        victims,
        ConditionCounts(**counts),
        Handled(total=handled, sheltered=sheltered, aided=aided),
        quarters,
    )


async def victim_report(
    session: AsyncSession, principal: Principal, year: int, region_code: str
) -> VictimReport:
    principal.require(*READERS)
    _covered(principal, region_code)
    quarter_ends = [date(year, 4, 1), date(year, 7, 1), date(year, 10, 1), date(year + 1, 1, 1)]
    rows = await repository.progress(
        session,
        principal,
        region_code=region_code,
        disaster_id=None,
        registered_from=_start_of(date(year, 1, 1)),
        registered_before=_start_of(date(year + 1, 1, 1)),
        area_length=NEXT_LEVEL[len(region_code)],
        checkpoints=[_start_of(d) for d in quarter_ends],
    )
    victims, counts, handled, quarters = _sum(rows)
    areas = sorted({r["area"] for r in rows})
    targets = await repository.targets(session, year, [region_code, *areas])
    target = targets[region_code].target if region_code in targets else None
    by_area = []
    if NEXT_LEVEL[len(region_code)] != len(region_code):
        for area in areas:
            a_victims, a_counts, a_handled, _ = _sum(r for r in rows if r["area"] == area)
            by_area.append(
                AreaProgress(
                    region_code=area,
                    victims=a_victims,
                    by_condition=a_counts,
                    handled=a_handled,
                    target=targets[area].target if area in targets else None,
                )
            )
    return VictimReport(
        year=year,
        region_code=region_code,
        as_of=datetime.now(UTC),
        victims=victims,
        by_condition=counts,
        handled=handled,
        target=target,
        handled_percent=round(handled.total * 100 / target, 1) if target else None,
        by_quarter=[
            QuarterProgress(
                quarter=n + 1, ends_on=date.fromordinal(quarter_ends[n].toordinal() - 1), handled=quarters[n]
            )
            for n in range(4)
        ],
        by_area=by_area,
    )


VICTIM_COLUMNS = [
    ("Year", "#date+year"),
    ("Level", "#meta+level"),
    ("Province", "#adm1+code"),
    ("Regency", "#adm2+code"),
    ("District", "#adm3+code"),
    ("Village", "#adm4+code"),
    ("Victims", "#affected+total"),
    ("Meninggal", "#affected+killed"),
    ("Hilang", "#affected+missing"),
    ("Luka", "#affected+injured"),
    ("Mengungsi", "#affected+displaced"),
    ("Terdampak", "#affected+notdisplaced"),
    ("Handled", "#reached"),
    ("Sheltered", "#reached+sheltered"),
    ("Aided", "#reached+aided"),
    ("Target", "#targeted"),
]


def victim_report_csv(report: VictimReport) -> Response:
    def row(
        level: str, code: str, victims: int, c: ConditionCounts, h: Handled, target: int | None
    ) -> list[Any]:
        return [
            report.year,
            level,
            *hxl.admin_codes(code),
            victims,
            c.meninggal,
            c.hilang,
            c.luka,
            c.mengungsi,
            c.terdampak,
            h.total,
            h.sheltered,
            h.aided,
            target,
        ]

    rows = [
        row("total", report.region_code, report.victims, report.by_condition, report.handled, report.target)
    ]
    rows += [
        row("area", a.region_code, a.victims, a.by_condition, a.handled, a.target) for a in report.by_area
    ]
    return hxl.response(hxl.write(VICTIM_COLUMNS, rows), f"victims-{report.region_code}-{report.year}.csv")


# --- The situation report ---------------------------------------------------------------------------


async def sitrep(session: AsyncSession, principal: Principal, disaster_id: uuid.UUID) -> Sitrep:
    disaster = await disasters.get_or_raise(session, principal, disaster_id)
    rows = await repository.progress(
        session,
        principal,
        region_code=None,
        disaster_id=disaster.id,
        registered_from=None,
        registered_before=None,
        area_length=2,
        checkpoints=[],
    )
    victims, counts, handled, _ = _sum(rows)
    site_rows = await sites.for_disaster(session, principal, disaster.id)
    items = await repository.items_distributed(session, principal, disaster.id)
    today = clock.today()
    return Sitrep(
        disaster=disasters.to_read(disaster),
        as_of=datetime.now(UTC),
        day=(today - disaster.started_on).days + 1,
        reported_impact=Impact.model_validate(disaster),
        registered=Registered(
            total=victims,
            by_condition=counts,
            households=await repository.households(session, principal, disaster.id),
            found=await repository.found_count(session, principal, disaster.id),
            handled=handled,
        ),
        sheltered_now=sum(s.headcount.total for s in site_rows),
        sites_open=sum(1 for s in site_rows if s.status == "open"),
        sites=site_rows,
        distributions=await repository.distribution_count(session, principal, disaster.id),
        items=[
            ItemDistributed(item_code=c, name=n, unit=u, quantity=q, distributions=d, recipients=r)
            for c, n, u, q, d, r in items
        ],
        open_findings=await repository.open_findings(session, principal, disaster.id),
    )


SITREP_PARTS = ("summary", "sites", "items")


def sitrep_csv(report: Sitrep, part: str) -> Response:
    d = report.disaster
    name = f"sitrep-{d.id}-{part}.csv"
    if part == "sites":
        columns = [
            ("Disaster", "#event+name"),
            ("Site", "#loc+camp+name"),
            ("Site id", "#loc+camp+code"),
            ("Province", "#adm1+code"),
            ("Regency", "#adm2+code"),
            ("District", "#adm3+code"),
            ("Village", "#adm4+code"),
            ("Latitude", "#geo+lat"),
            ("Longitude", "#geo+lon"),
            ("Status", "#status"),
            ("Capacity", "#capacity"),
            ("People", "#affected+displaced"),
            ("Women", "#affected+displaced+f"),
            ("Men", "#affected+displaced+m"),
            ("Children", "#affected+displaced+children"),
            ("Elderly", "#affected+displaced+elderly"),
            ("Pregnant", "#affected+displaced+pregnant"),
            ("With disability", "#affected+displaced+disabled"),
            ("Toilets", "#capacity+toilets"),
            ("Water L/day", "#capacity+water"),
            ("Warnings", "#meta+warnings"),
        ]
        rows: list[list[Any]] = [
            [
                d.name,
                s.name,
                str(s.id),
                *hxl.admin_codes(s.region_code),
                s.latitude,
                s.longitude,
                s.status,
                s.capacity,
                s.headcount.total,
                s.headcount.female,
                s.headcount.male,
                s.headcount.children,
                s.headcount.elderly,
                s.headcount.pregnant,
                s.headcount.disability,
                s.toilets,
                s.water_liters_per_day,
                "; ".join(w.message for w in s.warnings),
            ]
            for s in report.sites
        ]
    elif part == "items":
        columns = [
            ("Disaster", "#event+name"),
            ("Item code", "#item+code"),
            ("Item", "#item+name"),
            ("Unit", "#item+unit"),
            ("Quantity distributed", "#item+quantity+distributed"),
            ("Distributions", "#output+distributions"),
            ("Recipients", "#reached+recipients"),
        ]
        rows = [
            [d.name, i.item_code, i.name, i.unit, i.quantity, i.distributions, i.recipients]
            for i in report.items
        ]
    else:
        r, i, c = report.registered, report.reported_impact, report.registered.by_condition
        columns = [
            ("Disaster", "#event+name"),
            ("Disaster id", "#event+code"),
            ("Kind", "#event+type"),
            ("Level", "#meta+level"),
            ("Started", "#date+start"),
            ("Day", "#date+day"),
            ("Status", "#status"),
            ("Regions", "#adm1+code+list"),
            ("Reported dead", "#affected+killed+reported"),
            ("Reported missing", "#affected+missing+reported"),
            ("Reported injured", "#affected+injured+reported"),
            ("Reported displaced", "#affected+displaced+reported"),
            ("Reported affected", "#affected+reported"),
            ("Houses heavily damaged", "#impact+houses+heavy"),
            ("Houses moderately damaged", "#impact+houses+medium"),
            ("Houses lightly damaged", "#impact+houses+light"),
            ("Registered victims", "#affected+registered"),
            ("Registered dead", "#affected+killed+registered"),
            ("Registered missing", "#affected+missing+registered"),
            ("Registered injured", "#affected+injured+registered"),
            ("Registered displaced", "#affected+displaced+registered"),
            ("Registered affected", "#affected+notdisplaced+registered"),
            ("Sheltered now", "#affected+displaced+sheltered"),
            ("Sites open", "#loc+camp+num"),
            ("Handled", "#reached"),
            ("Distributions", "#output+distributions"),
        ]
        rows = [
            [
                d.name,
                str(d.id),
                d.kind,
                d.level,
                d.started_on.isoformat(),
                report.day,
                d.status,
                " ".join(d.region_codes),
                i.dead,
                i.missing,
                i.injured,
                i.displaced,
                i.affected,
                i.houses_heavily_damaged,
                i.houses_moderately_damaged,
                i.houses_lightly_damaged,
                r.total,
                c.meninggal,
                c.hilang,
                c.luka,
                c.mengungsi,
                c.terdampak,
                report.sheltered_now,
                report.sites_open,
                r.handled.total,
                report.distributions,
            ]
        ]
    return hxl.response(hxl.write(columns, rows), name)
