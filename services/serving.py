"""`kessos serve --workers N`: N uvicorn processes, each with a listening socket of its own.

uvicorn's own `--workers` shares one listening socket between its processes, and the kernel then
often hands most keep-alive connections to one of them (30 of 32 seen in bench/registry_lookup.py):
that process saturates its core while the other idles, and the p99 goes with it. With SO_REUSEPORT
each process binds the port itself and the kernel spreads new connections across the processes by
a hash of their addresses. Where SO_REUSEPORT does not exist, uvicorn's own workers are used.
"""

import multiprocessing
import signal
import socket
import sys
import time
from types import FrameType

import uvicorn

UVICORN_OPTIONS = {"factory": True, "log_level": "warning", "access_log": False, "proxy_headers": True}


def serve(app: str, host: str, port: int, workers: int) -> int:
    if workers <= 1 or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(app, host=host, port=port, workers=workers, **UVICORN_OPTIONS)  # type: ignore[arg-type]
        return 0
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_worker, args=(app, host, port), daemon=False) for _ in range(workers)
    ]
    for process in processes:
        process.start()

    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # A worker that dies takes the others down with it: the orchestrator (Kubernetes, compose)
    # restarts the whole service, as it would a single process.
    while not stopping and all(p.is_alive() for p in processes):
        time.sleep(0.2)
    for process in processes:
        if process.is_alive():
            process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
    for process in processes:
        process.join(timeout=30)
        if process.is_alive():
            process.kill()
    return 0 if stopping else 1


def _worker(app: str, host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    config = uvicorn.Config(app, host=host, port=port, **UVICORN_OPTIONS)  # type: ignore[arg-type]
    uvicorn.Server(config).run(sockets=[sock])
    sys.exit(0)
