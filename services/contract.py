"""The API contract: the three OpenAPI documents committed under openapi/, and the check that the
code still serves them (CI) without breaking what front ends were built on.

A breaking change is a removed route or method, a removed response field, a field or parameter
newly required in a request, or a changed type; it passes only with a new version number."""

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI

OPENAPI_DIR = Path(__file__).resolve().parent.parent / "openapi"
SERVICES = ("registry", "programs", "disaster")


def build(service: str) -> FastAPI:
    from importlib import import_module

    app: FastAPI = import_module(f"services.{service}.app").build_app()
    return app


def document(service: str) -> dict[str, Any]:
    return build(service).openapi()


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_all(directory: Path = OPENAPI_DIR) -> list[Path]:
    directory.mkdir(exist_ok=True)
    written = []
    for service in SERVICES:
        path = directory / f"{service}.json"
        path.write_text(render(document(service)))
        written.append(path)
    return written


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def _type(doc: dict[str, Any], schema: dict[str, Any]) -> Any:
    schema = _resolve(doc, schema)
    if "anyOf" in schema:
        return sorted(str(_type(doc, s)) for s in schema["anyOf"])
    return schema.get("type"), schema.get("format")


def _properties(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    schema = _resolve(doc, schema)
    props: dict[str, dict[str, Any]] = schema.get("properties", {})
    return props


def _response_schema(operation: dict[str, Any]) -> dict[str, Any] | None:
    for status in ("200", "201", "202"):
        content = operation.get("responses", {}).get(status, {}).get("content", {})
        if "application/json" in content:
            schema: dict[str, Any] = content["application/json"].get("schema", {})
            return schema
    return None


def _request_schema(operation: dict[str, Any]) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        schema: dict[str, Any] = content["application/json"].get("schema", {})
        return schema
    return None


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    problems = []
    for path, item in old.get("paths", {}).items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            current = new.get("paths", {}).get(path, {}).get(method)
            if current is None:
                problems.append(f"{where}: removed")
                continue
            old_resp, new_resp = _response_schema(operation), _response_schema(current)
            if old_resp and new_resp:
                old_props, new_props = _properties(old, old_resp), _properties(new, new_resp)
                for name, schema in old_props.items():
                    if name not in new_props:
                        problems.append(f"{where}: response field `{name}` removed")
                    elif _type(old, schema) != _type(new, new_props[name]):
                        problems.append(f"{where}: response field `{name}` changed type")
            old_req, new_req = _request_schema(operation), _request_schema(current)
            if new_req:
                was = set(_resolve(old, old_req).get("required", [])) if old_req else set()
                now = set(_resolve(new, new_req).get("required", []))
                for name in sorted(now - was):
                    problems.append(f"{where}: request field `{name}` newly required")
            old_params = {(p["in"], p["name"]): p for p in operation.get("parameters", [])}
            for param in current.get("parameters", []):
                key = (param["in"], param["name"])
                if param.get("required") and not old_params.get(key, {}).get("required"):
                    problems.append(f"{where}: parameter `{param['name']}` newly required")
    return problems


def check(directory: Path = OPENAPI_DIR) -> list[str]:
    """What CI reports: documents out of date, and breaking changes made without a new version."""
    problems = []
    for service in SERVICES:
        path = directory / f"{service}.json"
        served = document(service)
        if not path.exists():
            problems.append(f"{path.name}: missing; run `kessos openapi`")
            continue
        committed = json.loads(path.read_text())
        if render(committed) != render(served):
            problems.append(
                f"{path.name}: differs from what the code serves; run `kessos openapi` and commit"
            )
        if committed.get("info", {}).get("version") == served.get("info", {}).get("version"):
            problems.extend(
                f"{service}: {p} (raise the version to break)" for p in breaking_changes(committed, served)
            )
    return problems
