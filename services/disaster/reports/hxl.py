"""HXL-tagged CSV (hxlstandard.org): a header row for people, a hashtag row for machines, then the
data. Cells a spreadsheet would read as a formula are defused with a leading quote."""

import csv
import io
from collections.abc import Iterable, Sequence

from fastapi.responses import Response

# What Excel, LibreOffice and Google Sheets take for the start of a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write(columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[object]]) -> str:
    """`columns`: (header, hashtag) pairs."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cell(header) for header, _ in columns])
    writer.writerow([tag for _, tag in columns])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue()


def response(text: str, filename: str) -> Response:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def admin_codes(region_code: str | None) -> list[str | None]:
    """adm1..adm4 codes of a Kemendagri code (63.71.01.1001 → 63, 63.71, 63.71.01, 63.71.01.1001)."""
    parts = (region_code or "").split(".") if region_code else []
    return [".".join(parts[: n + 1]) if len(parts) > n else None for n in range(4)]


CSV_RESPONSE = {
    "content": {"text/csv": {"schema": {"type": "string"}, "example": "Header\r\n#hashtag\r\nvalue\r\n"}},
    "description": "The report (JSON), or with format=csv, HXL-tagged CSV",
}
