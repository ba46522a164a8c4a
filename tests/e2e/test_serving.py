"""`kessos serve --workers N`: N processes, each listening on the port itself, stopped together."""

import os
import signal
import subprocess
import sys
import time

import httpx
import psutil

from shared.embedded import free_port
from tests.support import REPO, System


def _listening(process: psutil.Process, port: int) -> dict[str, int]:
    """The listening sockets on the port (by inode) and the worker holding each. One socket shared
    by two processes (uvicorn's own --workers) counts once."""
    sockets = {}
    for child in process.children(recursive=True):
        for c in child.net_connections("tcp"):
            if c.laddr.port == port and c.status == psutil.CONN_LISTEN:
                sockets[os.readlink(f"/proc/{child.pid}/fd/{c.fd}")] = child.pid
    return sockets


def test_two_workers_each_listen_answer_and_stop_together(system: System) -> None:
    port = free_port()
    parent = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "serve", "registry", "--port", str(port), "--workers", "2"],
        env=system.env(),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    process = psutil.Process(parent.pid)
    try:
        deadline = time.monotonic() + 60
        while len(_listening(process, port)) < 2:
            assert parent.poll() is None, "kessos serve exited"
            assert time.monotonic() < deadline, "the two workers never both listened"
            time.sleep(0.2)
        workers = process.children(recursive=True)
        # Fresh connections are spread by the kernel over both sockets; every one is answered.
        for _ in range(20):
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
                assert client.get("/healthz").status_code == 200

        parent.send_signal(signal.SIGTERM)
        assert parent.wait(timeout=40) == 0
        assert not [w.pid for w in workers if w.is_running() and w.status() != psutil.STATUS_ZOMBIE]
    finally:
        if parent.poll() is None:
            parent.kill()


def test_a_worker_that_dies_stops_the_service(system: System) -> None:
    port = free_port()
    parent = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "serve", "registry", "--port", str(port), "--workers", "2"],
        env=system.env(),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    process = psutil.Process(parent.pid)
    try:
        deadline = time.monotonic() + 60
        while len(listening := _listening(process, port)) < 2:
            assert time.monotonic() < deadline, "the two workers never both listened"
            time.sleep(0.2)
        psutil.Process(next(iter(listening.values()))).kill()
        # The orchestrator restarts the service as a whole: it must see it end, not limp on.
        assert parent.wait(timeout=40) == 1
    finally:
        if parent.poll() is None:
            parent.kill()
