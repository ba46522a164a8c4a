"""`kessos seed --demo` on a fresh database: every kind of record a front end shows is there, in both
provinces, with findings of each rule; a second run adds nothing."""

import os
import subprocess
import sys

import httpx
import pytest

from services import demo
from shared.settings import KessosSettings
from tests.support import REPO, auth

pytestmark = pytest.mark.usefixtures("clean")

ADMIN = auth("admin", pii=True)
KALSEL = auth("provincial_officer", regions=["63"])
KALTIM = auth("provincial_officer", regions=["64"])


async def total(client: httpx.AsyncClient, path: str, headers: dict[str, str], **params: str) -> int:
    """How many records a list route shows, over all its pages."""
    n, cursor = 0, None
    while True:
        page = await client.get(
            f"/api/v1{path}",
            params={**params, "limit": 200, **({"cursor": cursor} if cursor else {})},
            headers=headers,
        )
        assert page.status_code == 200, page.text
        n += len(page.json()["items"])
        cursor = page.json()["next_cursor"]
        if not cursor:
            return n


async def test_demo_seed_fills_every_screen_once(
    settings: KessosSettings,
    registry: httpx.AsyncClient,
    programs: httpx.AsyncClient,
    disaster: httpx.AsyncClient,
) -> None:
    seeded = await demo.seed(settings)
    assert seeded.counts == {
        "people": 14,
        "households": 5,
        "ppks_assessments": 8,
        "psks_roles": 5,
        "programs": 2,
        "enrolments": 6,
        "benefits": 6,
        "institutions": 2,
        "admissions": 5,
        "basic_needs_met": 5,
        "disasters": 1,
        "warehouses": 1,
        "stock_receipts": 2,
        "sites": 2,
        "victims": 11,
        "check_ins": 7,
        "distributions": 14,
    }
    # Each rule the demo stages has raised its findings (the worker's consumers ran in the seed).
    for rule in (
        "client_deceased",
        "client_not_in_registry",
        "double_receipt",
        "entitlement_override",
        "nik_disagrees_with_registry",
        "recipient_deceased",
        "recipient_not_in_registry",
        "victim_possible_match",
    ):
        assert seeded.findings.get(rule, 0) >= 1, seeded.findings

    # What officers of each province see.
    assert await total(registry, "/people", KALSEL) == 9
    assert await total(registry, "/people", KALTIM) == 5
    assert await total(registry, "/psks", KALTIM) == 2
    assert await total(programs, "/institutions", KALSEL) == 1
    assert await total(programs, "/admissions", KALTIM) == 2
    assert await total(disaster, "/victims", KALSEL) == 11
    assert await total(disaster, "/victims", KALTIM) == 0
    assert await total(disaster, "/sites", KALSEL) == 2
    assert await total(disaster, "/findings", ADMIN) >= 3
    assert await total(programs, "/findings", ADMIN) >= 2

    # A second run finds the demo there and writes nothing.
    with pytest.raises(demo.AlreadySeeded):
        await demo.seed(settings)
    assert await total(registry, "/people", ADMIN) == 14
    assert await total(disaster, "/distributions", ADMIN) == 14


def test_the_command_says_when_the_demo_is_already_there(settings: KessosSettings) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": settings.require_database_url(),
        "REDIS_URL": settings.require_redis_url(),
        "KESSOS_JWT_SECRET": settings.jwt_secret or "",
        "KESSOS_QUEUE_NAME": settings.queue_name,
        "KESSOS_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "services.cli", "seed", "--demo"]
    first = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "demo data set written" in first.stdout and "people: 14" in first.stdout
    second = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert "already there; nothing added" in second.stdout
