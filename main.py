"""Privacy Portal entry point.

python main.py                 serve the portal (migrates, seeds demo data on a new demo database)
python main.py seed [--reset]  load the demo data; --reset puts the database back to exactly the demo state
python main.py migrate         bring the database schema up to date
python main.py worker [-n N]   run N queue workers beside any number of portal processes
python main.py audit verify    check the audit trail's hash chain and its signed checkpoints; names what broke
python main.py queue selftest  file diagnostic requests and wait until the workers completed them
python main.py recipients set-endpoint KEY URL | disable KEY | list
                               where recipients take their Art. 19 notices (docs/recipients.md)
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python main.py", description="Privacy Portal")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="run the portal (the default)")
    seed = commands.add_parser("seed", help="load the deterministic demo data")
    seed.add_argument("--reset", action="store_true", help="delete everything first, then load the demo data")
    seed.add_argument(
        "--usage-customer",
        nargs=2,
        metavar=("EMAIL", "EVENTS"),
        help="add (or replace) a customer with EVENTS usage events, for benchmarks",
    )
    commands.add_parser("migrate", help="bring the database schema up to date")
    worker = commands.add_parser("worker", help="run queue workers in this process")
    worker.add_argument("-n", "--count", type=int, default=1, help="worker threads (default 1)")
    audit = commands.add_parser("audit", help="audit trail tools")
    audit.add_argument("action", choices=["verify"])
    queue = commands.add_parser("queue", help="request queue tools")
    queue.add_argument("action", choices=["selftest"])
    queue.add_argument("--count", type=int, default=10)
    verify = commands.add_parser("verify", help="check a deletion receipt or an export ZIP offline")
    verify.add_argument("file")
    verify.add_argument("--keys", help="a published JWK set (/.well-known/portal-signing-keys.json saved as a file)")
    keys = commands.add_parser("keys", help="signing keys")
    keys.add_argument("action", choices=["rotate", "list"])
    recipients = commands.add_parser("recipients", help="where recipients take their Art. 19 notices")
    recipient_actions = recipients.add_subparsers(dest="action", required=True)
    set_endpoint = recipient_actions.add_parser(
        "set-endpoint", help="send KEY's notices to URL; prints a new acknowledgement token once"
    )
    set_endpoint.add_argument("key", help="a recipient key of the catalogue (see `recipients list`)")
    set_endpoint.add_argument("url", help="https://… (plain http only to 127.0.0.1 or localhost)")
    disable = recipient_actions.add_parser("disable", help="stop sending KEY notices (they wait, pending)")
    disable.add_argument("key")
    recipient_actions.add_parser("list", help="every recipient, its endpoint and its notices by state")
    return parser.parse_args(argv)


WORKER_DATABASE_WAIT_SECONDS = 120.0


def _signing_command(args: argparse.Namespace) -> int:
    """verify and keys: no database needed, only key files (or a published JWK set)."""
    import json
    from pathlib import Path

    from portal.signing import get_keyring, public_jwks
    from portal.signing.keys import keys_from_jwks
    from portal.signing.verify_files import check_file

    if args.command == "keys":
        ring = get_keyring()
        if args.action == "rotate":
            print(f"new current signing key: {ring.rotate()} (publish /.well-known/portal-signing-keys.json again)")
        else:
            print(json.dumps(public_jwks(ring), indent=2))
        return 0
    published = json.loads(Path(args.keys).read_text()) if args.keys else public_jwks()
    result = check_file(Path(args.file), keys_from_jwks(published))
    print("\n".join(result.lines))
    return 0 if result.genuine else 1


def _command(args: argparse.Namespace) -> int:
    if args.command in ("verify", "keys"):
        return _signing_command(args)
    from portal.db import get_engine, migrate, wait_for_database
    from portal.seed.demo import add_usage_customer, seed_demo

    engine = get_engine()
    if args.command == "worker":  # started beside a database that is (re)starting: wait for it, do not exit
        wait_for_database(engine, timeout=WORKER_DATABASE_WAIT_SECONDS)
    migrate.upgrade(engine)
    if args.command == "seed":
        if args.usage_customer:
            email, events = args.usage_customer
            account_id = add_usage_customer(engine=engine, email=email, usage_events=int(events))
            print(f"customer {email} (id {account_id}) has {int(events):,} usage events")
        else:
            seed_demo(engine=engine, reset=args.reset)
            print("demo data " + ("reset" if args.reset else "loaded (unchanged if it was already there)"))
    elif args.command == "migrate":
        print("database schema is up to date")
    elif args.command == "worker":
        from portal.config import get_settings
        from portal.jobs.runtime import WorkerPool
        from portal.runtime_memory import return_big_blocks

        return_big_blocks()  # export builds and password checks on several threads: see portal/runtime_memory.py

        pool = WorkerPool(get_settings(), count=max(1, args.count))
        # SIGTERM (systemd, docker stop): finish the job in hand, then exit. A SIGKILL loses nothing either:
        # the claimed requests go back to the queue when their leases expire.
        signal.signal(signal.SIGTERM, lambda *_: pool.request_stop())
        pool.start()
        pool.wait()
    elif args.command == "audit":
        from portal.audit import seal, verify, verify_checkpoints, write_checkpoint

        seal(engine)
        result = verify(engine)
        print(result.describe())
        checkpoints = verify_checkpoints(engine)  # a re-computed chain passes `verify`; the signed heads do not
        print(checkpoints.describe())
        if result.ok and checkpoints.ok:
            write_checkpoint(engine)  # what was checked becomes the newest signed head
        return 0 if result.ok and checkpoints.ok else 1
    elif args.command == "queue":
        from portal.jobs.selftest import run_selftest

        return run_selftest(engine, count=args.count)
    elif args.command == "recipients":
        return _recipients_command(args)
    return 0


def _recipients_command(args: argparse.Namespace) -> int:
    """The operators' side of Art. 19 notices: endpoints and tokens (docs/recipients.md)."""
    from portal.db import session_scope
    from portal.errors import PortalError
    from portal.services.recipients import endpoints

    try:
        with session_scope() as session:
            if args.action == "set-endpoint":
                token = endpoints.set_endpoint(session=session, recipient=args.key, url=args.url)
            elif args.action == "disable":
                endpoints.disable(session=session, recipient=args.key)
            else:
                rows = endpoints.overview(session=session)
    except PortalError as refusal:
        print(f"refused: {refusal}", file=sys.stderr)
        return 1
    if args.action == "set-endpoint":
        print(f"{args.key}: notices go to {args.url}")
        print(f"acknowledgement token (shown only now; give it to {args.key}, it is stored hashed): {token}")
    elif args.action == "disable":
        print(f"{args.key}: endpoint disabled; its notices wait until `recipients set-endpoint`")
    else:
        print("recipient       endpoint" + " " * 42 + "  ".join(endpoints.STATUSES))
        for row in rows:
            disabled = " (disabled)" if row.url and not row.enabled else ""
            where = (row.url or "none: notices are tasks for staff") + disabled
            counts = "  ".join(f"{row.counts[status]:>{len(status)}}" for status in endpoints.STATUSES)
            print(f"{row.recipient:<15} {where:<50} {counts}")
    return 0


def main() -> None:
    from portal.catalogue.loader import CatalogueError
    from portal.config import ConfigError

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    simulated = bool(os.environ.get("NICEGUI_USER_SIMULATION"))  # NiceGUI's pytest `user` fixture runs this file
    args = _parse([] if simulated else sys.argv[1:])
    try:
        if args.command in (None, "serve"):
            # Imported only to serve: NiceGUI and the pages take seconds to import, which every other command
            # (a worker starting, a seed reset between end-to-end tests) would pay for nothing.
            from portal.app import build, run

            run(build())
        else:
            sys.exit(_command(args))
    except (ConfigError, CatalogueError) as exc:  # one line naming the setting, or the catalogue's file and field
        print(f"configuration error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ in {"__main__", "__mp_main__"}:
    main()
