"""The disaster service documents itself: every route with a summary, a tag, a typed answer and its
errors; the offline batch documents the record it takes, though it checks each record on its own."""

from typing import Any

from services.disaster.app import build_app
from shared.settings import KessosSettings


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = build_app(KessosSettings(log_level="WARNING")).openapi()
    return [
        (path, method, op)
        for path, item in schema["paths"].items()
        if path.startswith("/api/v1/")
        for method, op in item.items()
    ]


def test_every_route_is_documented() -> None:
    found = operations()
    assert len(found) > 35
    for path, method, op in found:
        where = f"{method.upper()} {path}"
        assert op.get("summary") and op.get("tags"), where
        responses = op["responses"]
        success = [code for code in responses if code.startswith("2")]
        assert success, where
        if success != ["204"]:
            assert any("content" in responses[code] for code in success), where
        assert {"401", "422"} <= set(responses), where
        if "{" in path and method != "put":  # a PUT here creates or replaces: nothing to be missing
            assert "404" in responses, where


def test_the_batch_documents_its_records() -> None:
    sync = {path: op for path, method, op in operations() if path.startswith("/api/v1/sync/")}
    assert set(sync) == {"/api/v1/sync/distributions", "/api/v1/sync/victims"}
    schema = build_app(KessosSettings(log_level="WARNING")).openapi()
    body = sync["/api/v1/sync/distributions"]["requestBody"]["content"]["application/json"]["schema"]
    batch = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    record = batch["properties"]["records"]["items"]
    assert {"id", "disaster_id", "warehouse_id", "items", "distributed_at"} <= set(record["properties"])
    assert record["properties"]["items"]["items"]["properties"]["quantity"]
    assert batch["properties"]["records"]["maxItems"] == 10_000
