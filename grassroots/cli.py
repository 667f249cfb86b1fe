"""The one command line: ``grassroots <command> ...``.

Each command lives in ``grassroots.commands.<name>`` and exposes ``register(subparsers)``, which
adds its parser and sets ``func``. Engine-only commands (generate, evaluate, catalogue) never
touch the database or Django.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from grassroots import __version__, commands
from grassroots.commands._errors import UsageError
from grassroots.organisations.audit_context import acting, command_line


def command_modules() -> list[str]:
    """Every public module of grassroots.commands is a sub-command."""
    return sorted(
        m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_")
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grassroots",
        description="Evaluate grassroots procuratorates, warn early, and help weak units catch up.",
    )
    parser.add_argument("--version", action="version", version=f"grassroots {__version__}")
    parser.add_argument(
        "--actor",
        metavar="NAME",
        help="who the audit log names for this command's changes (default: the OS user)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in command_modules():
        module = importlib.import_module(f"grassroots.commands.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Every audit entry this command writes names who ran it and from where (安全审计).
    with acting(command_line(args.actor)):
        try:
            result = args.func(args)
        except UsageError as exc:
            print(f"grassroots {args.command}: {exc}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            return 130
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
