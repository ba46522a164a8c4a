"""The programs service's delta feed: institutions, admissions and enrolments in the caller's scope
(regions, or the panti of an institution operator), each entity for the roles that may read it."""

from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.programs.test_institutions import PSAA, PSTW, admitted, new_institution
from tests.programs.test_programs import enrol, new_program
from tests.support import auth, eventually

pytestmark = pytest.mark.usefixtures("clean")

KOTA = auth("regency_officer", regions=["63.71"])
TKSK = auth("field_officer", regions=["63.71"])  # reads programs, not panti


async def settled(engine) -> None:  # type: ignore[no-untyped-def]
    """Wait until every committed change is servable (older transactions on the server have ended)."""

    async def servable() -> bool:
        async with engine.connect() as conn:
            return bool(
                await conn.scalar(
                    text(
                        "SELECT coalesce(max(xid), 0) < pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
                        " FROM programs.change_log"
                    )
                )
            )

    await eventually(servable, timeout=120)


async def sync(
    client: httpx.AsyncClient, headers: dict[str, str], since: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    changes: list[dict[str, Any]] = []
    while True:
        params = {"since": since} if since else {}
        response = await client.get("/api/v1/changes", params=params, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        changes += body["changes"]
        since = body["next_cursor"] or since
        if not body["more"]:
            return changes, since


async def test_each_caller_gets_its_scope_and_its_entities(programs: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    pstw = await new_institution(programs, PSTW)  # Kota Banjarmasin
    psaa = await new_institution(programs, PSAA)  # Kabupaten Banjar
    in_pstw = await admitted(programs, pstw["id"])
    in_psaa = await admitted(programs, psaa["id"])
    enrolment = await enrol(programs, await new_program(programs))
    assert enrolment.status_code == 201, enrolment.text
    await settled(engine)

    kota, cursor = await sync(programs, KOTA)
    assert {(c["entity"], c["id"]) for c in kota} == {
        ("institution", pstw["id"]),
        ("admission", in_pstw["id"]),
        ("enrolment", enrolment.json()["id"]),
    }
    institution = next(c["record"] for c in kota if c["entity"] == "institution")
    assert institution["occupancy"] == 1 and institution["created_at"].endswith("+08:00")

    # An operator of the Banjar panti, with no regions: its panti and its residents, nothing else.
    operator = auth("institution_operator", institutions=[psaa["id"]])
    theirs, _ = await sync(programs, operator)
    assert {(c["entity"], c["id"]) for c in theirs} == {
        ("institution", psaa["id"]),
        ("admission", in_psaa["id"]),
    }

    # A TKSK reads programs but not panti: only the enrolment.
    tksk, _ = await sync(programs, TKSK)
    assert [(c["entity"], c["id"]) for c in tksk] == [("enrolment", enrolment.json()["id"])]

    nothing_new, same = await sync(programs, KOTA, cursor)
    assert nothing_new == [] and same == cursor


async def test_a_malformed_cursor_is_a_422_naming_since(programs: httpx.AsyncClient) -> None:
    response = await programs.get("/api/v1/changes", params={"since": "%%%"}, headers=KOTA)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["since"]
