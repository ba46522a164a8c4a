"""The `kessos` command: run the system, one service, the worker, migrations; mint dev tokens."""

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SERVICES = {"registry": 8001, "programs": 8002, "disaster": 8003}


def _settings():  # imported late: settings read the environment that `dev` may have just set
    from shared.settings import KessosSettings

    return KessosSettings()


def cmd_serve(args: argparse.Namespace) -> int:
    from services.serving import serve

    port = args.port or SERVICES[args.service]
    return serve(f"services.{args.service}.app:build_app", args.host, port, args.workers)


def cmd_worker(args: argparse.Namespace) -> int:
    from services.worker.runner import run_forever

    asyncio.run(run_forever())
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from services.prestart import migrate

    counts = migrate(_settings().require_database_url())
    print(f"migrated to head; reference data: {counts}")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from shared.auth import ROLES, mint_token

    if args.role not in ROLES:
        print(f"unknown role {args.role}; one of: {', '.join(ROLES)}", file=sys.stderr)
        return 2
    settings = _settings()
    print(
        mint_token(
            settings.resolved_jwt_secret(),
            sub=args.sub or f"dev-{args.role}",
            roles=[args.role],
            regions=args.region,
            institutions=args.institution,
            scopes=["pii:read"] if args.pii else [],
            ttl_seconds=args.hours * 3600,
            audience=settings.jwt_audience,
        )
    )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """`kessos import dtks FILE`: import a feed straight into the registry's database."""
    from services.registry.imports import terminal

    path = Path(args.file)
    if not path.is_file():
        print(f"no such file: {path}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(
            terminal.run(_settings().require_database_url(), path, args.actor or terminal.default_actor())
        )
    except KeyboardInterrupt:
        return 130


def cmd_reconcile(args: argparse.Namespace) -> int:
    """`kessos reconcile [--region PREFIX]`: re-check every record (of the region) in full, by the
    workers, one job per region partition; findings appear and close as the partitions finish."""
    import re

    from services.worker.reconciliation import full

    if args.region and not re.fullmatch(r"[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?", args.region):
        print(
            f"--region: {args.region!r} is not a Kemendagri region code (e.g. 63 or 63.71)", file=sys.stderr
        )
        return 2
    run_id = asyncio.run(full.request(_settings(), args.region))
    print(
        f"reconciliation {run_id} queued for {args.region or 'every region'};"
        " progress on the worker's /metrics"
    )
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    """`kessos seed --demo`: the demo data set, through the services' APIs (run `kessos migrate` first)."""
    from services import demo

    if not args.demo:
        print("say which data set: --demo", file=sys.stderr)
        return 2
    try:
        seeded = asyncio.run(demo.seed(_settings()))
    except demo.AlreadySeeded as exc:
        print(f"{exc}; nothing added")
        return 0
    except demo.PartlySeeded as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print("demo data set written:")
    for line in demo.summary(seeded):
        print(f"  {line}")
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


EVENT_SCHEMAS = ["registry", "programs", "disaster"]


def cmd_events(args: argparse.Namespace) -> int:
    """`kessos events dead` lists parked events; `kessos events replay [ID...]` sends them again;
    `kessos events catalogue [--check]` writes (or checks) docs/events.md."""
    if args.action == "catalogue":
        return _events_catalogue(check=args.check)
    from shared.events.queue import EventQueue
    from shared.events.replay import dead_events, replay

    settings = _settings()
    url = settings.require_database_url().replace("postgresql+asyncpg://", "postgresql://")

    async def run() -> int:
        if args.action == "dead":
            for event in await dead_events(url, EVENT_SCHEMAS):
                print(
                    f"{event.schema}\t{event.id}\t{event.type}\t{event.dead_at:%Y-%m-%d %H:%M}\t"
                    f"{event.attempts}\t{(event.last_error or '')[:120]}"
                )
            return 0
        queue = await EventQueue.connect(
            settings.require_redis_url(), settings.queue_name, settings.event_result_ttl_seconds
        )
        try:
            count = await replay(url, queue, EVENT_SCHEMAS, args.ids or None)
        finally:
            await queue.close()
        print(f"replayed {count} dead event(s)")
        return 0

    return asyncio.run(run())


def _events_catalogue(*, check: bool) -> int:
    from shared.events.catalogue import render_markdown

    path = Path(__file__).resolve().parent.parent / "docs" / "events.md"
    text = render_markdown()
    if check:
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            print(f"{path} is stale: run `kessos events catalogue`", file=sys.stderr)
            return 1
        print("docs/events.md: up to date")
        return 0
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0


def cmd_openapi(args: argparse.Namespace) -> int:
    from services import contract

    if args.check:
        problems = contract.check()
        for problem in problems:
            print(problem, file=sys.stderr)
        if not problems:
            print("openapi/: up to date, no breaking change")
        return 1 if problems else 0
    for path in contract.write_all():
        print(f"wrote {path}")
    return 0


def cmd_dev(args: argparse.Namespace) -> int:
    """Everything in the foreground: embedded servers when no URLs are configured, migrations and
    reference data, the three services and the worker. Ctrl-C stops it all."""
    from shared.embedded import EmbeddedPostgres, EmbeddedValkey
    from shared.logging import configure_logging

    configure_logging("kessos-dev")
    signal.signal(signal.SIGTERM, _interrupt)  # stop cleanly under a supervisor too, not only on Ctrl-C
    data_dir = Path(os.environ.get("KESSOS_DATA_DIR", ".kessos")).resolve()
    os.environ["KESSOS_DATA_DIR"] = str(data_dir)
    embedded: list[EmbeddedPostgres | EmbeddedValkey] = []
    children: list[subprocess.Popen[bytes]] = []
    try:
        if not os.environ.get("DATABASE_URL"):
            pg = EmbeddedPostgres(data_dir / "postgres", port=int(os.environ.get("KESSOS_PG_PORT", "54329")))
            os.environ["DATABASE_URL"] = pg.start()
            embedded.append(pg)
        if not os.environ.get("REDIS_URL"):
            valkey = EmbeddedValkey(
                data_dir / "valkey", port=int(os.environ.get("KESSOS_REDIS_PORT", "63799"))
            )
            os.environ["REDIS_URL"] = valkey.start()
            embedded.append(valkey)
        _settings().resolved_jwt_secret()  # create it once, before four processes race for it
        cmd_migrate(args)
        if args.demo:  # before the services start: the seed runs them in-process for itself
            cmd_seed(args)
        exe = [sys.executable, "-m", "services.cli"]
        for name, port in SERVICES.items():
            children.append(subprocess.Popen([*exe, "serve", name, "--port", str(port)]))
        children.append(subprocess.Popen([*exe, "worker"]))
        print(
            "\nKessos is running:\n"
            + "".join(f"  {n:<9} http://127.0.0.1:{p}/docs\n" for n, p in SERVICES.items())
            + "  worker    consuming events\n"
            + f"  database  {os.environ['DATABASE_URL']}\n  redis     {os.environ['REDIS_URL']}\n"
            + "Mint a token with: kessos token --role admin --pii    (Ctrl-C stops everything)\n",
            flush=True,
        )
        while all(c.poll() is None for c in children):
            time.sleep(0.5)
        print("a process stopped unexpectedly; stopping the rest", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        for server in reversed(embedded):
            server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kessos", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("dev", help="run the whole system in the foreground (embedded servers by default)")
    p.add_argument("--demo", action="store_true", help="write the demo data set first (`kessos seed --demo`)")
    p.set_defaults(func=cmd_dev)

    p = sub.add_parser("serve", help="run one service")
    p.add_argument("service", choices=sorted(SERVICES))
    p.add_argument("--host", default=os.environ.get("KESSOS_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=None)
    p.add_argument("--workers", type=int, default=1)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="run the event worker")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("migrate", help="migrate the database and load reference data")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("import", help="import a feed into the registry (progress bar and summary)")
    p.add_argument("kind", choices=["dtks"], help="the feed's kind: dtks (DOMAIN.md's import contract)")
    p.add_argument("file", help="the CSV file")
    p.add_argument("--actor", default=None, help="who the history log names (default cli:$USER)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("token", help="print a signed development token")
    p.add_argument("--role", required=True)
    p.add_argument("--region", action="append", default=[], help="region prefix, e.g. 63.71 (repeatable)")
    p.add_argument("--institution", action="append", default=[], help="institution id (repeatable)")
    p.add_argument("--pii", action="store_true", help="grant pii:read (unmasked NIK, KK, birth date)")
    p.add_argument("--sub", default=None, help="the user id to put in the token")
    p.add_argument("--hours", type=int, default=12)
    p.set_defaults(func=cmd_token)

    p = sub.add_parser("reconcile", help="re-check every record in full (all regions or one prefix)")
    p.add_argument("--region", default=None, help="region code prefix, e.g. 63 or 63.71 (default: all)")
    p.set_defaults(func=cmd_reconcile)

    p = sub.add_parser("seed", help="write a demo data set through the services' APIs (idempotent)")
    p.add_argument("--demo", action="store_true", help="two provinces, families, panti, a flood, findings")
    p.set_defaults(func=cmd_seed)

    p = sub.add_parser(
        "events", help="operate the outbox: list dead events, replay them; write the event catalogue"
    )
    p.add_argument("action", choices=["dead", "replay", "catalogue"])
    p.add_argument("ids", nargs="*", help="event ids to replay (default: all dead events)")
    p.add_argument("--check", action="store_true", help="catalogue: fail if docs/events.md is stale")
    p.set_defaults(func=cmd_events)

    p = sub.add_parser("openapi", help="write the OpenAPI documents to openapi/ (--check: compare instead)")
    p.add_argument(
        "--check", action="store_true", help="fail if openapi/ is stale or a change breaks clients"
    )
    p.set_defaults(func=cmd_openapi)

    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
