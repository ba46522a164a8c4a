"""The contract check that keeps front ends working: what counts as a breaking change."""

import copy
from typing import Any

from services.contract import breaking_changes

BASE: dict[str, Any] = {
    "info": {"version": "0.1.0"},
    "paths": {
        "/api/v1/people/{person_id}": {
            "get": {
                "parameters": [{"in": "path", "name": "person_id", "required": True}],
                "responses": {
                    "200": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/PersonRead"}}
                        }
                    }
                },
            },
        },
        "/api/v1/people": {
            "post": {
                "requestBody": {
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PersonCreate"}}}
                },
                "responses": {
                    "201": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/PersonRead"}}
                        }
                    }
                },
            },
        },
    },
    "components": {
        "schemas": {
            "PersonRead": {
                "properties": {"id": {"type": "string", "format": "uuid"}, "full_name": {"type": "string"}}
            },
            "PersonCreate": {
                "properties": {"full_name": {"type": "string"}, "nik": {"type": "string"}},
                "required": ["full_name"],
            },
        }
    },
}


def changed(edit) -> list[str]:  # type: ignore[no-untyped-def]
    new = copy.deepcopy(BASE)
    edit(new)
    return breaking_changes(BASE, new)


def test_identical_documents_break_nothing() -> None:
    assert breaking_changes(BASE, copy.deepcopy(BASE)) == []


def test_additions_break_nothing() -> None:
    def add(doc: dict[str, Any]) -> None:
        doc["paths"]["/api/v1/households"] = {"get": {"responses": {}}}
        doc["components"]["schemas"]["PersonRead"]["properties"]["sex"] = {"type": "string"}

    assert changed(add) == []


def test_removed_route_field_new_requirement_and_type_change() -> None:
    assert changed(lambda d: d["paths"].pop("/api/v1/people")) == ["POST /api/v1/people: removed"]
    assert changed(lambda d: d["components"]["schemas"]["PersonRead"]["properties"].pop("full_name")) == [
        "GET /api/v1/people/{person_id}: response field `full_name` removed",
        "POST /api/v1/people: response field `full_name` removed",
    ]
    assert changed(lambda d: d["components"]["schemas"]["PersonCreate"]["required"].append("nik")) == [
        "POST /api/v1/people: request field `nik` newly required"
    ]
    retyped = changed(
        lambda d: d["components"]["schemas"]["PersonRead"]["properties"].update(id={"type": "integer"})
    )
    assert "GET /api/v1/people/{person_id}: response field `id` changed type" in retyped
