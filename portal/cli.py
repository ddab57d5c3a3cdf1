"""The `portal` command: init, serve, demo, user management, audit verification."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from moderation.audit import record, verify
from moderation.clock import system_clock
from moderation.intake.keys import IntakeKeys
from moderation.roles import Actor, Role
from portal.accounts.models import StaffUser
from portal.accounts.passwords import hash_password, password_problem
from portal.db import make_engine
from portal.migrate import upgrade
from portal.settings import Settings, SettingsError

CLI_ACTOR = Actor.system("cli")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        sys.exit(f"configuration error: {exc}")


@contextmanager
def _engine(settings: Settings | None = None) -> Iterator[Engine]:
    """The configured database, disposed of (connections closed) when the command ends."""
    engine = make_engine((settings or _settings()).database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def cmd_init(args: argparse.Namespace) -> int:
    settings = _settings()
    with _engine(settings) as engine:
        upgrade(engine, keys=_intake_keys(settings), settings=settings)
    settings.upload_dir.mkdir(parents=True, exist_ok=True)
    print("database migrated to head")
    if settings.template_cache_dir:
        from portal.static_files import HashedStatic
        from portal.template_cache import prime
        from portal.templating import make_templates

        compiled = prime(make_templates(HashedStatic(), settings).env,
                         settings.template_cache_dir)
        print(f"{compiled} templates compiled into {settings.template_cache_dir}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from portal.app import create_app

    settings = _settings()
    if settings.production:
        from portal.logging_setup import strip_tracebacks

        strip_tracebacks()
    from portal.ops.serving import uvicorn_options
    from portal.ops.warm_start import warm_start

    app = warm_start(create_app(settings))

    uvicorn.run(app, host=args.host, port=args.port, **uvicorn_options(settings))
    return 0


def _intake_keys(settings: Settings) -> IntakeKeys:
    """The keys migrations need to convert stored submissions (see migration 0004)."""
    return IntakeKeys.from_secrets(settings.secret_key, settings.encryption_key)


def cmd_demo(args: argparse.Namespace) -> int:
    from portal.demo import load_demo
    from portal.demo_cases import load_demo_cases

    settings = _settings()
    keys = _intake_keys(settings)
    with _engine(settings) as engine:
        upgrade(engine, keys=keys, settings=settings)
        with Session(engine) as session:
            summary = load_demo(session, clock=system_clock)
            cases = load_demo_cases(session, keys)
            session.commit()
    print(summary)
    print(cases.summary)
    print("Demo receipts to try at /track (demo data, not real reports):")
    for label, receipt in cases.receipts:
        print(f"  {receipt}  ({label})")
    return 0


def _read_password(args: argparse.Namespace, username: str) -> str:
    password = args.password if args.password is not None else getpass.getpass("Password: ")
    problem = password_problem(password, username)
    if problem:
        sys.exit(problem)
    return password


def cmd_user_add(args: argparse.Namespace) -> int:
    with _engine() as engine, Session(engine) as session:
        if session.exec(select(StaffUser).where(StaffUser.username == args.username)).first():
            sys.exit(f"user {args.username!r} already exists")
        unit_id = None
        if args.unit:
            from moderation.units import Unit

            unit = session.exec(select(Unit).where(Unit.code == args.unit)).first()
            if unit is None:
                sys.exit(f"unknown unit code {args.unit!r}")
            unit_id = unit.id
        if args.role == Role.handler and unit_id is None:
            sys.exit("a handler needs --unit")
        user = StaffUser(username=args.username, display_name=args.name or args.username,
                         password_hash=hash_password(_read_password(args, args.username)),
                         role=Role(args.role), unit_id=unit_id, created_at=system_clock())
        session.add(user)
        session.flush()
        record(session, CLI_ACTOR, "user.create", "staffuser", user.id,
               after={"username": user.username, "role": user.role, "unit_id": unit_id})
        session.commit()
    print(f"user {args.username} added with role {args.role}")
    return 0


def _find_user(session: Session, username: str) -> StaffUser:
    user = session.exec(select(StaffUser).where(StaffUser.username == username)).first()
    if user is None:
        sys.exit(f"no user {username!r}")
    return user


def cmd_user_passwd(args: argparse.Namespace) -> int:
    with _engine() as engine, Session(engine) as session:
        user = _find_user(session, args.username)
        user.password_hash = hash_password(_read_password(args, user.username))
        session.add(user)
        record(session, CLI_ACTOR, "user.password", "staffuser", user.id)
        session.commit()
    print(f"password of {args.username} changed")
    return 0


def cmd_user_disable(args: argparse.Namespace) -> int:
    from sqlmodel import delete

    from portal.accounts.models import WebSession

    with _engine() as engine, Session(engine) as session:
        user = _find_user(session, args.username)
        user.is_active = False
        session.add(user)
        session.exec(delete(WebSession).where(WebSession.user_id == user.id))  # type: ignore[arg-type]
        record(session, CLI_ACTOR, "user.disable", "staffuser", user.id,
               before={"is_active": True}, after={"is_active": False})
        session.commit()
    print(f"user {args.username} disabled and signed out")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    with _engine() as engine, Session(engine) as session:
        problems = verify(session)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"audit log: {len(problems)} problem(s) found", file=sys.stderr)
        return 1
    print("audit log intact")
    return 0


def cmd_digest(args: argparse.Namespace) -> int:
    from portal.queue.digest import send_digest

    settings = _settings()
    with _engine(settings) as engine:
        sent = send_digest(engine, settings, system_clock())
    print(f"queue digest sent to {sent} staff member(s)")
    return 0


def cmd_routes(args: argparse.Namespace) -> int:
    from portal.app import all_routes
    from portal.routing import permission_table

    for permission in permission_table(all_routes()):
        print(permission.describe())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portal", description="Minsheng portal")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create or migrate the database").set_defaults(func=cmd_init)
    serve = sub.add_parser("serve", help="serve the portal")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("demo", help="load the demo campaign (idempotent)").set_defaults(
        func=cmd_demo)

    user = sub.add_parser("user", help="manage staff accounts").add_subparsers(
        dest="user_command", required=True)
    add = user.add_parser("add", help="add a staff account")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--name", help="display name")
    add.add_argument("--unit", help="unit code (required for handlers)")
    add.add_argument("--password", help="read from a prompt when omitted")
    add.set_defaults(func=cmd_user_add)
    passwd = user.add_parser("passwd", help="set a new password")
    passwd.add_argument("username")
    passwd.add_argument("--password", help="read from a prompt when omitted")
    passwd.set_defaults(func=cmd_user_passwd)
    disable = user.add_parser("disable", help="disable an account and end its sessions")
    disable.add_argument("username")
    disable.set_defaults(func=cmd_user_disable)

    audit = sub.add_parser("audit", help="audit log").add_subparsers(
        dest="audit_command", required=True)
    audit.add_parser("verify", help="check the hash chain").set_defaults(func=cmd_audit_verify)
    sub.add_parser("digest", help="e-mail each queue user the counts of their queue").set_defaults(
        func=cmd_digest)
    sub.add_parser("routes", help="print who may use each route").set_defaults(
        func=cmd_routes)
    from portal.ops.cli import add_commands

    add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
