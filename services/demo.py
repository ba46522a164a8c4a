"""`kessos seed --demo`: a small, believable data set that gives every screen of a front end something
to show. Two provinces (Kalimantan Selatan: Kota Banjarmasin; Kalimantan Timur: Kota Samarinda),
households with their members, PPKS assessments and PSKS roles, a program with enrolments and aid, a
panti with clients, a flood with evacuation sites, victims and aid handed out, and findings of each
reconciliation rule.

Everything goes through the services' own HTTP APIs (the apps run in this process), so the data is
valid by construction: the same checks, events and history as an officer's input. At the end the
worker's consumers run here on the events the seed caused, so the findings exist at once; a running
worker that receives the same events later changes nothing (every consumer is idempotent).

A second run finds the demo marker (the last record the seed writes) and adds nothing."""

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from services.disaster.app import build_app as build_disaster
from services.programs.app import build_app as build_programs
from services.registry.app import build_app as build_registry
from services.worker.clients import ServiceClient, Services, ServiceToken
from services.worker.handlers import CONSUMERS
from shared import clock
from shared.auth import mint_token
from shared.db import make_engine
from shared.events import EventEnvelope
from shared.settings import KessosSettings

# The last record the seed writes: when it exists, the demo is complete.
MARKER_CODE = "DEMO.1.06.02"
SEEDER = "kessos-demo"
# How many rounds of worker consumers: an event a consumer causes (a feed into programs) is handled in
# the next round.
WORKER_ROUNDS = 4


class AlreadySeeded(Exception):
    pass


class PartlySeeded(Exception):
    pass


@dataclass(frozen=True)
class Member:
    name: str
    sex: str
    born: date
    relationship: str  # hubungan_keluarga: 1 head, 2 spouse, 3 child, 6 parent
    serial: int
    decile: int = 2


@dataclass(frozen=True)
class Household:
    village: str  # a Kemendagri village code
    kk_issued: date
    kk_serial: int
    address: str
    members: tuple[Member, ...]


def _district(village: str) -> str:
    return village[:8].replace(".", "")


def nik(village: str, member: Member) -> str:
    day = member.born.day + (40 if member.sex == "F" else 0)
    return f"{_district(village)}{day:02d}{member.born:%m%y}{member.serial:04d}"


def kk(h: Household) -> str:
    return f"{_district(h.village)}{h.kk_issued:%d%m%y}{h.kk_serial:04d}"


KALSEL = (
    Household(
        "63.71.01.1001",
        date(2015, 3, 15),
        1,
        "Jl. Tembus Mantuil RT 03",
        (
            Member("Ahmad Fauzi", "M", date(1980, 3, 12), "1", 1),
            Member("Siti Rahmah", "F", date(1985, 6, 5), "2", 1),
            Member("Muhammad Rizki", "M", date(2012, 9, 1), "3", 2),
            Member("Hj. Aminah", "F", date(1948, 1, 20), "6", 3, decile=1),
        ),
    ),
    Household(
        "63.71.01.1002",
        date(2016, 7, 2),
        2,
        "Gg. Keluarga, Kelayan Selatan",
        (
            Member("Rusdiansyah", "M", date(1975, 11, 30), "1", 4),
            Member("Nurhayati", "F", date(1978, 4, 14), "2", 5),
            Member("Aulia Rahman", "M", date(2021, 2, 8), "3", 6),
        ),
    ),
    Household(
        "63.71.02.1001",
        date(2018, 1, 10),
        3,
        "Jl. Kuripan RT 07",
        (
            Member("Abdul Gani", "M", date(1955, 8, 17), "1", 7, decile=1),
            Member("Masitah", "F", date(1958, 12, 3), "2", 8, decile=1),
        ),
    ),
)
KALTIM = (
    Household(
        "64.72.01.1001",
        date(2014, 5, 20),
        1,
        "Jl. Padat Karya, Rawa Makmur",
        (
            Member("Yohanes Lawing", "M", date(1982, 2, 2), "1", 1),
            Member("Maria Ding", "F", date(1984, 10, 9), "2", 2),
            Member("Stefanus Lawing", "M", date(2010, 7, 7), "3", 3),
        ),
    ),
    Household(
        "64.72.01.1002",
        date(2017, 9, 1),
        2,
        "Jl. Handil Bakti RT 12",
        (
            Member("Sri Wahyuni", "F", date(1979, 3, 25), "1", 4),
            Member("Joko Susilo", "M", date(1950, 6, 6), "6", 5, decile=1),
        ),
    ),
)


@dataclass
class Seeded:
    """What the seed wrote, by kind (and the findings the worker raised, by rule)."""

    counts: dict[str, int] = field(default_factory=dict)
    findings: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, n: int = 1) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + n


class Api:
    """One service, called as an administrator who may read personal data."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str]):
        self.client = client
        self.headers = headers

    async def call(self, method: str, path: str, body: Any = None, *, expect: int = 201) -> Any:
        response = await self.client.request(method, f"/api/v1{path}", json=body, headers=self.headers)
        if response.status_code != expect:
            raise RuntimeError(f"{method} {path} answered {response.status_code}: {response.text[:500]}")
        return response.json() if response.content else None

    async def post(self, path: str, body: Any, *, expect: int = 201) -> Any:
        return await self.call("POST", path, body, expect=expect)

    async def patch(self, path: str, body: Any) -> Any:
        """A change to a read record, sent with the ETag of that read (the services refuse blind writes)."""
        read = await self.client.get(f"/api/v1{path}", headers=self.headers)
        read.raise_for_status()
        response = await self.client.patch(
            f"/api/v1{path}", json=body, headers={**self.headers, "If-Match": read.headers["etag"]}
        )
        if response.status_code != 200:
            raise RuntimeError(f"PATCH {path} answered {response.status_code}: {response.text[:500]}")
        return response.json()

    async def get(self, path: str, **params: Any) -> Any:
        response = await self.client.get(f"/api/v1{path}", params=params, headers=self.headers)
        response.raise_for_status()
        return response.json()


@asynccontextmanager
async def _running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://demo", timeout=60) as client:
            yield client


async def seed(settings: KessosSettings) -> Seeded:
    """Write the demo data set; AlreadySeeded when it is there, PartlySeeded after a broken run."""
    admin = {
        "Authorization": "Bearer "
        + mint_token(
            settings.resolved_jwt_secret(),
            sub=SEEDER,
            roles=["admin"],
            scopes=["pii:read"],
            audience=settings.jwt_audience,
        )
    }
    async with AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(_running(build(settings)))
            for build in (build_registry, build_programs, build_disaster)
        ]
        registry, programs, disaster = (Api(c, admin) for c in clients)
        await _refuse_a_second_run(registry, programs)
        seeded = Seeded()
        people = await _registry(registry, seeded)
        await _programs(programs, people, seeded)
        await _disaster(disaster, people, seeded)
        token = ServiceToken(settings)
        services = Services(
            *(
                ServiceClient(n, c, token)
                for n, c in zip(("registry", "programs", "disaster"), clients, strict=True)
            )
        )
        await run_worker_consumers(settings, services)
        await _marker(programs)
        seeded.findings = await _findings(settings)
        return seeded


async def _refuse_a_second_run(registry: Api, programs: Api) -> None:
    year = clock.today().year
    marked = [
        p
        for p in (await programs.get("/programs", year=year, region="64"))["items"]
        if p["code"] == MARKER_CODE
    ]
    if marked:
        raise AlreadySeeded("the demo data set is already there")
    first = nik(KALSEL[0].village, KALSEL[0].members[0])
    if (await registry.get("/people", nik=first))["items"]:
        raise PartlySeeded(
            "an earlier demo seed stopped half-way (its people are there, its last record is not): "
            "seed a fresh database"
        )


# --- Registry -------------------------------------------------------------------------------------


@dataclass
class People:
    """Registry ids of the demo people, by name, and where they live."""

    ids: dict[str, str] = field(default_factory=dict)
    region: dict[str, str] = field(default_factory=dict)
    nik: dict[str, str] = field(default_factory=dict)
    households: dict[str, str] = field(default_factory=dict)  # head's name -> household id


async def _registry(api: Api, seeded: Seeded) -> People:
    people = People()
    for h in (*KALSEL, *KALTIM):
        members = []
        for m in h.members:
            number = nik(h.village, m)
            created = await api.post(
                "/people",
                {
                    "nik": number,
                    "kk_number": kk(h),
                    "full_name": m.name,
                    "birth_date": m.born.isoformat(),
                    "sex": m.sex,
                    "address": h.address,
                    "region_code": h.village,
                    "welfare_decile": m.decile,
                },
            )
            people.ids[m.name], people.region[m.name], people.nik[m.name] = created["id"], h.village, number
            members.append(
                {
                    "person_id": created["id"],
                    "relationship": m.relationship,
                    "joined_on": h.kk_issued.isoformat(),
                }
            )
            seeded.add("people")
        household = await api.post(
            "/households",
            {"kk_number": kk(h), "region_code": h.village, "address": h.address, "members": members},
        )
        people.households[h.members[0].name] = household["id"]
        seeded.add("households")

    today = clock.today()
    assessed = today - timedelta(days=120)
    # PPKS: elderly left without care (08), a child with a disability (05), poor households (24), a
    # woman at economic risk (23).
    for name, ppks_type in (
        ("Hj. Aminah", "08"),
        ("Abdul Gani", "08"),
        ("Masitah", "08"),
        ("Aulia Rahman", "05"),
        ("Rusdiansyah", "24"),
        ("Nurhayati", "23"),
        ("Joko Susilo", "08"),
        ("Sri Wahyuni", "24"),
    ):
        await api.post(
            f"/people/{people.ids[name]}/ppks-assessments",
            {
                "ppks_type": ppks_type,
                "assessed_on": assessed.isoformat(),
                "evidence_note": "Demo: home visit",
            },
        )
        seeded.add("ppks_assessments")
    # PSKS: a professional social worker (Peksos, 01) and a TAGANA member (03) in each province, and an
    # LKS (04) that runs a panti.
    for name, psks_type in (("Siti Rahmah", "01"), ("Ahmad Fauzi", "03"), ("Maria Ding", "01")):
        await api.post(
            "/psks",
            {
                "psks_type": psks_type,
                "person_id": people.ids[name],
                "region_code": people.region[name][:5],
                "active_from": "2020-01-01",
            },
        )
        seeded.add("psks_roles")
    for org, region in (("LKS Panti Asuhan Budi Mulia", "63.71"), ("LKS Harapan Bunda Samarinda", "64.72")):
        await api.post(
            "/psks",
            {"psks_type": "04", "organisation_name": org, "region_code": region, "active_from": "2018-01-01"},
        )
        seeded.add("psks_roles")
    # Masitah died last month: aid and care recorded for her afterwards become findings.
    await api.patch(
        f"/people/{people.ids['Masitah']}",
        {"status": "deceased", "died_on": (today - timedelta(days=30)).isoformat()},
    )
    return people


# --- Programs ------------------------------------------------------------------------------------


async def _programs(api: Api, people: People, seeded: Seeded) -> None:
    year = clock.today().year
    last_month = (clock.today() - timedelta(days=30)).isoformat()
    for region, code, enrolled in (
        ("63", "1.06.03.2.01", ("Rusdiansyah", "Nurhayati", "Hj. Aminah", "Abdul Gani")),
        ("64", "1.06.03.2.01", ("Sri Wahyuni", "Joko Susilo")),
    ):
        program = await api.post(
            "/programs",
            {
                "code": code,
                "name": "Perlindungan Sosial bagi Keluarga Miskin (bantuan sosial tunai)",
                "area": "perlindungan_jaminan_sosial",
                "year": year,
                "funding_source": "APBD",
                "region_code": region,
                "budget": 250_000_000,
                "benefit_limit": 1_800_000,
            },
        )
        seeded.add("programs")
        for name in enrolled:
            enrolment = await api.post(
                f"/programs/{program['id']}/enrolments",
                {
                    "person_id": people.ids[name],
                    "region_code": people.region[name],
                    "period_start": f"{year}-01-01",
                    "period_end": f"{year}-12-31",
                },
            )
            seeded.add("enrolments")
            await api.post(
                f"/enrolments/{enrolment['id']}/benefits",
                {"kind": "cash", "amount": 600_000, "given_on": last_month, "description": "Demo: triwulan"},
            )
            seeded.add("benefits")

    # A panti in each province. Masitah was admitted, and died: a client_deceased finding. A client the
    # registry does not know (admitted by id from a paper file): client_not_in_registry.
    for name, region, kind, clients in (
        ("PSTW Budi Sejahtera", "63.71.02", "lanjut_usia", ("Abdul Gani", "Masitah", None)),
        ("PSTW Nirwana Puri Samarinda", "64.72.01", "lanjut_usia", ("Joko Susilo", None)),
    ):
        panti = await api.post(
            "/institutions",
            {
                "name": name,
                "kind": kind,
                "region_code": region,
                "capacity": 40,
                "operator": "UPTD Dinas Sosial",
            },
        )
        seeded.add("institutions")
        for client in clients:
            person_id = people.ids[client] if client else str(uuid.uuid4())
            admitted = (clock.today() - timedelta(days=60)).isoformat()
            body: dict[str, Any] = {"person_id": person_id, "admitted_on": admitted, "ppks_type": "08"}
            if client is None:
                body["birth_date"] = "1950-01-01"
            admission = await api.post(f"/institutions/{panti['id']}/admissions", body)
            seeded.add("admissions")
            await api.post(
                f"/admissions/{admission['id']}/basic-needs",
                {"need": "food", "met_on": last_month, "note": "Demo: makan tiga kali sehari"},
            )
            seeded.add("basic_needs_met")


async def _marker(api: Api) -> None:
    await api.post(
        "/programs",
        {
            "code": MARKER_CODE,
            "name": "Demo data set (kessos seed --demo)",
            "area": "pemberdayaan_sosial",
            "year": clock.today().year,
            "funding_source": "APBD",
            "region_code": "64",
            "budget": 0,
        },
    )


# --- Disaster ------------------------------------------------------------------------------------


async def _disaster(api: Api, people: People, seeded: Seeded) -> None:
    today = clock.today()
    flood = await api.post(
        "/disasters",
        {
            "name": "Banjir Kota Banjarmasin (demo)",
            "kind": "banjir",
            "level": "regency",
            "started_on": (today - timedelta(days=5)).isoformat(),
            "region_codes": ["63.71.01", "63.71.02"],
        },
    )
    seeded.add("disasters")
    store = await api.post(
        "/warehouses", {"name": "Gudang Dinsos Kota Banjarmasin", "region_code": "63.71.01"}
    )
    seeded.add("warehouses")
    for item, quantity in (("beras", 500), ("paket_keluarga", 40)):
        await api.post(f"/warehouses/{store['id']}/receipts", {"item_code": item, "quantity": quantity})
        seeded.add("stock_receipts")
    sites = []
    for name, village, area in (
        ("Posko Masjid Raya Sabilal Muhtadin", "63.71.01.1001", 350),
        ("Posko SDN Kuripan 1", "63.71.02.1001", 210),
    ):
        sites.append(
            await api.post(
                "/sites",
                {
                    "disaster_id": flood["id"],
                    "name": name,
                    "region_code": village,
                    "covered_area_m2": area,
                    "toilets": 4,
                    "water_liters_per_day": 3000,
                },
            )
        )
        seeded.add("sites")

    # The registry's Kalsel families were hit; two more victims came with no documents at all.
    victims: dict[str, dict[str, Any]] = {}
    household_of: dict[str, str] = {}
    for h in KALSEL[:2]:
        household_id = str(uuid.uuid4())
        for m in h.members:
            victims[m.name] = await api.post(
                "/victims",
                {
                    "disaster_id": flood["id"],
                    "household_id": household_id,
                    "kk_number": kk(h),
                    "nik": people.nik[m.name],
                    "full_name": m.name,
                    "sex": m.sex,
                    "birth_date": m.born.isoformat(),
                    "condition": "mengungsi",
                    "region_code": h.village,
                    "person_id": people.ids[m.name],
                },
            )
            household_of[m.name] = household_id
            seeded.add("victims")
    for name, sex, condition in (
        ("Tanpa Identitas (laki-laki, ±40 th)", "M", "luka"),
        ("Inah", "F", "hilang"),
    ):
        await api.post(
            "/victims",
            {
                "disaster_id": flood["id"],
                "full_name": name,
                "sex": sex,
                "condition": condition,
                "region_code": "63.71.02.1001",
            },
        )
        seeded.add("victims")
    # Written in the field: Abdul Gani's NIK on someone else's name (nik_disagrees_with_registry), and
    # a woman with no documents who may be Siti Rahmah (victim_possible_match, for an officer to settle).
    for extra in (
        {
            "nik": people.nik["Abdul Gani"],
            "full_name": "Rahmat Hidayat",
            "sex": "M",
            "birth_date": "1955-08-17",
        },
        {"full_name": "Siti Rahma", "sex": "F", "birth_date": "1985-06-05"},
    ):
        await api.post(
            "/victims",
            {"disaster_id": flood["id"], "condition": "terdampak", "region_code": "63.71.01.1001", **extra},
        )
        seeded.add("victims")
    for i, name in enumerate(victims):
        await api.post(f"/sites/{sites[i % 2]['id']}/check-ins", {"victim_id": victims[name]["id"]})
        seeded.add("check_ins")

    async def hand(items: dict[str, float], **recipient: Any) -> None:
        await api.post(
            "/distributions",
            {
                "disaster_id": flood["id"],
                "warehouse_id": store["id"],
                "items": [{"item_code": c, "quantity": q} for c, q in items.items()],
                **{"site_id": sites[0]["id"], **recipient},
            },
        )
        seeded.add("distributions")

    # One family package per household, rice per person.
    for head in ("Ahmad Fauzi", "Rusdiansyah"):
        await hand({"paket_keluarga": 1}, victim_id=victims[head]["id"])
    for name in victims:
        await hand({"beras": 2.5}, victim_id=victims[name]["id"])
    # A second package for a household, knowingly over the entitlement: entitlement_override.
    await hand(
        {"paket_keluarga": 1},
        victim_id=victims["Siti Rahmah"]["id"],
        override_reason="Demo: rumah hanyut, keluarga besar menumpang",
    )
    # Abdul Gani (not registered as a victim) got a package by his registry id at one site, and again
    # by NIK at the other: two entitlement groups at the time, one person to the worker: double_receipt.
    await hand({"paket_keluarga": 1}, person_id=people.ids["Abdul Gani"])
    await hand(
        {"paket_keluarga": 1}, nik=people.nik["Abdul Gani"], full_name="Abdul Gani", site_id=sites[1]["id"]
    )
    # Rice to a person the registry does not know (recipient_not_in_registry), and to one who had
    # died (recipient_deceased).
    await hand({"beras": 2.5}, person_id=str(uuid.uuid4()))
    await hand({"beras": 2.5}, person_id=people.ids["Masitah"])


# --- The worker, here ----------------------------------------------------------------------------


async def _outbox_events(settings: KessosSettings, after: set[str]) -> list[EventEnvelope]:
    engine = make_engine(settings.require_database_url(), pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            rows: list[Any] = []
            for schema in ("registry", "programs", "disaster"):
                rows += (
                    (
                        await conn.execute(
                            text(f"SELECT envelope FROM {schema}.outbox ORDER BY created_at, id")  # noqa: S608  (our schemas)
                        )
                    )
                    .scalars()
                    .all()
                )
    finally:
        await engine.dispose()
    events = [EventEnvelope.model_validate(r) for r in rows]
    return [e for e in events if str(e.id) not in after]


async def run_worker_consumers(settings: KessosSettings, services: Services) -> int:
    """Hand the events the seed caused to the worker's consumers, as the worker would: by type, in
    batches, until no new events come of it. Returns how many events were handled."""
    done: set[str] = set()
    for _ in range(WORKER_ROUNDS):
        events = await _outbox_events(settings, done)
        if not events:
            break
        by_type: dict[str, list[EventEnvelope]] = {}
        for event in events:
            by_type.setdefault(event.type, []).append(event)
        for event_type, group in by_type.items():
            for consumer in CONSUMERS.get(event_type, []):
                await consumer(services, group)
        done.update(str(e.id) for e in events)
    return len(done)


async def _findings(settings: KessosSettings) -> dict[str, int]:
    engine = make_engine(settings.require_database_url(), pool_size=1, max_overflow=0)
    out: dict[str, int] = {}
    try:
        async with engine.connect() as conn:
            for schema in ("registry", "programs", "disaster"):
                for rule, n in await conn.execute(
                    text(f"SELECT rule, count(*) FROM {schema}.findings WHERE status = 'open' GROUP BY rule")  # noqa: S608
                ):
                    out[rule] = out.get(rule, 0) + n
    finally:
        await engine.dispose()
    return dict(sorted(out.items()))


def summary(seeded: Seeded) -> Sequence[str]:
    lines = [f"{kind}: {n}" for kind, n in seeded.counts.items()]
    lines.append("findings: " + (", ".join(f"{rule} {n}" for rule, n in seeded.findings.items()) or "none"))
    return lines
