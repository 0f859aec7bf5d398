"""``factdesk keys`` and ``factdesk audit``: API keys, and the audit trail's hash chain."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from factdesk.cli._common import Commands, database_sessions
from factdesk.core.settings import Settings
from service.keys.repository import KeyRepository, parse_scopes
from service.queries.repository import AuditRepository


def _create(args: argparse.Namespace, settings: Settings) -> int:
    with database_sessions(settings) as sessions:
        info, key = KeyRepository(sessions).create(
            args.name, parse_scopes(args.scopes), args.rate_limit
        )
    rate = info.rate_limit or f"{settings.security.default_rate_limit} (the default)"
    print(f"created key {info.name!r} (id {info.id}), scopes {','.join(sorted(info.scopes))}")
    print(f"rate limit {rate}. The key is shown only now; send it as 'Authorization: Bearer KEY':")
    print(key)
    return 0


def _list(_args: argparse.Namespace, settings: Settings) -> int:
    with database_sessions(settings) as sessions:
        keys = KeyRepository(sessions).list()
    if not keys:
        print("no keys; create one with `factdesk keys create --name NAME --scopes verify,read`")
    for key in keys:
        state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
        print(
            f"{key.id}  {key.prefix}…  {key.name:<24} {','.join(sorted(key.scopes)):<18} "
            f"{key.rate_limit or 'default':<12} {state}"
        )
    return 0


def _revoke(args: argparse.Namespace, settings: Settings) -> int:
    with database_sessions(settings) as sessions:
        info = KeyRepository(sessions).revoke(args.key)
    print(f"revoked key {info.name!r} (id {info.id}); requests with it now get 401")
    return 0


def _verify(_args: argparse.Namespace, settings: Settings) -> int:
    with database_sessions(settings) as sessions:
        report = AuditRepository(sessions).verify_chain()
    if report.problem is not None:
        print(f"audit chain BROKEN after {report.records} intact records: {report.problem}")
        return 1
    print(f"audit chain intact: {report.records} records, head {report.head_hash}")
    return 0


def _head(_args: argparse.Namespace, settings: Settings) -> int:
    with database_sessions(settings) as sessions:
        sequence, digest = AuditRepository(sessions).head()
    print(f"{sequence} {digest}")
    return 0


def _group(commands: Commands, name: str, help_text: str) -> Callable[..., argparse.ArgumentParser]:
    group = commands.add_parser(name, help=help_text).add_subparsers(dest="action", required=True)

    def add(action: str, handler: object, help_text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = group.add_parser(action, help=help_text)
        parser.set_defaults(handler=handler)
        return parser

    return add


def register(commands: Commands) -> None:
    keys = _group(commands, "keys", "Create, list and revoke API keys.")
    create = keys("create", _create, "Create a key; prints it once (the last line).")
    create.add_argument("--name", required=True, help="Who or what the key is for.")
    create.add_argument(
        "--scopes", required=True, help="Comma-separated: verify, read (its own queries), admin."
    )
    create.add_argument(
        "--rate-limit", help="e.g. 60/minute (default: FACTDESK_DEFAULT_RATE_LIMIT)."
    )
    keys("list", _list, "List keys (never the keys themselves).")
    revoke = keys("revoke", _revoke, "Revoke a key by name or id.")
    revoke.add_argument("key", help="The key's name or id.")

    audit = _group(commands, "audit", "Check the audit trail's hash chain.")
    audit("verify", _verify, "Walk the chain; exit 1 naming the first record changed.")
    audit("head", _head, "Print the newest sequence and hash, to keep a copy elsewhere.")
