"""``grassroots audit verify``: check the audit log's hash chain.

Exit 0 when every entry fits the chain; exit 1 naming the first entry that does not (an entry
edited, removed or inserted behind the application's back).
"""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("audit", help="check the audit log's hash chain")
    actions = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = actions.add_parser("verify", help="recompute every entry's hash, oldest first")
    verify.set_defaults(func=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django

    setup_django()
    from grassroots.organisations.audit import verify_chain
    from grassroots.organisations.models import AuditEntry

    report = verify_chain()
    if report.ok:
        sys.stdout.write(
            f"audit chain intact: {report.checked} entries, the newest {report.last_id} "
            f"with hash {report.last_hash or '-'}\n"
        )
        return 0
    bad = AuditEntry.objects.filter(id=report.first_bad or 0).first()
    described = f" ({bad})" if bad is not None else ""
    sys.stdout.write(
        f"audit chain BROKEN at entry {report.first_bad}{described}: {report.problem}; "
        f"{report.checked} entries before it are intact\n"
    )
    return 1
