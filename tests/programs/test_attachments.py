"""Files attached to admissions: the panti's own operators and the region's officers attach and read
them; an operator of another panti, an officer of another region, finds none."""

import hashlib
import uuid

import httpx
import pytest
from sqlalchemy import text

from shared.settings import KessosSettings
from tests.programs.test_institutions import BANJAR, KOTA, PROVINCE, admitted, new_institution
from tests.support import auth

pytestmark = pytest.mark.usefixtures("clean")

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(200))
VIEWER_KOTA = auth("viewer", regions=["63.71"])


def problem(response: httpx.Response) -> tuple[int, str, set[str]]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    body = response.json()
    return response.status_code, body["type"].rsplit("/", 1)[-1], {e["field"] for e in body.get("errors", [])}


async def attach(
    client: httpx.AsyncClient, admission_id: str, content: bytes, headers: dict[str, str], **form: str
) -> httpx.Response:
    return await client.post(
        "/api/v1/attachments",
        data={"record_type": "admission", "record_id": admission_id, "kind": "signature", **form},
        files={"file": ("surat penyerahan.png", content, "image/png")},
        headers=headers,
    )


async def test_the_panti_operator_attaches_and_reads_an_admissions_file(
    programs: httpx.AsyncClient,
    engine,
    settings: KessosSettings,  # type: ignore[no-untyped-def]
) -> None:
    panti = await new_institution(programs)
    stay = await admitted(programs, panti["id"])
    operator = auth("institution_operator", institutions=[panti["id"]], sub="operator-pstw")
    response = await attach(programs, stay["id"], PNG, operator)
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["record_type"] == "admission" and made["record_id"] == stay["id"]
    assert made["media_type"] == "image/png" and made["kind"] == "signature"
    assert made["sha256"] == hashlib.sha256(PNG).hexdigest() and made["uploaded_by"] == "operator-pstw"

    for reader in (operator, KOTA, VIEWER_KOTA, PROVINCE):
        content = await programs.get(f"/api/v1/attachments/{made['id']}/content", headers=reader)
        assert content.status_code == 200 and content.content == PNG
        assert content.headers["content-type"] == "image/png"
        assert content.headers["content-disposition"].startswith(
            'attachment; filename="surat penyerahan.png"'
        )
    listed = await programs.get(
        "/api/v1/attachments", params={"record_type": "admission", "record_id": stay["id"]}, headers=operator
    )
    assert [a["id"] for a in listed.json()["items"]] == [made["id"]]
    async with engine.connect() as conn:
        key = (await conn.execute(text("SELECT storage_key FROM programs.attachments"))).scalar_one()
    assert key == f"programs/admission/{stay['id']}/{made['id']}"
    assert (settings.data_dir / "attachments" / key).read_bytes() == PNG


async def test_outside_the_callers_scope_there_is_no_admission_nor_file(
    programs: httpx.AsyncClient,
    engine,  # type: ignore[no-untyped-def]
) -> None:
    panti = await new_institution(programs)
    stay = await admitted(programs, panti["id"])
    made = (await attach(programs, stay["id"], PNG, KOTA)).json()
    other_operator = auth("institution_operator", institutions=[str(uuid.uuid4())])
    for stranger in (BANJAR, other_operator, auth("viewer", regions=["63.03"])):
        for path in (f"/api/v1/attachments/{made['id']}", f"/api/v1/attachments/{made['id']}/content"):
            assert problem(await programs.get(path, headers=stranger))[:2] == (404, "not-found")
        refused = await attach(programs, stay["id"], PNG, BANJAR)
        assert problem(refused) == (404, "not-found", {"record_id"})
    assert problem(await attach(programs, stay["id"], PNG, VIEWER_KOTA))[0] == 403
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM programs.attachments"))).scalar_one() == 1


async def test_a_file_not_an_image_or_pdf_is_415_naming_file(
    programs: httpx.AsyncClient,
    engine,  # type: ignore[no-untyped-def]
) -> None:
    panti = await new_institution(programs)
    stay = await admitted(programs, panti["id"])
    response = await attach(programs, stay["id"], b"PK\x03\x04 a zip named .png", KOTA)
    assert problem(response) == (415, "unsupported-media-type", {"file"})
    wrong = await attach(programs, stay["id"], PNG, KOTA, record_type="victim")
    assert problem(wrong) == (422, "validation-error", {"record_type"})
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM programs.attachments"))).scalar_one() == 0
