"""Test support: real servers, a database per test session, tokens, and real service processes."""

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx

from shared.auth import mint_token
from shared.embedded import free_port

REPO = Path(__file__).resolve().parent.parent
JWT_SECRET = "test-secret-" + "x" * 40
T = TypeVar("T")


def token(
    role: str,
    *,
    regions: list[str] | None = None,
    institutions: list[str] | None = None,
    pii: bool = False,
    sub: str | None = None,
) -> str:
    return mint_token(
        JWT_SECRET,
        sub=sub or f"test-{role}",
        roles=[role],
        regions=regions,
        institutions=institutions,
        scopes=["pii:read"] if pii else [],
    )


def auth(role: str, **kwargs: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, **kwargs)}"}


def server_url(database_url: str, database: str) -> str:
    base, _, _ = database_url.rpartition("/")
    return f"{base}/{database}"


async def create_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def eventually(check: Callable[[], Awaitable[T]], *, timeout: float = 10.0, interval: float = 0.1) -> T:
    """Poll until `check` returns a truthy value; fail with the last value after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: T = await check()
    while not last:
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")
        await asyncio.sleep(interval)
        last = await check()
    return last


@dataclass
class System:
    """The three services and the worker, as real processes talking HTTP, PostgreSQL and Redis."""

    database_url: str
    redis_url: str
    queue_name: str = field(default_factory=lambda: f"kessos:test:{secrets.token_hex(4)}")
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    log_dir: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KESSOS_")}
        env.update(
            {
                "DATABASE_URL": self.database_url,
                "REDIS_URL": self.redis_url,
                "KESSOS_JWT_SECRET": JWT_SECRET,
                "KESSOS_QUEUE_NAME": self.queue_name,
                "KESSOS_SWEEP_AFTER_SECONDS": "3",
                "KESSOS_RELAY_INTERVAL_SECONDS": "0.2",
                "KESSOS_LOG_LEVEL": "WARNING",
                "KESSOS_WORKER_METRICS_PORT": "0",
                **{f"KESSOS_{s.upper()}_URL": self.url(s) for s in self.ports},
                **self.extra_env,
            }
        )
        return env

    def start(self) -> "System":
        self.ports = {s: free_port() for s in ("registry", "programs", "disaster")}
        for name in ("registry", "programs", "disaster", "worker"):
            self.start_process(name)
        self.wait_healthy()
        return self

    def start_process(self, name: str) -> None:
        args = ["worker"] if name == "worker" else ["serve", name, "--port", str(self.ports[name])]
        out = open(self.log_dir / f"{name}.log", "ab") if self.log_dir else subprocess.DEVNULL
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "services.cli", *args], env=self.env(), cwd=REPO, stdout=out, stderr=out
        )

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        for service in self.ports:
            while True:
                proc = self.processes[service]
                if proc.poll() is not None:
                    raise RuntimeError(f"{service} exited with {proc.returncode}")
                try:
                    if httpx.get(self.url(service) + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{service} did not become healthy")
                time.sleep(0.2)

    def stop(self) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.processes.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
