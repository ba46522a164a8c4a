"""The TypeScript client (clients/typescript) as a front end uses it: its types are those the current
OpenAPI documents give (stale types fail), it compiles, and its end-to-end flow works against the
real services and worker."""

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import REPO, System, token

CLIENT = REPO / "clients" / "typescript"


def run(*args: str, timeout: float, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        args,
        cwd=CLIENT,
        env=env or dict(os.environ),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def client_installed() -> None:
    assert shutil.which("node") and shutil.which("npm"), (
        "Node.js 20+ and npm are needed for the TypeScript client"
    )
    installed = CLIENT / "node_modules" / ".package-lock.json"
    # `npm ci` only when node_modules is missing or older than the lock file: no network otherwise.
    if not installed.exists() or installed.stat().st_mtime < (CLIENT / "package-lock.json").stat().st_mtime:
        run("npm", "ci", "--no-audit", "--no-fund", timeout=300)


@pytest.fixture(scope="module")
def system(
    system_database: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[System]:
    # Attachments go to this run's own folder, not the repository's .kessos/.
    files = tmp_path_factory.mktemp("attachments")
    running = System(
        database_url=system_database,
        redis_url=redis_url,
        log_dir=tmp_path_factory.mktemp("logs"),
        extra_env={"KESSOS_ATTACHMENTS_DIR": str(files)},
    )
    try:
        yield running.start()
    finally:
        running.stop()


def bin_(name: str) -> str:
    return str(CLIENT / "node_modules" / ".bin" / name)


def test_generated_types_match_the_openapi_documents(client_installed: None) -> None:
    run("node", "scripts/generate.mjs", "--check", timeout=60)


def test_the_client_compiles(client_installed: None) -> None:
    run(bin_("tsc"), "--noEmit", "-p", "tsconfig.json", timeout=120)


def test_the_flow_a_front_end_drives(client_installed: None, system: System, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "KESSOS_REGISTRY_URL": system.url("registry"),
        "KESSOS_PROGRAMS_URL": system.url("programs"),
        "KESSOS_DISASTER_URL": system.url("disaster"),
        "KESSOS_TOKEN": token("admin", pii=True, sub="web-app-e2e"),
    }
    done = run(bin_("tsx"), "src/flow.ts", timeout=90, env=env)
    summary: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])

    distribution = summary["distribution"]
    assert distribution["retry_same_id"] is True  # the Idempotency-Key retry recorded nothing new
    assert distribution["person_id"] == summary["person_id"]
    assert distribution["items"] == [{"item_code": "beras", "quantity": 10}]
    assert summary["stock_left"] == {"beras": 40}  # 50 received, 10 handed out once

    photo = summary["photo"]
    assert photo["media_type"] == "image/jpeg" and photo["listed"] == [photo["id"]]
    assert photo["content_type"] == "image/jpeg" and photo["same_bytes"] is True
    assert photo["content_disposition"].startswith('attachment; filename="serah-terima.jpg"')
    assert summary["refused_upload"] == {"status": 415, "fields": ["file"]}

    assert summary["findings"] == [{"rule": "recipient_deceased", "status": "open"}]
