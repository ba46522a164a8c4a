"""Reports as spreadsheets: CSV and XLSX, safe to open in Excel or LibreOffice.

A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return would be run as a formula
by a spreadsheet (CSV injection, OWASP). In CSV such text is prefixed with a single quote; in XLSX
it is written as a typed string cell, which no spreadsheet evaluates."""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
Cell = str | int | float | Decimal | date | datetime | bool | None


def csv_safe(value: Cell) -> Cell:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else csv_safe(v) for v in row])
    # A BOM so that Excel opens UTF-8 (names with diacritics) correctly.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(sheet: Any, value: Cell) -> WriteOnlyCell:
    if isinstance(value, Decimal):
        value = float(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


def to_xlsx(title: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    bold = Font(bold=True)
    heading = []
    for name in header:
        cell = _cell(sheet, name)
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    for row in rows:
        sheet.append([_cell(sheet, v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
