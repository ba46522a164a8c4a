"""Every operation of each service's OpenAPI document, fuzzed by Schemathesis in-process (ASGI) with an
admin's token and with a scoped one (a regency officer of Kota Banjarmasin, whose answers go through
the scope checks: 403s, 404s for other regions, filtered lists): data that fits the schema and data
that does not. Whatever it sends, a service never
answers 5xx, its answers conform to its own schema (status, content type, headers, body), and a 4xx is
problem+json.

A bounded number of examples per operation, derandomised, so that a run takes well under a minute and
fails the same way twice."""

import importlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shared.settings import KessosSettings
from tests.support import auth

SERVICES = ("registry", "programs", "disaster")
# Examples per operation, fitting the schema and not: about 140 operations in all.
EXAMPLES = 5
ADMIN = auth("admin", pii=True, sub="fuzz-admin")
# The scoped run walks other code paths (refusals, scope filters) more than other data: fewer examples.
SCOPED_EXAMPLES = 3
TOKENS = {
    "admin": (ADMIN, EXAMPLES),
    "regency_officer": (
        auth("regency_officer", regions=["63.71"], pii=True, sub="fuzz-kota"),
        SCOPED_EXAMPLES,
    ),
}


def problem_json_on_4xx(ctx: Any, response: Any, case: Any) -> bool | None:
    """A refusal is an RFC 9457 problem: `application/problem+json`, with its type, title and status."""
    if not 400 <= response.status_code < 500:
        return None
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    assert content_type.startswith("application/problem+json"), (
        f"{response.status_code} answered as {content_type!r}, not problem+json"
    )
    body = json.loads(response.content)
    assert {"type", "title", "status"} <= set(body) and body["status"] == response.status_code, body
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    problem_json_on_4xx,
]


@pytest.fixture(scope="module", params=SERVICES)
def api(request: pytest.FixtureRequest, settings: KessosSettings) -> Iterator[Any]:
    """The service's live OpenAPI document, with the app behind it run by Schemathesis's own ASGI
    client (its event loop, its lifespan: the app's engine and Redis live there)."""
    app = importlib.import_module(f"services.{request.param}.app").build_app(settings)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    yield schema
    asgi.shutdown_lifespans()


def fuzz(operation: Any, token: dict[str, str], examples: int) -> list[str]:
    """The distinct failures of one operation over its examples, sent with `token`."""
    failures: dict[str, str] = {}
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
    )

    @given(case=strategy)
    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.headers = {**(case.headers or {}), **token}  # always a valid token, whatever was generated
        response = case.call()
        try:
            case.validate_response(response, checks=CHECKS)
        except (AssertionError, FailureGroup) as exc:
            for failure in getattr(exc, "exceptions", [exc]):
                key = f"{operation.label}: {getattr(failure, 'title', type(failure).__name__)}"
                request = f"{case.method} {case.formatted_path} query={case.query} body={case.body!r}"
                failures.setdefault(key, f"{key}\n    {request[:300]}\n    {str(failure)[:600]}")

    run()
    return list(failures.values())


@pytest.mark.parametrize("who", TOKENS)
def test_no_operation_fails_under_fuzzing(api: Any, who: str) -> None:
    token, examples = TOKENS[who]
    failures: list[str] = []
    for result in api.get_all_operations():
        failures += fuzz(result.ok(), token, examples)
    assert not failures, f"{len(failures)} failure(s):\n" + "\n".join(failures)
