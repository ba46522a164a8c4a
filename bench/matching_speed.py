"""Matching speed against a million registered people, over real processes and HTTP:

1. a duplicate scan of the whole registry: POST /duplicates/scans to `kessos serve registry`, the
   partitions fanned out by `kessos worker`, until GET /duplicates/scans/{id} says done; wall time,
   and the peak resident memory of the registry and worker processes (sampled every 0.2 s);
2. the online match of one record: POST /people/match, one request at a time, p50/p95/p99 over a
   few hundred records made from registered people as another office would type them (a typo in
   the name, no NIK, a swapped day and month, a title), and the same for records with nothing but a
   name and a village; plus one call of 1,000 records.

    .venv/bin/python -m bench.matching_common --rows 1020000 --database kessos_match_bench1m
    .venv/bin/python -m bench.matching_speed --database kessos_match_bench1m

The database must hold the people already (bench/matching_common.py lands a generated feed); the
scan's earlier pairs are emptied first so that every run does the same work."""

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil

from bench.matching_common import SERVER, database_url
from shared.auth import mint_token
from shared.embedded import free_port

SECRET = "bench-" + "x" * 40
REPO = Path(__file__).resolve().parent.parent


class Processes:
    def __init__(self, url: str, redis_url: str, registry_workers: int, workers: int):
        self.port = free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KESSOS_")} | {
            "DATABASE_URL": url,
            "REDIS_URL": redis_url,
            "KESSOS_JWT_SECRET": SECRET,
            "KESSOS_QUEUE_NAME": f"kessos:bench:{secrets.token_hex(4)}",
            "KESSOS_REGISTRY_URL": f"http://127.0.0.1:{self.port}",
            "KESSOS_LOG_LEVEL": "WARNING",
            "KESSOS_WORKER_METRICS_PORT": "0",  # several workers on one machine: no metrics port each
        }
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.registry_workers, self.workers = registry_workers, workers

    def start(self) -> None:
        serve = ["serve", "registry", "--port", str(self.port), "--workers", str(self.registry_workers)]
        self.procs["registry"] = self._spawn(serve)
        for i in range(self.workers):
            self.procs[f"worker{i}"] = self._spawn(["worker"])
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the registry did not start")
            time.sleep(0.3)

    def _spawn(self, args: list[str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "services.cli", *args],
            env=self.env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def rss(self) -> dict[str, int]:
        """Resident memory of each process tree (the registry's uvicorn workers are its children)."""
        out = {}
        for name, proc in self.procs.items():
            try:
                root = psutil.Process(proc.pid)
                out[name] = sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])
            except psutil.NoSuchProcess:
                out[name] = 0
        return out

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def token(role: str, **kwargs: Any) -> dict[str, str]:
    return {"Authorization": "Bearer " + mint_token(SECRET, sub=f"bench-{role}", roles=[role], **kwargs)}


async def scan(client: httpx.AsyncClient, procs: Processes, url: str) -> dict[str, Any]:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "TRUNCATE registry.duplicate_pair_events, registry.person_aliases, registry.person_merges,"
            " registry.duplicate_pairs, registry.duplicate_scan_partitions, registry.duplicate_scans"
        )
        people = await conn.fetchval("SELECT count(*) FROM registry.people")
    finally:
        await conn.close()
    peak: dict[str, int] = {}
    peak_total = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_total
        while not stop.is_set():
            now = procs.rss()
            peak_total = max(peak_total, sum(now.values()))
            for k, v in now.items():
                peak[k] = max(peak.get(k, 0), v)
            stop.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    admin = token("admin", scopes=["pii:read"])
    created = (await client.post("/api/v1/duplicates/scans", json={}, headers=admin)).json()
    while True:
        body = (await client.get(f"/api/v1/duplicates/scans/{created['id']}", headers=admin)).json()
        if body["status"] == "done":
            break
        if time.perf_counter() - started > 1800:
            raise RuntimeError(f"the scan did not finish in 30 minutes: {body}")
        await asyncio.sleep(0.5)
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    return {
        "people": people,
        "partitions": body["partitions_total"],
        "pairs_found": body["pairs_found"],
        "wall_s": round(wall, 1),
        "peak_rss_mb": {k: round(v / 2**20) for k, v in peak.items()},
        "peak_rss_total_mb": round(peak_total / 2**20),
    }


async def sample_people(url: str, count: int, seed: int) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"SELECT setseed({(seed % 1000) / 1000})")
        rows = await conn.fetch(
            "SELECT id, nik, full_name, birth_date, sex, region_code, kk_number FROM registry.people"
            " TABLESAMPLE BERNOULLI (0.2) ORDER BY random() LIMIT $1",
            count,
        )
    finally:
        await conn.close()
    return [dict(r) for r in rows]


def typo(name: str, rng: random.Random) -> str:
    i = rng.randrange(1, max(2, len(name) - 1))
    return name[:i] + name[i + 1 :] if rng.random() < 0.5 else name[:i] + name[i] + name[i:]


def as_typed(person: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A registered person as another office or a field officer would type them."""
    name = person["full_name"]
    if rng.random() < 0.3:
        name = typo(name, rng)
    if rng.random() < 0.1:
        name = ("H. " if person["sex"] == "M" else "Hj. ") + name
    born: date | None = person["birth_date"]
    if born and rng.random() < 0.05 and born.day <= 12 and born.day != born.month:
        born = born.replace(day=born.month, month=born.day)
    record: dict[str, Any] = {
        "full_name": name,
        "birth_date": born.isoformat() if born else None,
        "sex": person["sex"],
        "region_code": person["region_code"],
    }
    if person["nik"] and rng.random() < 0.5:
        record["nik"] = person["nik"]
    return {k: v for k, v in record.items() if v is not None}


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    cut = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "n": len(ordered),
        "p50_ms": round(cut[49], 1),
        "p95_ms": round(cut[94], 1),
        "p99_ms": round(cut[98], 1),
        "max_ms": round(ordered[-1], 1),
    }


async def online(client: httpx.AsyncClient, url: str, requests: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    people = await sample_people(url, requests * 2 + 1000, seed)
    officer = token("provincial_officer", regions=["63", "64"], scopes=["pii:read"])
    series = {
        "typed_record": [as_typed(p, rng) for p in people[:requests]],
        "name_and_village": [
            {"full_name": p["full_name"], "region_code": p["region_code"]}
            for p in people[requests : 2 * requests]
        ],
    }
    out: dict[str, Any] = {}
    for warm in series["typed_record"][:20]:
        await client.post("/api/v1/people/match", json={"records": [warm]}, headers=officer)
    for name, records in series.items():
        timings, decided, top = [], 0, 0
        offset = 0 if name == "typed_record" else requests
        for i, record in enumerate(records):
            started = time.perf_counter()
            response = await client.post("/api/v1/people/match", json={"records": [record]}, headers=officer)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
            candidates = response.json()["results"][0]["candidates"]
            decided += bool(candidates) and candidates[0]["decision"] != "no_match"
            top += bool(candidates) and candidates[0]["person"]["id"] == str(people[offset + i]["id"])
        out[name] = percentiles(timings) | {"right_person_first": top, "decided_match_or_possible": decided}
    batch = [as_typed(p, rng) for p in people[2 * requests : 2 * requests + 1000]]
    started = time.perf_counter()
    response = await client.post("/api/v1/people/match", json={"records": batch}, headers=officer)
    assert response.status_code == 200, response.text
    out["batch_of_1000_s"] = round(time.perf_counter() - started, 2)
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="kessos_match_bench1m")
    parser.add_argument("--server", default=SERVER)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--registry-workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--workers", type=int, default=2, help="`kessos worker` processes")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--estimate", action="store_true", help="re-estimate the model first (timed)")
    parser.add_argument("--skip-scan", action="store_true")
    parser.add_argument("--skip-online", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    url = database_url(args.database, args.server)
    procs = Processes(url, args.redis_url, args.registry_workers, args.workers)
    results: dict[str, Any] = {
        "machine": f"{psutil.cpu_count()} cores, {round(psutil.virtual_memory().total / 2**30)} GiB",
        "registry_workers": args.registry_workers,
        "workers": args.workers,
    }
    procs.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{procs.port}", timeout=600) as client:
            if args.estimate:
                started = time.perf_counter()
                admin = token("admin", scopes=["pii:read"])
                response = await client.post("/api/v1/matching/models", json={}, headers=admin)
                assert response.status_code == 201, response.text
                results["estimate"] = {
                    "wall_s": round(time.perf_counter() - started, 1),
                    "people": response.json()["estimated_from"]["people"],
                }
            if not args.skip_scan:
                results["scan"] = await scan(client, procs, url)
                print(json.dumps(results["scan"]), file=sys.stderr)
            if not args.skip_online:
                results["online"] = await online(client, url, args.requests, args.seed)
    finally:
        procs.stop()
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
