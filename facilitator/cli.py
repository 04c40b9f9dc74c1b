"""The command line: both the app and the reports start here.

Exit codes: 0 ok, 1 a check or report found a problem, 2 bad usage or bad input.
Errors are one sentence on stderr; never a traceback (set FACILITATOR_DEBUG=1 to see one).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from facilitator import __version__
from facilitator.core.errors import InputError, PermissionDenied

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one sentence, exit 2
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help).")


def default_data_dir() -> Path:
    env = os.environ.get("FACILITATOR_DATA")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir
    return Path(user_data_dir("facilitator", appauthor=False))


def _data_arg(parser: argparse.ArgumentParser, top: bool = False) -> None:
    # Sub-commands must not reset a --data given before them: SUPPRESS keeps the top's.
    parser.add_argument("--data", type=Path, metavar="DIR",
                        default=None if top else argparse.SUPPRESS,
                        help="the clinic data directory (default: $FACILITATOR_DATA or the user data dir)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="facilitator", description="Run IOP group sessions and review weekly hours.")
    parser.add_argument("--version", action="version", version=f"facilitator {__version__}")
    _data_arg(parser, top=True)
    commands = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    demo = commands.add_parser("demo", help="make (or reopen) a demo clinic and open the app")
    _data_arg(demo)
    demo.add_argument("--no-app", action="store_true", help="only make the demo clinic")

    init = commands.add_parser("init", help="create a clinic; you become its first admin")
    init.add_argument("--clinic", required=True, metavar="NAME")
    init.add_argument("--timezone", required=True, metavar="TZ")
    init.add_argument("--week-start", choices=("monday", "sunday"), default="monday")
    _data_arg(init)

    groups = commands.add_parser("groups", help="manage groups").add_subparsers(
        dest="action", parser_class=_Parser, metavar="ACTION", required=True)
    add = groups.add_parser("add", help="add a group and its weekly schedule")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--days", required=True, help="e.g. mon,wed,thu")
    add.add_argument("--start", required=True, help="HH:MM, 24-hour")
    add.add_argument("--minutes", required=True, type=int)
    add.add_argument("--plan", help="the default session plan id")
    add.add_argument("--holiday", action="append", default=[], metavar="YYYY-MM-DD",
                     help="a date the group does not meet (repeatable)")
    _data_arg(add)

    for noun, help_text in (("roster", "import clients from CSV"),
                            ("attendance", "import attendance from CSV")):
        sub = commands.add_parser(noun, help=help_text).add_subparsers(
            dest="action", parser_class=_Parser, metavar="ACTION", required=True)
        imp = sub.add_parser("import", help=help_text)
        imp.add_argument("file", type=Path, metavar="FILE.csv")
        _data_arg(imp)

    report = commands.add_parser("report", help="reports").add_subparsers(
        dest="action", parser_class=_Parser, metavar="ACTION", required=True)
    week = report.add_parser("week", help="this week's hours per client: met, at-risk, below")
    when = week.add_mutually_exclusive_group()
    when.add_argument("--week", metavar="YYYY-Www", help="e.g. 2026-W47")
    when.add_argument("--date", metavar="YYYY-MM-DD", help="the week containing this date")
    week.add_argument("--format", choices=("table", "csv", "json"), default="table")
    _data_arg(week)

    export = commands.add_parser("export", help="exports").add_subparsers(
        dest="action", parser_class=_Parser, metavar="ACTION", required=True)
    bill = export.add_parser("billing", help="H0015 rows: one per client per day")
    bill.add_argument("--from", dest="first", required=True, metavar="YYYY-MM-DD")
    bill.add_argument("--to", dest="last", required=True, metavar="YYYY-MM-DD")
    bill.add_argument("--format", choices=("csv", "json"), default="csv")
    _data_arg(bill)

    hours = commands.add_parser("hours", help="individual and family session time").add_subparsers(
        dest="action", parser_class=_Parser, metavar="ACTION", required=True)
    hadd = hours.add_parser("add", help="log an individual or family session for a client")
    hadd.add_argument("client", metavar="CLIENT")
    hadd.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    hadd.add_argument("--minutes", required=True, type=int)
    hadd.add_argument("--kind", required=True, choices=("individual", "family"))
    _data_arg(hadd)
    hlist = hours.add_parser("list", help="list logged sessions in a date range")
    hlist.add_argument("--from", dest="first", required=True, metavar="YYYY-MM-DD")
    hlist.add_argument("--to", dest="last", required=True, metavar="YYYY-MM-DD")
    hlist.add_argument("--client", metavar="CLIENT")
    hlist.add_argument("--format", choices=("table", "csv", "json"), default="table")
    _data_arg(hlist)
    hrm = hours.add_parser("remove", help="remove a logged session by the id `hours list` shows")
    hrm.add_argument("entry", metavar="ID", help="as shown by `hours list`, e.g. 2026-11#3")
    _data_arg(hrm)

    staff = commands.add_parser("staff", help="staff accounts (admins only)").add_subparsers(
        dest="action", parser_class=_Parser, metavar="ACTION", required=True)
    sadd = staff.add_parser("add", help="add an OS account as a staff member")
    sadd.add_argument("user", metavar="USER", help="the operating-system account name")
    sadd.add_argument("--name", required=True, help="the name shown on notes")
    sadd.add_argument("--role", required=True, choices=("counselor", "supervisor", "admin"))
    _data_arg(sadd)
    srole = staff.add_parser("set-role", help="change a staff member's role")
    srole.add_argument("user", metavar="USER")
    srole.add_argument("role", choices=("counselor", "supervisor", "admin"))
    _data_arg(srole)
    sdeact = staff.add_parser("deactivate", help="stop an account from opening the clinic")
    sdeact.add_argument("user", metavar="USER")
    _data_arg(sdeact)
    slist = staff.add_parser("list", help="list staff members")
    slist.add_argument("--format", choices=("table", "csv", "json"), default="table")
    _data_arg(slist)
    settings = commands.add_parser("settings", help="the clinic's settings (changes: admins only)")
    settings = settings.add_subparsers(dest="action", parser_class=_Parser, metavar="ACTION", required=True)
    _data_arg(settings.add_parser("show", help="print each setting as key: value"))
    sset = settings.add_parser("set", help="change one setting",
                               description="Change one setting: name, timezone, week-start (monday or "
                               "sunday), group-cap (1-50; warns above it), idle-minutes (1-60; the idle "
                               "lock), bell (on or off; rings a minute before a block ends).")
    sset.add_argument("key", metavar="KEY",
                      choices=("name", "timezone", "week-start", "group-cap", "idle-minutes", "bell"))
    sset.add_argument("value", metavar="VALUE")
    _data_arg(sset)

    verify = commands.add_parser("verify", help="check every file and the audit chain")
    _data_arg(verify)
    backup = commands.add_parser("backup", help="a consistent copy of the clinic")
    backup.add_argument("dest", type=Path, metavar="DEST")
    _data_arg(backup)

    audit = commands.add_parser("audit", help="list audit entries (supervisors and admins)",
                                description="List the audit log: who did what to which record, when. "
                                "--client lists the entries about one client: those naming it, those on "
                                "a session it attended, its hours entries, and the exports and weekly "
                                "reports that covered it.")
    audit.add_argument("--client", metavar="ID", help="only entries about this client")
    audit.add_argument("--from", dest="first", metavar="YYYY-MM-DD", help="from this day (clinic time)")
    audit.add_argument("--to", dest="last", metavar="YYYY-MM-DD", help="to this day, inclusive")
    audit.add_argument("--format", choices=("table", "csv", "json"), default="table")
    _data_arg(audit)
    restore = commands.add_parser("restore",
                                  help="copy a backup into a new or empty directory, then verify it")
    restore.add_argument("src", type=Path, metavar="SRC", help="the backup directory")
    _data_arg(restore)
    pin = commands.add_parser("pin", help="the idle lock's PIN").add_subparsers(
        dest="action", parser_class=_Parser, metavar="ACTION", required=True)
    preset = pin.add_parser("reset", help="clear a PIN (your own, or anyone's as an admin); "
                                          "the lock screen asks for a new one")
    preset.add_argument("user", metavar="USER", nargs="?", help="the account (default: you)")
    _data_arg(preset)
    sync = commands.add_parser("sync", help="sync this laptop with the clinic host over ssh")
    sync.add_argument("target", metavar="HOST[:DIR]", nargs="?", help="the host (and its data directory)")
    sync.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    sync.add_argument("--remote-command", default="facilitator", metavar="PATH",
                      help="the facilitator program on the host (default: facilitator)")
    sync.add_argument("--ssh", default="ssh", metavar="COMMAND", help="the ssh program and options (default: ssh)")
    _data_arg(sync)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        from facilitator import commands
        return commands.run(args)
    except UsageError as err:
        print(err, file=sys.stderr)
        return EXIT_USAGE
    except (InputError, PermissionDenied) as err:
        print(err, file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("Interrupted; nothing more was written.", file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001 - the last line of defence: no traceback, no data
        from facilitator.errors import explain
        code, sentence = explain(err)
        if os.environ.get("FACILITATOR_DEBUG") and code == EXIT_PROBLEM and sentence.startswith("facilitator hit"):
            raise
        print(sentence, file=sys.stderr)
        return code


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
