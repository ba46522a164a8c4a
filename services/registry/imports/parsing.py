"""Reading a DTKS-style feed (DOMAIN.md "DTKS-style feed"): the header, then each row checked and
normalised into what the registry stores. Pure Python, no database: the runner feeds it bytes and
writes what it returns.

What a row gets, column by column:
- `id_dtks`, `nama`: required; a second row with an `id_dtks` already seen in the same file is
  rejected (the file would otherwise say two things about one person, and a re-import would flip
  between them).
- `nomor_nik`: an invalid NIK does not reject the row: it lands without a NIK, the raw value kept in
  `attributes["nik_invalid"]`, and the row counts as a warning. A valid NIK whose birth date or sex
  disagrees with the row's lands too, with `attributes["nik_mismatch"]` naming the fields (a
  data-quality finding, not a reason to lose the person). A valid NIK fills in a missing birth date
  and sex. `nomor_kk` likewise (`attributes["kk_invalid"]`).
- `kode_wilayah`: with or without dots, a district or village code of the region table; anything
  else rejects the row. When empty, the district of a valid NIK places the person (a warning).
  Rows outside the uploader's regions are rejected.
- Columns with a closed set of values reject the row when the value is outside it: they mean the
  row is garbled (shifted columns, a swapped day and month), and guessing would write wrong data
  into the system of record: `tanggal_lahir` (YYYY-MM-DD or DD-MM-YYYY, a real date, not in the
  future), `jenis_kelamin` (1/L → M, 2/P → F), `desil` (1–10), `hubungan_keluarga` (1–8, kept in
  `attributes`), `rt`/`rw` (up to 3 digits), and text longer than its column.
- Any other column is kept as it came in `attributes` (empty values left out).
"""

import csv
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from services.registry.people.names import normalise
from services.registry.people.nik import check_kk, parse_nik

REQUIRED = ("id_dtks", "nama")
KNOWN = (
    "id_dtks",
    "nomor_nik",
    "nomor_kk",
    "nama",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "hubungan_keluarga",
    "nama_ibu_kandung",
    "alamat",
    "rt",
    "rw",
    "kode_wilayah",
    "desil",
    "status_disabilitas",
)
# The staging table's columns, in the order of the records parse_row returns.
STAGING_COLUMNS = (
    "line",
    "id_dtks",
    "full_name",
    "name_normalized",
    "nik",
    "kk_number",
    "birth_date",
    "birth_place",
    "sex",
    "address",
    "region_code",
    "rt",
    "rw",
    "mother_name",
    "welfare_decile",
    "disability_status",
    "attributes",
)
Record = tuple[
    int,
    str,
    str,
    str,
    str | None,
    str | None,
    date | None,
    str | None,
    str | None,
    str | None,
    str,
    str | None,
    str | None,
    str | None,
    int | None,
    str | None,
    str,
]
# (line, severity, id_dtks, reason)
Issue = tuple[int, str, str | None, str]

SEX = {
    "1": "M",
    "l": "M",
    "m": "M",
    "laki-laki": "M",
    "laki laki": "M",
    "2": "F",
    "p": "F",
    "f": "F",
    "w": "F",
    "perempuan": "F",
    "wanita": "F",
}
RELATIONSHIPS = frozenset("12345678")
DECILES = {str(d): d for d in range(1, 11)}
_RT_RW = re.compile(r"^\d{1,3}$")
_SURROGATE = re.compile("[\udc80-\udcff]")
# What an empty cell looks like in real exports.
_EMPTY = frozenset({"", "-", "null", "NULL"})
MAX_HEADER_BYTES = 64 * 1024
_encode = json.JSONEncoder(ensure_ascii=False).encode  # jsonb compares by value: key order is moot


@lru_cache(maxsize=4096)
def _encode_items(items: tuple[tuple[str, object], ...]) -> str:
    return _encode(dict(items))


def _json(attributes: dict[str, object]) -> str:
    """Most rows carry the same few attribute values (relationship, occupation): encode each set once."""
    try:
        return _encode_items(tuple(attributes.items()))
    except TypeError:  # a list value (nik_mismatch): not hashable, not common
        return _encode(attributes)


# Names repeat (given names are few): normalise each once while it is in use.
_normalise = lru_cache(maxsize=16384)(normalise)


class FeedError(ValueError):
    """The file as a whole cannot be read as a feed (no header, a required column missing...)."""


def parse_header(cells: list[str]) -> list[str]:
    """Column names as the feed means them: trimmed, lower case. Raises FeedError naming what is
    wrong with the header."""
    names = [c.strip().lstrip("\ufeff").strip().lower() for c in cells]
    if not any(names):
        raise FeedError("the first line must be a header row naming the columns (id_dtks, nama, ...)")
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise FeedError(
            f"the header lacks the required column(s) {', '.join(missing)}; "
            f"it has: {', '.join(n for n in names if n)[:300]}"
        )
    seen: set[str] = set()
    for name in names:
        if name and name in seen:
            raise FeedError(f"the header names the column {name} twice")
        seen.add(name)
    return names


def sniff_dialect(first_line: str) -> str:
    """Comma by default; spreadsheets in an Indonesian locale save with semicolons."""
    return ";" if first_line.count(";") > first_line.count(",") else ","


def check_head(head: bytes) -> tuple[list[str], str]:
    """Checks the start of an upload (at least its first line, or all of it when shorter): a text
    CSV whose header has the required columns. Returns the header and the delimiter."""
    if not head.strip():
        raise FeedError("the file is empty")
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise FeedError("the file is UTF-16 text; save it as CSV UTF-8")
    if b"\x00" in head[:MAX_HEADER_BYTES]:
        raise FeedError("this is not a CSV text file (it contains binary data)")
    end = head.find(b"\n")
    if end < 0:
        if len(head) >= MAX_HEADER_BYTES:
            raise FeedError("the first line is longer than 64 KB: this does not look like a CSV header")
        end = len(head)
    try:
        first = head[:end].decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError:
        raise FeedError("the header is not UTF-8 text; save the CSV as UTF-8") from None
    delimiter = sniff_dialect(first)
    cells = next(csv.reader([first], delimiter=delimiter), [])
    return parse_header(cells), delimiter


def to_dotted(code: str) -> str:
    """`6371011001` → `63.71.01.1001`; dotted codes pass through."""
    if "." in code or not code.isdigit():
        return code
    if len(code) == 10:
        return f"{code[:2]}.{code[2:4]}.{code[4:6]}.{code[6:]}"
    if len(code) == 6:
        return f"{code[:2]}.{code[2:4]}.{code[4:]}"
    if len(code) == 4:
        return f"{code[:2]}.{code[2:]}"
    return code


def parse_date(value: str) -> date:
    """YYYY-MM-DD or DD-MM-YYYY (also with slashes). Raises ValueError."""
    if len(value) == 10:
        if value[4] in "-/" and value[7] == value[4]:
            return date(int(value[:4]), int(value[5:7]), int(value[8:]))
        if value[2] in "-/" and value[5] == value[2]:
            return date(int(value[6:]), int(value[3:5]), int(value[:2]))
    raise ValueError(value)


@dataclass
class Batch:
    records: list[Record] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    rows_read: int = 0
    rejected: int = 0
    warned: int = 0
    last_line: int = 0


def _compact(id_dtks: str) -> str | int:
    """An id as a number when that loses nothing (digits, no leading zero), else as it is."""
    return int(id_dtks) if id_dtks.isdigit() and id_dtks[0] != "0" and id_dtks.isascii() else id_dtks


class RowChecker:
    """Checks and normalises one row at a time; remembers the id_dtks seen in the file."""

    def __init__(
        self,
        header: list[str],
        *,
        regions: Mapping[str, str],
        covers: Callable[[str], bool],
        today: date,
    ):
        self.header = header
        self.width = len(header)
        self.regions = regions
        self.covers = covers
        self.today = today
        self.index = {name: i for i, name in enumerate(header) if name in KNOWN}
        # Where each known column is; a missing one points past the row, at a None.
        self.positions = tuple(self.index.get(name, self.width) for name in KNOWN)
        self.extra = [(i, name) for i, name in enumerate(header) if name and name not in KNOWN]
        # Every id_dtks read so far, numeric ones as numbers (half the memory of a string): about
        # 65 bytes each, 100 MB for the 1.5 million rows of a province.
        self.seen: set[str | int] = set()
        self._last_good_kk: str | None = None

    def remember(self, cells: list[str]) -> None:
        """For rows skipped when an interrupted import resumes: only their id_dtks matters."""
        i = self.index["id_dtks"]
        if len(cells) == self.width:
            key = cells[i].strip()
            if key:
                self.seen.add(_compact(key))

    def check(self, cells: list[str], line: int) -> tuple[Record | None, list[Issue]]:
        if len(cells) != self.width:
            return None, [
                (line, "rejected", None, f"the row has {len(cells)} fields, the header {self.width}")
            ]
        # Trimmed values, None for empty; index `width` (a missing column) reads None.
        values: list[str | None] = [None if (v := c.strip()) in _EMPTY else v for c in cells]
        values.append(None)
        (
            i_id,
            i_nik,
            i_kk,
            i_name,
            i_place,
            i_born,
            i_sex,
            i_relationship,
            i_mother,
            i_address,
            i_rt,
            i_rw,
            i_region,
            i_decile,
            i_disability,
        ) = self.positions
        problems: list[str] = []
        warnings: list[str] = []
        attributes: dict[str, object] = {}
        if _SURROGATE.search("".join(cells)):
            problems.append("the row is not valid UTF-8 text")

        id_dtks = values[i_id]
        if id_dtks is None:
            problems.append("id_dtks is empty")
        elif len(id_dtks) > 64:
            problems.append("id_dtks is longer than 64 characters")
        elif (seen_key := _compact(id_dtks)) in self.seen:
            problems.append(f"id_dtks {id_dtks} is on an earlier line of this file too; the first counts")
        else:
            self.seen.add(seen_key)
        full_name = values[i_name]
        if full_name is None:
            problems.append("nama is empty")
        elif len(full_name) > 200:
            problems.append("nama is longer than 200 characters")

        birth_date = None
        raw_date = values[i_born]
        if raw_date is not None:
            try:
                birth_date = parse_date(raw_date)
            except ValueError:
                problems.append("tanggal_lahir is not a date (YYYY-MM-DD or DD-MM-YYYY)")
            else:
                if birth_date > self.today:
                    problems.append("tanggal_lahir is in the future")
                    birth_date = None

        sex = None
        raw_sex = values[i_sex]
        if raw_sex is not None:
            sex = SEX.get(raw_sex.lower())
            if sex is None:
                problems.append("jenis_kelamin must be 1/L (male) or 2/P (female)")

        decile = None
        raw_decile = values[i_decile]
        if raw_decile is not None:
            decile = DECILES.get(raw_decile.lstrip("0") or "0")
            if decile is None:
                problems.append("desil must be a whole number from 1 to 10")

        relationship = values[i_relationship]
        if relationship is not None:
            if relationship not in RELATIONSHIPS:
                problems.append("hubungan_keluarga must be 1 to 8")
            else:
                attributes["hubungan_keluarga"] = relationship

        rt, rw = values[i_rt], values[i_rw]
        if rt is not None and not _RT_RW.match(rt):
            problems.append("rt must be up to 3 digits")
        if rw is not None and not _RT_RW.match(rw):
            problems.append("rw must be up to 3 digits")

        birth_place = values[i_place]
        if birth_place is not None and len(birth_place) > 100:
            problems.append("tempat_lahir is longer than 100 characters")
        mother_name = values[i_mother]
        if mother_name is not None and len(mother_name) > 200:
            problems.append("nama_ibu_kandung is longer than 200 characters")
        disability = values[i_disability]
        if disability is not None and len(disability) > 100:
            problems.append("status_disabilitas is longer than 100 characters")

        nik = values[i_nik]
        nik_district = None
        if nik is not None:
            nik = nik.lstrip("'")  # spreadsheets' "keep as text" mark
            try:
                info = parse_nik(nik, today=self.today)
            except ValueError as exc:
                warnings.append(f"nomor_nik is not a valid NIK ({exc}); stored without it")
                attributes["nik_invalid"] = nik
                nik = None
            else:
                mismatch = []
                if birth_date is not None and birth_date != info.birth_date:
                    mismatch.append("birth_date")
                if sex is not None and sex != info.sex:
                    mismatch.append("sex")
                if mismatch:
                    attributes["nik_mismatch"] = mismatch
                    warnings.append(f"the NIK disagrees with the row's {' and '.join(mismatch)}")
                if info.district_code in self.regions:
                    nik_district = info.district_code
                else:
                    warnings.append(f"the NIK's district {info.district_code} is not in today's region table")
                if birth_date is None and raw_date is None:
                    birth_date = info.birth_date
                if sex is None and raw_sex is None:
                    sex = info.sex

        kk = values[i_kk]
        if kk is not None:
            kk = kk.lstrip("'")
            try:
                if kk != self._last_good_kk:  # a household's rows follow each other with one KK
                    check_kk(kk, today=self.today)
                    self._last_good_kk = kk
            except ValueError as exc:
                warnings.append(f"nomor_kk is not a valid KK number ({exc}); stored without it")
                attributes["kk_invalid"] = kk
                kk = None

        region = values[i_region]
        region_code = ""
        if region is None:
            if nik_district is not None:
                region_code = nik_district
                warnings.append(f"kode_wilayah is empty: placed in the NIK's district {nik_district}")
            else:
                problems.append("kode_wilayah is empty and there is no valid NIK to place the person")
        else:
            region_code = to_dotted(region)
            level = self.regions.get(region_code)
            if level is None:
                problems.append(f"kode_wilayah {region} is not a Kemendagri region code")
            elif level not in ("village", "district"):
                problems.append(f"kode_wilayah {region} is a {level}; a row needs a district or village")
        if region_code and not problems and not self.covers(region_code):
            problems.append(f"region {region_code} is outside your regions")

        for i, name in self.extra:
            value = cells[i].strip()
            if value:
                attributes[name] = value

        key = id_dtks[:64] if id_dtks else None
        if problems:
            return None, [(line, "rejected", key, "; ".join(problems))]
        assert id_dtks is not None and full_name is not None
        record: Record = (
            line,
            id_dtks,
            full_name,
            _normalise(full_name),
            nik,
            kk,
            birth_date,
            birth_place,
            sex,
            values[i_address],
            region_code,
            rt,
            rw,
            mother_name,
            decile,
            disability,
            _json(attributes),
        )
        return record, [(line, "warning", key, "; ".join(warnings))] if warnings else []


class ByteQueueReader(io.RawIOBase):
    """A file-like view of byte chunks handed over one at a time by `next_chunk` (None: the end)."""

    def __init__(self, next_chunk: Callable[[], bytes | None]):
        self._next = next_chunk
        self._buffer = memoryview(b"")
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buffer and not self._done:
            chunk = self._next()
            if chunk is None:
                self._done = True
            else:
                self._buffer = memoryview(chunk)
        n = min(len(target), len(self._buffer))
        target[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n


def iter_batches(
    raw: io.RawIOBase,
    *,
    regions: Mapping[str, str],
    covers: Callable[[str], bool],
    today: date,
    batch_rows: int = 25_000,
    skip_rows: int = 0,
) -> Iterator[Batch]:
    """Reads the whole feed from `raw`, yielding batches of checked rows. The first `skip_rows`
    data rows (already written by an interrupted run) are only remembered, not yielded again."""
    text = io.TextIOWrapper(
        io.BufferedReader(raw, buffer_size=1 << 20),
        encoding="utf-8-sig",
        errors="surrogateescape",
        newline="",
    )
    first = text.readline()
    if not first:
        raise FeedError("the file is empty")
    delimiter = sniff_dialect(first)
    try:
        header = parse_header(next(csv.reader([first], delimiter=delimiter), []))
    except FeedError:
        raise
    checker = RowChecker(header, regions=regions, covers=covers, today=today)
    reader = csv.reader(text, delimiter=delimiter)
    batch = Batch()
    done = 0
    previous_end = 0  # the reader counts lines after the header's
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. a NUL byte or an unterminated quote: reject that row, go on
            line = previous_end + 2
            previous_end = reader.line_num
            done += 1
            if done <= skip_rows:
                continue
            batch.rows_read += 1
            batch.rejected += 1
            batch.issues.append((line, "rejected", None, f"the row is not valid CSV: {exc}"))
            batch.last_line = line
        else:
            line = previous_end + 2
            previous_end = reader.line_num
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue  # blank line
            done += 1
            if done <= skip_rows:
                checker.remember(cells)
                continue
            record, issues = checker.check(cells, line)
            batch.rows_read += 1
            batch.last_line = line
            if record is None:
                batch.rejected += 1
            else:
                batch.records.append(record)
                if issues:
                    batch.warned += 1
            batch.issues.extend(issues)
        if batch.rows_read >= batch_rows:
            yield batch
            batch = Batch()
    if batch.rows_read:
        yield batch
