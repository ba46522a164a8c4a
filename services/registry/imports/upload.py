"""The uploaded file, streamed out of a multipart/form-data body as it arrives: nothing is
buffered beyond one network read, nothing is written to a temporary file, and an oversized upload is
refused while it comes in (Starlette's form parser would first spool all of it to disk)."""

from collections.abc import AsyncIterator

from fastapi import Request
from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header

from shared.errors import Invalid


class MultipartFile:
    """The part named `field` of a multipart body. `open()` reads up to that part's headers and
    returns its file name; `chunks()` then yields its bytes."""

    def __init__(self, request: Request, field: str):
        self.request = request
        self.field = field
        self.filename: str | None = None
        self._stream = request.stream()
        self._pending: list[bytes] = []
        self._in_part = False  # the current part is the file
        self._found = False
        self._part_done = False
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        content_type = request.headers.get("content-type", "")
        kind, options = parse_options_header(content_type)
        if kind != b"multipart/form-data" or b"boundary" not in options:
            raise Invalid(field, f"send the CSV as multipart/form-data in a field named `{field}`")
        self._parser = MultipartParser(
            options[b"boundary"],
            {
                "on_part_begin": self._on_part_begin,
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
                "on_part_data": self._on_part_data,
                "on_part_end": self._on_part_end,
            },
        )
        self._eof = False

    # python-multipart callbacks (synchronous)
    def _on_part_begin(self) -> None:
        self._disposition = b""

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = self._header_value = b""

    def _on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        name = options.get(b"name", b"").decode("utf-8", "replace")
        self._in_part = name == self.field and not self._found
        if self._in_part:
            self._found = True
            raw = options.get(b"filename")
            self.filename = raw.decode("utf-8", "replace")[:255] if raw else None

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_part:
            self._pending.append(data[start:end])

    def _on_part_end(self) -> None:
        if self._in_part:
            self._part_done = True
        self._in_part = False

    async def _read(self) -> bool:
        """Feeds one network read to the parser; False at the end of the body."""
        if self._eof:
            return False
        try:
            chunk = await self._stream.__anext__()
        except StopAsyncIteration:
            self._eof = True
            try:
                self._parser.finalize()
            except FormParserError:
                raise Invalid(self.field, "the multipart body is malformed") from None
            return False
        try:
            self._parser.write(chunk)
        except FormParserError:
            raise Invalid(self.field, "the multipart body is malformed") from None
        return True

    async def open(self) -> str | None:
        while not self._found:
            if not await self._read():
                raise Invalid(self.field, f"no file in the field `{self.field}`")
        return self.filename

    async def chunks(self) -> AsyncIterator[bytes]:
        while True:
            while self._pending:
                yield self._pending.pop(0)
            if self._part_done or not await self._read():
                break
        while self._pending:
            yield self._pending.pop(0)
