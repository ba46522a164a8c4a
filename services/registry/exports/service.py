"""The registry as a file: every person in the caller's scope, streamed in pages, masked exactly as
the people API masks them (people/service.to_read), each unmasked person written to the access log
before they leave."""

import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Literal, cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.registry.exports import repository
from services.registry.exports.cells import spreadsheet_safe
from services.registry.people import permissions
from services.registry.people.models import Person
from services.registry.people.schemas import PersonRead
from services.registry.people.service import to_read
from shared.auth import Principal

ExportFormat = Literal["ndjson", "csv"]
PAGE = 2000
CSV_FIELDS = [name for name in PersonRead.model_fields if name != "warnings"]
MEDIA_TYPES = {"ndjson": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}


def check(principal: Principal) -> None:
    permissions.require_read(principal)


async def stream(
    sessionmaker: async_sessionmaker[AsyncSession],
    principal: Principal,
    *,
    fmt: ExportFormat,
    region: str | None,
) -> AsyncIterator[str]:
    if fmt == "csv":
        yield ",".join(CSV_FIELDS) + "\n"
    after: tuple[datetime, uuid.UUID] | None = None
    while True:
        async with sessionmaker() as session, session.begin():
            rows = await repository.page(session, principal, region=region, after=after, limit=PAGE)
            if rows and principal.can_read_pii:
                await repository.log_access(session, [r.id for r in rows], principal.sub, "export")
        if not rows:
            return
        # A row has every attribute to_read reads from a Person: one masking rule for API and export.
        people = [to_read(cast(Person, row), principal) for row in rows]
        if fmt == "ndjson":
            yield "".join(p.model_dump_json(exclude={"warnings"}) + "\n" for p in people)
        else:
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            for p in people:
                values = p.model_dump(mode="json", exclude={"warnings"})
                writer.writerow([spreadsheet_safe(values[f]) for f in CSV_FIELDS])
            yield out.getvalue()
        if len(rows) < PAGE:
            return
        after = (rows[-1].created_at, rows[-1].id)
