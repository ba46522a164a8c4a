"""Photos, signatures and scans attached to distributions and victims: judged by their content, limited
in size, stored on disk or in an S3-compatible bucket, and served only to who may see the record."""

import hashlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.settings import KessosSettings
from tests.conftest import _client
from tests.disaster.scenes import (
    BANJAR,
    KOTA,
    PROVINCE,
    TAGANA,
    TAGANA_BANJAR,
    VIEWER,
    declare,
    problem,
    rows,
    scalar,
    victim,
    warehouse,
)
from tests.support import auth

pytestmark = pytest.mark.usefixtures("clean")

VIEWER_BANJAR = auth("viewer", regions=["63.03"])
# moto accepts any key pair; this one is only for the test double.
MOTO_KEY = ("kessos", "moto-test-only")
JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + bytes(range(256)) * 4
    + b"\xff\xd9"
)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


async def a_distribution(client: httpx.AsyncClient) -> dict[str, Any]:
    disaster = await declare(client)
    store = await warehouse(client, stock={"paket_keluarga": 5})
    response = await client.post(
        "/api/v1/distributions",
        json={
            "disaster_id": disaster["id"],
            "warehouse_id": store["id"],
            "person_id": str(uuid.uuid4()),
            "items": [{"item_code": "paket_keluarga", "quantity": 1}],
        },
        headers=TAGANA,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def attach(
    client: httpx.AsyncClient,
    record_id: str,
    content: bytes = JPEG,
    *,
    record_type: str = "distribution",
    kind: str = "photo",
    filename: str = "bukti.jpg",
    declared: str = "image/jpeg",
    headers: dict[str, str] = TAGANA,
) -> httpx.Response:
    return await client.post(
        "/api/v1/attachments",
        data={"record_type": record_type, "record_id": record_id, "kind": kind},
        files={"file": (filename, content, declared)},
        headers=headers,
    )


def stored_files(settings: KessosSettings) -> list[Path]:
    root = settings.data_dir / "attachments"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def test_a_photo_of_a_distribution_is_stored_and_given_back_as_sent(
    disaster: httpx.AsyncClient, engine: Any, settings: KessosSettings
) -> None:
    given = await a_distribution(disaster)
    # The name says PNG, the client says PNG: the bytes say JPEG, and JPEG it is.
    response = await attach(
        disaster, given["id"], filename="../../etc/bukti serah terima.png", declared="image/png"
    )
    assert response.status_code == 201, response.text
    attachment = response.json()
    assert response.headers["location"] == f"/api/v1/attachments/{attachment['id']}"
    assert attachment["record_type"] == "distribution" and attachment["record_id"] == given["id"]
    assert attachment["kind"] == "photo" and attachment["media_type"] == "image/jpeg"
    assert attachment["size_bytes"] == len(JPEG)
    assert attachment["sha256"] == hashlib.sha256(JPEG).hexdigest()
    assert attachment["filename"] == "bukti serah terima.jpg"
    assert attachment["uploaded_by"] == "tagana-kota-1"

    content = await disaster.get(f"/api/v1/attachments/{attachment['id']}/content", headers=KOTA)
    assert content.status_code == 200
    assert content.content == JPEG
    assert content.headers["content-type"] == "image/jpeg"
    assert content.headers["content-disposition"] == (
        "attachment; filename=\"bukti serah terima.jpg\"; filename*=UTF-8''bukti%20serah%20terima.jpg"
    )
    assert content.headers["x-content-type-options"] == "nosniff"

    meta = await disaster.get(f"/api/v1/attachments/{attachment['id']}", headers=VIEWER)
    assert meta.status_code == 200 and meta.json() == attachment

    listed = await disaster.get(
        "/api/v1/attachments",
        params={"record_type": "distribution", "record_id": given["id"]},
        headers=VIEWER,
    )
    assert listed.status_code == 200 and [a["id"] for a in listed.json()["items"]] == [attachment["id"]]

    # The upload's audit: who, when, which bytes; the file itself on disk under its id, not its name.
    (row,) = await rows(
        engine, "SELECT uploaded_by, sha256, storage_key, created_at FROM disaster.attachments"
    )
    assert row.uploaded_by == "tagana-kota-1" and row.sha256 == attachment["sha256"]
    assert row.created_at is not None
    assert row.storage_key == f"disaster/distribution/{given['id']}/{attachment['id']}"
    assert (settings.data_dir / "attachments" / row.storage_key).read_bytes() == JPEG


async def test_victims_take_photos_signatures_and_scans(disaster: httpx.AsyncClient) -> None:
    flood = await declare(disaster)
    siti = await victim(disaster, flood["id"])
    made = {}
    for kind, content in (("photo", WEBP), ("signature", PNG), ("document", PDF)):
        response = await attach(
            disaster, siti["id"], content, record_type="victim", kind=kind, filename="scan", declared="x/y"
        )
        assert response.status_code == 201, response.text
        made[kind] = response.json()
    assert {k: a["media_type"] for k, a in made.items()} == {
        "photo": "image/webp",
        "signature": "image/png",
        "document": "application/pdf",
    }
    assert made["document"]["filename"] == "scan.pdf"

    first = await disaster.get(
        "/api/v1/attachments",
        params={"record_type": "victim", "record_id": siti["id"], "limit": 2},
        headers=KOTA,
    )
    assert first.status_code == 200 and len(first.json()["items"]) == 2
    rest = await disaster.get(
        "/api/v1/attachments",
        params={"record_type": "victim", "record_id": siti["id"], "cursor": first.json()["next_cursor"]},
        headers=KOTA,
    )
    assert rest.json()["next_cursor"] is None
    seen = {a["id"] for a in first.json()["items"] + rest.json()["items"]}
    assert seen == {a["id"] for a in made.values()}

    pdf = await disaster.get(f"/api/v1/attachments/{made['document']['id']}/content", headers=KOTA)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content == PDF


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"<html><script>alert(1)</script></html>", "HTML named .jpg"),
        (b"GIF89a" + b"\x00" * 20, "a GIF"),
        (b"MZ\x90\x00" + b"\x00" * 60, "a Windows program"),
        (b"", "empty"),
    ],
)
async def test_a_file_that_is_not_an_image_or_pdf_is_refused_whatever_its_name(
    disaster: httpx.AsyncClient, engine: Any, settings: KessosSettings, content: bytes, why: str
) -> None:
    given = await a_distribution(disaster)
    before = stored_files(settings)
    response = await attach(disaster, given["id"], content, filename="foto.jpg", declared="image/jpeg")
    assert problem(response) == (415, "unsupported-media-type", {"file"}), why
    assert await scalar(engine, "SELECT count(*) FROM disaster.attachments") == 0
    assert stored_files(settings) == before


async def test_a_file_over_the_limit_is_refused_with_413_naming_file(
    disaster: httpx.AsyncClient, engine: Any, settings: KessosSettings
) -> None:
    given = await a_distribution(disaster)
    limit = settings.attachment_max_bytes
    response = await attach(disaster, given["id"], JPEG + b"\x00" * (limit - len(JPEG) + 1))
    assert problem(response) == (413, "payload-too-large", {"file"})
    assert await scalar(engine, "SELECT count(*) FROM disaster.attachments") == 0
    just_fits = await attach(disaster, given["id"], JPEG + b"\x00" * (limit - len(JPEG)))
    assert just_fits.status_code == 201, just_fits.text


async def test_missing_or_wrong_form_fields_are_named(disaster: httpx.AsyncClient) -> None:
    given = await a_distribution(disaster)
    no_file = await disaster.post(
        "/api/v1/attachments",
        data={"record_type": "distribution", "record_id": given["id"], "kind": "photo"},
        headers=TAGANA,
    )
    assert problem(no_file) == (422, "validation-error", {"file"})
    wrong = await attach(disaster, "not-a-uuid", record_type="warehouse", kind="selfie")
    assert problem(wrong) == (422, "validation-error", {"record_type", "record_id", "kind"})


async def test_only_records_in_the_callers_regions_take_attachments(
    disaster: httpx.AsyncClient, engine: Any
) -> None:
    given = await a_distribution(disaster)
    elsewhere = await attach(disaster, given["id"], headers=TAGANA_BANJAR)
    assert problem(elsewhere) == (404, "not-found", {"record_id"})
    nowhere = await attach(disaster, str(uuid.uuid4()))
    assert problem(nowhere) == (404, "not-found", {"record_id"})
    # A victim id given as a distribution's is no distribution.
    flood = await declare(disaster)
    siti = await victim(disaster, flood["id"])
    mixed = await attach(disaster, siti["id"], record_type="distribution")
    assert problem(mixed) == (404, "not-found", {"record_id"})
    viewer = await attach(disaster, given["id"], headers=VIEWER)
    assert problem(viewer)[0] == 403
    assert await scalar(engine, "SELECT count(*) FROM disaster.attachments") == 0


async def test_another_regions_caller_finds_no_attachment(disaster: httpx.AsyncClient) -> None:
    given = await a_distribution(disaster)
    made = (await attach(disaster, given["id"])).json()
    for headers in (VIEWER_BANJAR, BANJAR, TAGANA_BANJAR):
        for path in (f"/api/v1/attachments/{made['id']}", f"/api/v1/attachments/{made['id']}/content"):
            response = await disaster.get(path, headers=headers)
            assert problem(response) == (404, "not-found", set()), path
            assert made["id"] in response.json()["detail"]
        listed = await disaster.get(
            "/api/v1/attachments",
            params={"record_type": "distribution", "record_id": given["id"]},
            headers=headers,
        )
        assert problem(listed)[0] == 404
    assert (await disaster.get(f"/api/v1/attachments/{uuid.uuid4()}", headers=PROVINCE)).status_code == 404
    assert (await disaster.get(f"/api/v1/attachments/{made['id']}")).status_code == 401


# ---- S3-compatible storage, against moto's standalone server: the real S3 protocol over a socket.


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    pytest.importorskip("boto3")
    pytest.importorskip("moto.server", reason="moto[server] is the S3 test double")
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "AWS_ACCESS_KEY_ID": MOTO_KEY[0], "AWS_SECRET_ACCESS_KEY": MOTO_KEY[1]},
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
async def disaster_on_s3(
    settings: KessosSettings, s3_endpoint: str
) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    import boto3

    bucket = f"kessos-{uuid.uuid4().hex[:8]}"
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=MOTO_KEY[0],
        aws_secret_access_key=MOTO_KEY[1],
        region_name="us-east-1",
    )
    s3.create_bucket(Bucket=bucket)
    on_s3 = settings.model_copy(
        update={
            "s3_bucket": bucket,
            "s3_endpoint_url": s3_endpoint,
            "s3_access_key_id": MOTO_KEY[0],
            "s3_secret_access_key": MOTO_KEY[1],
        }
    )
    from services.disaster.app import build_app

    async for client in _client(build_app(on_s3)):
        yield client, (s3, bucket)


async def test_with_s3_configured_files_go_to_the_bucket(
    disaster_on_s3: tuple[httpx.AsyncClient, Any], settings: KessosSettings
) -> None:
    client, (s3, bucket) = disaster_on_s3
    before = stored_files(settings)
    given = await a_distribution(client)
    made = await attach(client, given["id"], PDF, kind="document", filename="berita acara.pdf")
    assert made.status_code == 201, made.text
    key = f"disaster/distribution/{given['id']}/{made.json()['id']}"
    stored = s3.get_object(Bucket=bucket, Key=key)
    assert stored["Body"].read() == PDF and stored["ContentType"] == "application/pdf"
    assert stored_files(settings) == before  # nothing on the local disk

    content = await client.get(f"/api/v1/attachments/{made.json()['id']}/content", headers=KOTA)
    assert content.status_code == 200 and content.content == PDF
    assert content.headers["content-type"] == "application/pdf"

    # A file lost from the bucket is our fault, said as such, with nothing of the store's internals.
    s3.delete_object(Bucket=bucket, Key=key)
    lost = await client.get(f"/api/v1/attachments/{made.json()['id']}/content", headers=KOTA)
    assert problem(lost)[:2] == (500, "attachment-file-missing")
    assert bucket not in lost.text
