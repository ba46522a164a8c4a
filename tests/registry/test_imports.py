"""DTKS-style feed imports: upload, background processing, counts, re-import, bad rows, scope,
a replica that dies half-way, and the terminal command."""

import asyncio
import csv
import io
import os
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.dtks_feed import HEADER, write_feed
from tests.support import REPO, auth, eventually

pytestmark = pytest.mark.usefixtures("clean")

ADMIN = auth("admin", pii=True, sub="admin-1")
PROVINCE_63 = auth("provincial_officer", regions=["63"], sub="prov-63")

# Three people of Kota Banjarmasin (63.71.01) and one of Kabupaten Banjar (63.03.01).
SITI = {
    "id_dtks": "6300000001",
    "nomor_nik": "6371014506850001",  # born 05-06-1985, female
    "nomor_kk": "6371011203150002",
    "nama": "Hj. Siti Rahmah",
    "tempat_lahir": "Banjarmasin",
    "tanggal_lahir": "1985-06-05",
    "jenis_kelamin": "P",
    "hubungan_keluarga": "1",
    "nama_ibu_kandung": "Masitah",
    "alamat": "Jl. Pramuka No. 12",
    "rt": "003",
    "rw": "002",
    "kode_wilayah": "6371011001",  # without dots
    "desil": "2",
    "status_disabilitas": "",
}
AHMAD = {
    **SITI,
    "id_dtks": "6300000002",
    "nomor_nik": "6371011708790003",
    "nama": "Ahmad Fauzi",
    "tanggal_lahir": "17-08-1979",  # DD-MM-YYYY
    "jenis_kelamin": "1",
    "hubungan_keluarga": "2",
    "kode_wilayah": "63.71.01.1001",
}
NOOR = {
    **SITI,
    "id_dtks": "6300000003",
    "nomor_nik": "",
    "nama": "Noor Hidayah",
    "tanggal_lahir": "2015-02-03",
    "jenis_kelamin": "2",
    "hubungan_keluarga": "3",
}
BUDI = {
    **SITI,
    "id_dtks": "6300000004",
    "nomor_nik": "6303011708790003",
    "nomor_kk": "",
    "nama": "Budi Santoso",
    "tanggal_lahir": "1979-08-17",
    "jenis_kelamin": "L",
    "kode_wilayah": "63.03.01.2001",
}


def feed(rows: list[dict[str, str]], header: list[str] | None = None) -> bytes:
    columns = header or list(SITI)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue().encode()


async def upload(
    client: httpx.AsyncClient, content: bytes, headers: dict[str, str] = ADMIN, name: str = "dtks.csv"
) -> httpx.Response:
    return await client.post("/api/v1/imports", files={"file": (name, content, "text/csv")}, headers=headers)


async def finished(client: httpx.AsyncClient, import_id: str, headers: dict[str, str] = ADMIN) -> dict:
    async def check() -> dict | None:
        body = (await client.get(f"/api/v1/imports/{import_id}", headers=headers)).json()
        return body if body["status"] in ("completed", "failed") else None

    return await eventually(check, timeout=60, interval=0.05)


async def imported(client: httpx.AsyncClient, content: bytes, headers: dict[str, str] = ADMIN) -> dict:
    response = await upload(client, content, headers)
    assert response.status_code == 202, response.text
    body = await finished(client, response.json()["id"], headers)
    assert body["status"] == "completed", body
    return body


async def errors_csv(
    client: httpx.AsyncClient, import_id: str, severity: str = "rejected", headers: dict[str, str] = ADMIN
) -> list[dict[str, str]]:
    response = await client.get(
        f"/api/v1/imports/{import_id}/errors", params={"severity": severity}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


async def scalar(engine: AsyncEngine, sql: str, **params: object) -> object:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar()


def problem_fields(response: httpx.Response) -> set[str]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return {e["field"] for e in response.json().get("errors", [])}


async def test_generated_feed_lands_with_the_counts_its_truth_file_predicts(
    registry: httpx.AsyncClient, engine: AsyncEngine, tmp_path: Path
) -> None:
    path = tmp_path / "dtks.csv"
    truth_path = write_feed(path, 400, seed=11)
    truth = list(csv.DictReader(truth_path.open()))
    outcomes = Counter(t["outcome"] for t in truth)
    assert outcomes["rejected"] and outcomes["warning"]  # the generator's dirt is in there

    response = await upload(registry, path.read_bytes())
    assert response.status_code == 202
    accepted = response.json()
    assert accepted["status"] in ("queued", "running", "completed")
    assert response.headers["location"] == f"/api/v1/imports/{accepted['id']}"
    body = await finished(registry, accepted["id"])

    assert body["status"] == "completed"
    assert body["rows_read"] == 400
    assert body["rejected"] == outcomes["rejected"]
    assert body["warnings"] == outcomes["warning"]
    assert body["inserted"] == 400 - outcomes["rejected"]
    assert body["updated"] == 0 and body["unchanged"] == 0
    assert body["rows_per_second"] > 0 and body["size_bytes"] == path.stat().st_size
    rejected_ids = {r["id_dtks"] for r in await errors_csv(registry, body["id"])}
    assert rejected_ids == {t["id_dtks"] for t in truth if t["outcome"] == "rejected"}
    warned_ids = {r["id_dtks"] for r in await errors_csv(registry, body["id"], "warning")}
    assert warned_ids == {t["id_dtks"] for t in truth if t["outcome"] == "warning"}

    assert await scalar(engine, "SELECT count(*) FROM registry.people") == body["inserted"]
    assert await scalar(engine, "SELECT count(*) FROM registry.people WHERE name_normalized = ''") == 0
    # Events in batches: one for the whole (small) file, naming every new person.
    events = await _events(engine)
    assert len(events) == 1
    assert len(events[0]["person_ids_inserted"]) == body["inserted"] and events[0]["person_ids_updated"] == []


async def test_values_are_normalised_as_the_contract_says(registry: httpx.AsyncClient) -> None:
    await imported(registry, feed([SITI, AHMAD, NOOR]))
    people = {
        p["id_dtks"]: p
        for p in (await registry.get("/api/v1/people", params={"region": "63.71"}, headers=ADMIN)).json()[
            "items"
        ]
    }
    siti, ahmad, noor = people["6300000001"], people["6300000002"], people["6300000003"]
    assert siti["region_code"] == "63.71.01.1001"  # dots added
    assert siti["sex"] == "F" and ahmad["sex"] == "M" and noor["sex"] == "F"
    assert ahmad["birth_date"] == "1979-08-17"  # from DD-MM-YYYY
    assert siti["welfare_decile"] == 2 and siti["rt"] == "003" and siti["mother_name"] == "Masitah"
    assert noor["nik"] is None and noor["birth_date"] == "2015-02-03"
    by_name = (await registry.get("/api/v1/people", params={"q": "siti rahmah"}, headers=ADMIN)).json()
    assert [p["id_dtks"] for p in by_name["items"]] == ["6300000001"]  # title dropped for search


async def test_reimport_changes_nothing_and_says_so(registry: httpx.AsyncClient, engine: AsyncEngine) -> None:
    content = feed([SITI, AHMAD, NOOR, BUDI])
    first = await imported(registry, content)
    assert first["inserted"] == 4
    changes = await scalar(engine, "SELECT count(*) FROM registry.changes")
    outbox = await scalar(engine, "SELECT count(*) FROM registry.outbox")
    updated_at = await scalar(engine, "SELECT max(updated_at) FROM registry.people")

    again = await imported(registry, content)
    assert (again["inserted"], again["updated"], again["unchanged"], again["rejected"]) == (0, 0, 4, 0)
    assert await scalar(engine, "SELECT count(*) FROM registry.changes") == changes
    assert await scalar(engine, "SELECT count(*) FROM registry.outbox") == outbox
    assert await scalar(engine, "SELECT max(updated_at) FROM registry.people") == updated_at
    assert await scalar(engine, "SELECT max(version) FROM registry.people") == 1


async def test_a_changed_row_updates_one_person_with_one_history_entry(
    registry: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    await imported(registry, feed([SITI, AHMAD, NOOR]))
    moved = {**AHMAD, "alamat": "Jl. Sultan Adam No. 3", "desil": "4"}
    body = await imported(registry, feed([SITI, moved, NOOR]))
    assert (body["inserted"], body["updated"], body["unchanged"]) == (0, 1, 2)

    person_id = await scalar(engine, "SELECT id FROM registry.people WHERE id_dtks = '6300000002'")
    async with engine.connect() as conn:
        history = (
            await conn.execute(
                text(
                    "SELECT action, actor, before, after FROM registry.changes WHERE person_id = :id "
                    "ORDER BY id"
                ),
                {"id": person_id},
            )
        ).all()
    assert [h.action for h in history] == ["import", "import"]
    _, actor, before, after = history[-1]
    assert actor == "admin-1"
    assert before == {"address": "Jl. Pramuka No. 12", "welfare_decile": 2}
    assert after == {"address": "Jl. Sultan Adam No. 3", "welfare_decile": 4, "import_id": body["id"]}
    assert await scalar(engine, "SELECT version FROM registry.people WHERE id = :id", id=person_id) == 2
    events = await _events(engine)
    assert events[-1]["person_ids_updated"] == [str(person_id)] and events[-1]["person_ids_inserted"] == []


async def test_a_record_merged_into_another_is_left_as_the_merge_left_it(
    registry: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    await imported(registry, feed([SITI, AHMAD]))
    survivor = await scalar(engine, "SELECT id FROM registry.people WHERE id_dtks = '6300000001'")
    merge = "UPDATE registry.people SET status = 'merged', merged_into = :s WHERE id_dtks = '6300000002'"
    async with engine.begin() as conn:
        await conn.execute(text(merge), {"s": survivor})
    changes = await scalar(engine, "SELECT count(*) FROM registry.changes")

    moved = {**AHMAD, "alamat": "Jl. Sultan Adam No. 3"}
    body = await imported(registry, feed([SITI, moved]))
    assert (body["inserted"], body["updated"], body["unchanged"]) == (0, 0, 2)
    merged = "SELECT status, address, version FROM registry.people WHERE id_dtks = '6300000002'"
    async with engine.connect() as conn:
        assert tuple((await conn.execute(text(merged))).one()) == ("merged", "Jl. Pramuka No. 12", 1)
    assert await scalar(engine, "SELECT count(*) FROM registry.changes") == changes


async def test_bad_rows_are_rejected_with_line_and_reason_and_the_good_ones_land(
    registry: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    rows = [
        SITI,  # line 2
        {**AHMAD, "kode_wilayah": "63.71.01.9999"},  # 3: unknown region
        {**NOOR, "nama": ""},  # 4: no name
        {**BUDI, "tanggal_lahir": "1979-17-08"},  # 5: day and month swapped: no date
        {**SITI, "nama": "Siti Lagi"},  # 6: the same id_dtks again
        {**BUDI, "id_dtks": "6300000005", "desil": "11"},  # 7: desil out of range
        {**BUDI, "id_dtks": '=HYPERLINK("http://x")', "kode_wilayah": "63.71"},  # 8: a regency; a formula
        {**BUDI, "id_dtks": "6300000006", "nomor_nik": "6303011708790000"},  # 9: NIK serial 0000: warning
        {**BUDI, "id_dtks": "6300000007", "tanggal_lahir": "1979-08-18"},  # 10: NIK disagrees: warning
        {**NOOR, "id_dtks": "6300000008", "kode_wilayah": "", "nomor_nik": "6303014203150001"},  # 11
    ]
    content = feed(rows) + b"6300000009,too,few,fields\n"  # line 12
    body = await imported(registry, content)
    assert (body["rows_read"], body["inserted"], body["rejected"], body["warnings"]) == (11, 4, 7, 3)

    rejected = await errors_csv(registry, body["id"])
    assert [int(r["line"]) for r in rejected] == [3, 4, 5, 6, 7, 8, 12]
    reasons = {int(r["line"]): r["reason"] for r in rejected}
    assert "63.71.01.9999 is not a Kemendagri region code" in reasons[3]
    assert "nama is empty" in reasons[4]
    assert "tanggal_lahir is not a date" in reasons[5]
    assert "6300000001 is on an earlier line" in reasons[6]
    assert "desil" in reasons[7]
    assert "is a regency" in reasons[8]
    assert "fields" in reasons[12]
    # A cell a spreadsheet would run as a formula comes out quoted.
    assert [r["id_dtks"] for r in rejected if r["line"] == "8"] == ['\'=HYPERLINK("http://x")']

    warned = {int(r["line"]): r["reason"] for r in await errors_csv(registry, body["id"], "warning")}
    assert set(warned) == {9, 10, 11}
    assert (
        "not a valid NIK" in warned[9]
        and "birth_date" in warned[10]
        and "kode_wilayah is empty" in warned[11]
    )
    async with engine.connect() as conn:
        landed = {
            r.id_dtks: r
            for r in (
                await conn.execute(
                    text("SELECT id_dtks, nik, birth_date, region_code, attributes FROM registry.people")
                )
            ).all()
        }
    assert set(landed) == {"6300000001", "6300000006", "6300000007", "6300000008"}
    assert landed["6300000006"].nik is None
    assert landed["6300000006"].attributes["nik_invalid"] == "6303011708790000"
    assert landed["6300000007"].nik == "6303011708790003"
    assert landed["6300000007"].attributes["nik_mismatch"] == ["birth_date"]
    assert landed["6300000008"].region_code == "63.03.01"  # placed by the NIK's district
    assert landed["6300000001"].attributes["hubungan_keluarga"] == "1"


async def test_extra_columns_and_semicolons_are_read(
    registry: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    content = b"id_dtks;nama;kode_wilayah;pekerjaan\n6300000010;Rusmini;63.71.01.1001;Pedagang\n"
    body = await imported(registry, content)
    assert body["inserted"] == 1
    assert (
        await scalar(
            engine, "SELECT attributes->>'pekerjaan' FROM registry.people WHERE id_dtks = '6300000010'"
        )
        == "Pedagang"
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"id_dtks,nomor_nik,kode_wilayah\n1,6371014506850001,63.71\n", "nama"),
        (b"nama,kode_wilayah\nSiti,63.71\n", "id_dtks"),
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV"),
    ],
)
async def test_a_file_that_is_no_feed_is_422_naming_file(
    registry: httpx.AsyncClient, engine: AsyncEngine, content: bytes, reason: str
) -> None:
    response = await upload(registry, content)
    assert response.status_code == 422
    assert problem_fields(response) == {"file"}
    assert reason in response.json()["detail"]
    assert await scalar(engine, "SELECT count(*) FROM registry.imports") == 0  # nothing stored


async def test_upload_without_the_file_field_is_422(registry: httpx.AsyncClient) -> None:
    other_field = await registry.post(
        "/api/v1/imports", files={"data": ("x.csv", feed([SITI]), "text/csv")}, headers=ADMIN
    )
    assert other_field.status_code == 422 and problem_fields(other_field) == {"file"}
    not_multipart = await registry.post("/api/v1/imports", json={"file": "x"}, headers=ADMIN)
    assert not_multipart.status_code == 422 and problem_fields(not_multipart) == {"file"}


async def test_an_upload_over_the_limit_is_413(
    registry: httpx.AsyncClient, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.registry.imports import service

    monkeypatch.setattr(service, "MAX_UPLOAD_BYTES", 1000)
    response = await upload(registry, feed([SITI] * 3 + [AHMAD] * 10))
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 413
    assert await scalar(engine, "SELECT count(*) FROM registry.imports") == 0


async def test_only_admins_and_provincial_officers_import(registry: httpx.AsyncClient) -> None:
    for role, regions in (("regency_officer", ["63.71"]), ("viewer", ["63"]), ("field_officer", ["63"])):
        response = await upload(registry, feed([SITI]), auth(role, regions=regions))
        assert response.status_code == 403, role
    nowhere = await upload(registry, feed([SITI]), auth("provincial_officer"))
    assert nowhere.status_code == 403


async def test_rows_outside_the_uploaders_regions_are_rejected(
    registry: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    # Admin first registers someone of Kalimantan Timur (64).
    kaltim = {**BUDI, "id_dtks": "6400000001", "nomor_nik": "", "kode_wilayah": "64.71.01.1001"}
    await imported(registry, feed([kaltim]))
    content = feed(
        [
            SITI,
            {**BUDI, "id_dtks": "6400000002", "nomor_nik": "", "kode_wilayah": "64.71.01.1001"},
            # A row of 63 must not move the person of 64 into 63 either.
            {**kaltim, "kode_wilayah": "63.71.01.1001"},
        ]
    )
    body = await imported(registry, content, PROVINCE_63)
    assert (body["inserted"], body["rejected"]) == (1, 2)
    reasons = {
        int(r["line"]): r["reason"] for r in await errors_csv(registry, body["id"], headers=PROVINCE_63)
    }
    assert "64.71.01.1001 is outside your regions" in reasons[3]
    assert "belongs to a person outside your regions" in reasons[4]
    assert (
        await scalar(engine, "SELECT region_code FROM registry.people WHERE id_dtks = '6400000001'")
        == "64.71.01.1001"
    )


async def test_an_import_is_read_within_its_uploaders_scope(registry: httpx.AsyncClient) -> None:
    by_province = await imported(registry, feed([SITI]), PROVINCE_63)
    by_admin = await imported(registry, feed([AHMAD]))
    colleague = auth("provincial_officer", regions=["63"], sub="prov-63-b")
    regency = auth("regency_officer", regions=["63.71"], sub="kota-bjm")
    kaltim = auth("provincial_officer", regions=["64"], sub="prov-64")

    assert (await registry.get(f"/api/v1/imports/{by_province['id']}", headers=colleague)).status_code == 200
    for headers in (regency, kaltim):  # the errors of all of 63 are not theirs to read
        assert (
            await registry.get(f"/api/v1/imports/{by_province['id']}", headers=headers)
        ).status_code == 404
        errors = await registry.get(f"/api/v1/imports/{by_province['id']}/errors", headers=headers)
        assert errors.status_code == 404
    assert (await registry.get(f"/api/v1/imports/{by_admin['id']}", headers=colleague)).status_code == 404
    assert (await registry.get(f"/api/v1/imports/{uuid.uuid4()}", headers=ADMIN)).status_code == 404


async def test_imports_need_a_token(registry: httpx.AsyncClient) -> None:
    some_id = uuid.uuid4()
    for response in (
        await registry.post("/api/v1/imports", files={"file": ("x.csv", feed([SITI]), "text/csv")}),
        await registry.get(f"/api/v1/imports/{some_id}"),
        await registry.get(f"/api/v1/imports/{some_id}/errors"),
    ):
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_an_import_interrupted_half_way_is_finished_by_another_replica(
    registry: httpx.AsyncClient, engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    from services.registry.imports import runner, service
    from shared.auth import Principal
    from shared.db import make_engine, make_sessionmaker

    path = tmp_path / "dtks.csv"
    truth = list(csv.DictReader(write_feed(path, 250, seed=5).open()))
    good = sum(t["outcome"] != "rejected" for t in truth)
    own_engine = make_engine(database_url)
    maker = make_sessionmaker(own_engine)
    token = uuid.uuid4()

    async def content():  # type: ignore[no-untyped-def]
        yield path.read_bytes()

    try:
        async with maker() as session, session.begin():
            job = await service.store(
                session,
                Principal(sub="cli:test", roles=frozenset({"admin"})),
                filename="dtks.csv",
                content=content(),
                claim_token=token,
                claimed_by="a replica that dies",
            )

        def die(progress: object) -> None:  # the process is killed after its first batch
            raise asyncio.CancelledError

        with pytest.raises(asyncio.CancelledError):
            await runner.process(maker, job, token, on_batch=die, batch_rows=100)
    finally:
        await own_engine.dispose()
    half = await scalar(engine, "SELECT rows_read FROM registry.imports WHERE id = :id", id=job.id)
    assert half == 100 and await scalar(engine, "SELECT count(*) FROM registry.people") < good

    # The dead replica's heartbeat goes stale; the registry's runner takes the import over.
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE registry.imports SET heartbeat_at = now() - interval '2 minutes' WHERE id = :id"),
            {"id": job.id},
        )
    body = await finished(registry, str(job.id))
    assert body["status"] == "completed" and body["rows_read"] == 250
    assert body["inserted"] == good and body["inserted"] + body["rejected"] == 250
    assert await scalar(engine, "SELECT count(*) FROM registry.people") == good
    assert await scalar(engine, "SELECT count(*) FROM registry.changes") == good  # none written twice
    assert await scalar(engine, "SELECT count(*) FROM registry.import_chunks") == 0  # upload dropped


async def test_an_import_that_keeps_killing_its_process_fails(
    registry: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    response = await upload(registry, feed([SITI]))
    import_id = response.json()["id"]
    await finished(registry, import_id)
    async with engine.begin() as conn:  # as if it had been claimed three times and never finished
        await conn.execute(
            text(
                "UPDATE registry.imports SET status = 'running', attempts = 3, finished_at = NULL, "
                "heartbeat_at = now() - interval '5 minutes' WHERE id = :id"
            ),
            {"id": import_id},
        )
    body = await finished(registry, import_id)
    assert body["status"] == "failed" and "split it" in body["error"]


async def test_terminal_import(database_url: str, engine: AsyncEngine, tmp_path: Path) -> None:
    path = tmp_path / "dtks.csv"
    path.write_bytes(feed([SITI, AHMAD, {**NOOR, "kode_wilayah": "99.99"}]))
    env = {**os.environ, "DATABASE_URL": database_url, "COLUMNS": "120"}
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "services.cli", "import", "dtks", str(path), "--actor", "operator-7"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "inserted" in result.stdout and "99.99 is not a Kemendagri region code" in result.stdout
    assert await scalar(engine, "SELECT count(*) FROM registry.people") == 2
    assert await scalar(engine, "SELECT DISTINCT actor FROM registry.changes") == "operator-7"
    status = await scalar(engine, "SELECT status FROM registry.imports WHERE uploaded_by = 'operator-7'")
    assert status == "completed"


async def _events(engine: AsyncEngine) -> list[dict]:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(text("SELECT type, envelope FROM registry.outbox ORDER BY created_at, id"))
        ).all()
    assert {r.type for r in rows} <= {"people.imported"}
    return [r.envelope["payload"] for r in rows]


def test_the_feed_header_is_the_contract() -> None:
    # The generator writes every column of DOMAIN.md's import contract, plus one extra.
    assert HEADER[:15] == list(SITI)


@pytest.mark.parametrize(
    ("raw", "dotted"),
    [
        ("6371011001", "63.71.01.1001"),
        ("637101", "63.71.01"),
        ("63.71.01.1001", "63.71.01.1001"),
        ("63", "63"),
    ],
)
def test_region_codes_get_their_dots(raw: str, dotted: str) -> None:
    from services.registry.imports.parsing import to_dotted

    assert to_dotted(raw) == dotted


def test_dates_and_headers() -> None:
    from datetime import date

    from services.registry.imports.parsing import FeedError, check_head, parse_date

    assert (
        parse_date("1985-06-05") == parse_date("05-06-1985") == parse_date("05/06/1985") == date(1985, 6, 5)
    )
    for bad in ("1985-13-05", "32-01-1985", "1985/06-05", "85-06-05", "kemarin"):
        with pytest.raises(ValueError):
            parse_date(bad)
    assert check_head(b"\xef\xbb\xbfID_DTKS;Nama\n1;Siti\n") == (["id_dtks", "nama"], ";")  # BOM, case, ;
    for head, reason in (
        (b"id_dtks,nama,nama\n", "twice"),
        ("id_dtks,nama\n".encode("utf-16"), "UTF-16"),
    ):
        with pytest.raises(FeedError, match=reason):
            check_head(head)
