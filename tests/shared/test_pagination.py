"""Keyset cursors: opaque, round-trip exactly; a cursor this API did not issue is a 422 naming `cursor`."""

import base64
import json
import uuid
from datetime import UTC, datetime

import httpx
import pytest

from shared.errors import Invalid
from shared.pagination import Page, decode_cursor, encode_cursor
from tests.support import auth


def test_round_trip_keeps_values_as_strings() -> None:
    at = datetime(2026, 11, 23, 7, 30, 1, 123456, tzinfo=UTC)
    ident = uuid.uuid4()
    cursor = encode_cursor([at.isoformat(), ident])
    assert decode_cursor(cursor, 2) == [at.isoformat(), str(ident)]
    assert datetime.fromisoformat(decode_cursor(cursor, 2)[0]) == at  # type: ignore[index]


@pytest.mark.parametrize(
    "values",
    [[""], ["a"], ["ab"], ["abc"], ["héllo / wörld ✓"], ["x" * 500, "y"], [1, 2.5, None]],
)
def test_round_trip_of_any_length(values: list) -> None:
    cursor = encode_cursor(values)
    assert "=" not in cursor and "+" not in cursor and "/" not in cursor  # safe in a query string
    assert decode_cursor(cursor, len(values)) == [str(v) for v in values]


def test_no_cursor_is_the_first_page() -> None:
    assert decode_cursor(None, 2) is None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    ("cursor", "width"),
    [
        ("", 1),
        ("!!!!", 1),
        ("abc", 1),  # decodes to bytes that are not JSON
        ("a", 1),  # impossible base64 length
        ("%%%", 1),
        ("é", 1),
        (_b64(b"not json"), 1),
        (_b64(b"\xff\xfe\x00"), 1),  # not UTF-8
        (_b64(b'{"a": 1}'), 1),  # JSON, but not a list
        (_b64(b'"a string"'), 1),
        (_b64(b"42"), 1),
        (_b64(b"null"), 1),
        (_b64(b'["one"]'), 2),  # wrong width
        (_b64(b'["a", "b", "c"]'), 2),
        (encode_cursor(["a", "b"]), 1),
    ],
)
def test_garbage_cursor_is_invalid_naming_cursor(cursor: str, width: int) -> None:
    with pytest.raises(Invalid) as caught:
        decode_cursor(cursor, width)
    assert caught.value.status == 422
    assert caught.value.errors is not None and [e.field for e in caught.value.errors] == ["cursor"]


def test_page_model() -> None:
    page = Page[int](items=[1, 2])
    assert page.model_dump() == {
        "items": [1, 2],
        "next_cursor": None,
        "total": None,
        "total_is_lower_bound": False,
    }
    counted = Page[str](items=["a"], next_cursor="c", total=10_000, total_is_lower_bound=True)
    assert json.loads(counted.model_dump_json()) == {
        "items": ["a"],
        "next_cursor": "c",
        "total": 10_000,
        "total_is_lower_bound": True,
    }


@pytest.mark.usefixtures("clean")
async def test_findings_garbage_cursor_that_is_not_base64_is_422(disaster: httpx.AsyncClient) -> None:
    response = await disaster.get("/api/v1/findings", params={"cursor": "!!!"}, headers=auth("admin"))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["cursor"]


@pytest.mark.usefixtures("clean")
async def test_findings_cursor_with_foreign_values_is_422(disaster: httpx.AsyncClient) -> None:
    cursor = encode_cursor(["yesterday", "not-a-uuid"])
    response = await disaster.get("/api/v1/findings", params={"cursor": cursor}, headers=auth("admin"))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["cursor"]
