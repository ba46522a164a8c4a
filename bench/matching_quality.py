"""Matching quality on a generated DTKS feed with known truth: precision, recall and F1 of the
duplicate pairs, with the NIK and with it removed, for Kessos's engine and for splink's standard
model (the reference linker) on the same people in the same run.

    .venv/bin/python -m bench.matching_quality --rows 200000 --seed 7

For each variant the feed (bench/dtks_feed.py) is landed in a scratch database as the importer would
land it; then Kessos, through its own API in this process: POST /matching/models (EM on the
registry), POST /duplicates/scans and every partition run as the worker would, GET /duplicates.
A pair counts as predicted when its decision is `match` (score ≥ the default match threshold,
0.95); `match or possible` (≥ 0.5) is reported too. splink gets the same landed rows, a
Fellegi–Sunter model of standard comparisons (NameComparison, DateOfBirthComparison, exact NIK,
KK and sex) trained as splink's tutorials do (prior from deterministic
rules, u by random sampling, m by EM blocked on birth date and on KK), predicting on comparable
blocking rules; its pairs are counted at the same two probabilities. Truth: two landed rows are
one person when the truth file gives them the same person key."""

import argparse
import asyncio
import json
import secrets
import sys
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.matching_common import SERVER, create_database, drop_database, feed, load, truth_keys
from shared.auth import mint_token
from shared.settings import KessosSettings

SECRET = "bench-" + "x" * 40
THRESHOLDS = (0.95, 0.5)


def score(predicted: set[tuple[str, str]], gold: set[tuple[str, str]]) -> dict[str, float | int]:
    tp = len(predicted & gold)
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "predicted": len(predicted),
        "true_pairs": len(gold),
        "tp": tp,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


def gold_pairs(ids: list[str], truth: dict[str, str]) -> set[tuple[str, str]]:
    by_person: dict[str, list[str]] = defaultdict(list)
    for id_dtks in ids:
        by_person[truth[id_dtks]].append(id_dtks)
    return {pair for group in by_person.values() for pair in combinations(sorted(group), 2)}


# ---- Kessos, through its API


async def kessos(url: str, redis_url: str) -> tuple[dict[float, set[tuple[str, str]]], dict[str, Any]]:
    from services.registry.app import build_app

    settings = KessosSettings(
        database_url=url,
        redis_url=redis_url,
        jwt_secret=SECRET,
        queue_name=f"kessos:bench:{secrets.token_hex(4)}",
        log_level="WARNING",
    )
    admin = {
        "Authorization": "Bearer "
        + mint_token(SECRET, sub="bench-admin", roles=["admin"], scopes=["pii:read"])
    }
    service = {"Authorization": "Bearer " + mint_token(SECRET, sub="bench-worker", roles=["service"])}
    app = build_app(settings)
    timings: dict[str, Any] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=3600) as client:
            started = time.perf_counter()
            model = await client.post("/api/v1/matching/models", json={"people": 2_000_000}, headers=admin)
            assert model.status_code == 201, model.text
            timings["estimate_s"] = round(time.perf_counter() - started, 1)
            timings["model"] = model.json()["estimated_from"]
            started = time.perf_counter()
            scan = (await client.post("/api/v1/duplicates/scans", json={}, headers=admin)).json()
            conn = await asyncpg.connect(url)
            try:
                envelope = await conn.fetchval(
                    "SELECT envelope FROM registry.outbox WHERE subject = $1", scan["id"]
                )
            finally:
                await conn.close()
            for code in json.loads(envelope)["payload"]["partitions"]:
                run = await client.post(
                    f"/api/v1/duplicates/scans/{scan['id']}/partitions/{code}/run", headers=service
                )
                assert run.status_code == 200, run.text
            timings["scan_s"] = round(time.perf_counter() - started, 1)
            timings["partitions"] = scan["partitions_total"]
            pairs: list[dict[str, Any]] = []
            cursor = None
            while True:
                params: dict[str, Any] = {"limit": 500, **({"cursor": cursor} if cursor else {})}
                page = (await client.get("/api/v1/duplicates", params=params, headers=admin)).json()
                pairs.extend(page["items"])
                cursor = page["next_cursor"]
                if not cursor:
                    break
        await _forget_queue(redis_url, settings.queue_name)
    predicted: dict[float, set[tuple[str, str]]] = {t: set() for t in THRESHOLDS}
    for pair in pairs:
        a, b = sorted((pair["a"]["id_dtks"], pair["b"]["id_dtks"]))
        if pair["decision"] == "match":
            predicted[0.95].add((a, b))
        predicted[0.5].add((a, b))
    return predicted, timings


async def _forget_queue(redis_url: str, queue: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url)
    try:
        jobs = await redis.zrange(queue, 0, -1)
        await redis.delete(queue, *[f"arq:job:{j.decode()}" for j in jobs])
    finally:
        await redis.aclose()


# ---- the reference linker: splink's standard model


def splink_reference(rows: list[dict[str, Any]]) -> tuple[dict[float, set[tuple[str, str]]], dict[str, Any]]:
    import pyarrow as pa
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    table = pa.Table.from_pylist(rows)
    db_api = DuckDBAPI()
    df = db_api.register(table)
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="id_dtks",
        comparisons=[
            cl.ExactMatch("nik"),
            cl.NameComparison("name"),
            cl.DateOfBirthComparison("birth_date", input_is_string=False),
            cl.ExactMatch("sex"),
            cl.ExactMatch("kk_number"),
            # Not the address nor the region: with the KK they say one thing three times (where the
            # household lives), and splink counting them as independent scores every two members of
            # one family as one person (precision 0.01 on this feed).
        ],
        blocking_rules_to_generate_predictions=[
            block_on("nik"),
            block_on("kk_number"),
            block_on("birth_date"),
            block_on("name", "region_code"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    started = time.perf_counter()
    linker = Linker(df, settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("name", "birth_date", "region_code")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("kk_number"))
    trained = time.perf_counter() - started
    predictions = linker.inference.predict(threshold_match_probability=min(THRESHOLDS))
    records = predictions.as_record_list()
    predicted: dict[float, set[tuple[str, str]]] = {t: set() for t in THRESHOLDS}
    for r in records:
        pair = tuple(sorted((str(r["id_dtks_l"]), str(r["id_dtks_r"]))))
        for t in THRESHOLDS:
            if r["match_probability"] >= t:
                predicted[t].add(pair)  # type: ignore[arg-type]
    return predicted, {"train_s": round(trained, 1), "total_s": round(time.perf_counter() - started, 1)}


async def landed_rows(url: str) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT id_dtks, nik, kk_number, name_normalized AS name, birth_date, sex, region_code, address"
            " FROM registry.people"
        )
    finally:
        await conn.close()
    return [dict(r) for r in rows]


async def variant(name: str, path: Path, truth: dict[str, str], redis_url: str, keep: bool) -> dict[str, Any]:
    database = f"kessos_bench_quality_{name}"
    url = await create_database(database)
    try:
        started = time.perf_counter()
        people = await load(url, path, drop_nik=(name == "without_nik"))
        loaded = round(time.perf_counter() - started, 1)
        rows = await landed_rows(url)
        gold = gold_pairs([r["id_dtks"] for r in rows], truth)
        ours, ours_timing = await kessos(url, redis_url)
        reference, reference_timing = await asyncio.to_thread(splink_reference, rows)
        return {
            "variant": name,
            "people": people,
            "load_s": loaded,
            "kessos": {str(t): score(ours[t], gold) for t in THRESHOLDS} | {"timing": ours_timing},
            "splink": {str(t): score(reference[t], gold) for t in THRESHOLDS} | {"timing": reference_timing},
        }
    finally:
        if not keep:
            await drop_database(database)


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| variant | linker | threshold | predicted | true pairs | precision | recall | F1 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        for linker in ("kessos", "splink"):
            for t in THRESHOLDS:
                s = result[linker][str(t)]
                lines.append(
                    f"| {result['variant']} | {linker} | {t} | {s['predicted']} | {s['true_pairs']} |"
                    f" {s['precision']:.4f} | {s['recall']:.4f} | {s['f1']:.4f} |"
                )
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--folder", type=Path, default=Path(".kessos") / "bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--variants", default="with_nik,without_nik")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    path, truth_path = feed(args.rows, args.seed, args.folder)
    truth = truth_keys(truth_path)
    results = []
    for name in args.variants.split(","):
        print(f"{name}: landing {args.rows:,} rows on {SERVER} ...", file=sys.stderr)
        results.append(await variant(name, path, truth, args.redis_url, args.keep))
        print(json.dumps(results[-1], indent=2, default=str), file=sys.stderr)
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    asyncio.run(main())
