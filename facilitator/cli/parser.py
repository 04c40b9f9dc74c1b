"""The command line's arguments: one argparse tree for every command (``--help`` reads it).

Parsing only; what each command does is in its family's module (see ``facilitator.cli``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NoReturn

from facilitator import __version__
from facilitator.core.errors import Refusal


class UsageError(Refusal):
    """A command line argparse refuses: one sentence, exit 2."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-sentence errors, and a suggestion for a typo (difflib): ``facilitator
    reprot`` -> "unknown command 'reprot'; did you mean 'report'?", the same for sub-commands,
    choices (``--format tabel``) and options (``--form``)."""

    _argv: list[str] = []

    def parse_args(self, args=None, namespace=None):  # type: ignore[override]
        import sys
        self._argv = [str(a) for a in (sys.argv[1:] if args is None else args)]
        return super().parse_args(args, namespace)

    def error(self, message: str) -> NoReturn:  # one sentence, exit 2
        prefix = "unrecognized arguments: "
        if message.startswith(prefix) and self._argv:
            message = self._unknown_option(message[len(prefix):].split()) or message
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help).")

    def _check_value(self, action: argparse.Action, value: object) -> None:
        if action.choices is None or value in action.choices:
            return
        if isinstance(action, argparse._SubParsersAction):
            what = "command" if action.dest == "command" else "sub-command"
        else:
            what = action.option_strings[0] if action.option_strings else str(action.metavar)
        choices = [str(c) for c in action.choices]
        raise argparse.ArgumentError(None, f"unknown {what} {str(value)!r}" + _suggestion(str(value), choices))

    def _unknown_option(self, extras: list[str]) -> str | None:
        """"unknown option '--form'; did you mean '--format'?", from the options of the
        sub-command the arguments chose (and those above it)."""
        typed = next((e.split("=", 1)[0] for e in extras if e.startswith("-")), None)
        if typed is None:
            return None
        options: list[str] = []
        parser: argparse.ArgumentParser | None = self
        words = iter(self._argv)
        while parser is not None:
            options += [o for a in parser._actions for o in a.option_strings if o.startswith("--")]
            sub = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
            parser = None
            if sub is not None:
                for word in words:
                    if word in sub.choices:
                        parser = sub.choices[word]
                        break
        return f"unknown option {typed!r}" + _suggestion(typed, options)


def _suggestion(typed: str, choices: list[str]) -> str:
    import difflib
    close = difflib.get_close_matches(typed, choices, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; it is one of {', '.join(choices)}" if len(choices) <= 16 else ""


def default_data_dir() -> Path:
    """FACILITATOR_DATA, then the user's, then the system configuration file, then the
    user data directory (see ``store.location``; ``facilitator where`` says which)."""
    from facilitator.store.location import find_data_dir
    return find_data_dir().path


def data_dir_of(args: argparse.Namespace) -> Path:
    return Path(args.data).expanduser() if getattr(args, "data", None) else default_data_dir()


def _data_arg(parser: argparse.ArgumentParser, top: bool = False) -> None:
    # Sub-commands must not reset a --data given before them: SUPPRESS keeps the top's.
    parser.add_argument("--data", type=Path, metavar="DIR",
                        default=None if top else argparse.SUPPRESS,
                        help="the clinic data directory (default: $FACILITATOR_DATA, then the user's and the "
                        "system's config.toml, then the user data dir; `facilitator where` says which)")


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
    _data_arg(commands.add_parser("where", help="print the data directory and what decided it"))
    add_host_parser(commands, _Parser)

    groups = commands.add_parser("groups", help="manage groups").add_subparsers(
        dest="action", parser_class=_Parser, metavar="ACTION", required=True)
    add = groups.add_parser("add", help="add a group and its weekly schedule")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--days", required=True, help="e.g. mon,wed,thu")
    add.add_argument("--start", required=True, help="HH:MM, 24-hour")
    add.add_argument("--minutes", required=True, help="1-720, digits 0-9")
    add.add_argument("--plan", help="the group's usual agenda: an id from the agenda library (sessions/*.toml), "
                     "e.g. iop-evening-triggers")
    add.add_argument("--holiday", action="append", default=[], metavar="YYYY-MM-DD",
                     help="a date the group does not meet (repeatable)")
    _data_arg(add)
    add_clinic_changes_parser(commands, groups, _Parser, _data_arg)

    for noun, help_text in (("roster", "import clients from CSV"),
                            ("attendance", "import attendance from CSV")):
        sub = commands.add_parser(noun, help="clients: import from CSV, list" if noun == "roster"
                                  else "attendance: import from CSV, correct after a session").add_subparsers(
            dest="action", parser_class=_Parser, metavar="ACTION", required=True)
        imp = sub.add_parser("import", help=help_text)
        imp.add_argument("file", type=Path, metavar="FILE.csv",
                         help="the CSV file, or - to read it from standard input (over ssh)")
        _data_arg(imp)
        if noun == "attendance":
            add_attendance_correct_parser(sub, _data_arg)
        if noun == "roster":
            rlist = sub.add_parser("list", help="every client: id, name, level, required hours, "
                                   "admitted, discharged, groups")
            rlist.add_argument("--format", choices=("table", "json"), default="table")
            _data_arg(rlist)

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
    bill = export.add_parser("billing", help="claim lines: one per client per day, coded by level of care")
    bill.add_argument("--from", dest="first", required=True, metavar="YYYY-MM-DD")
    bill.add_argument("--to", dest="last", required=True, metavar="YYYY-MM-DD")
    bill.add_argument("--format", choices=("csv", "json"), default="csv")
    _data_arg(bill)

    session = commands.add_parser("session", help="held group sessions: list them, correct an end"
                                  ).add_subparsers(dest="action", parser_class=_Parser, metavar="ACTION",
                                                   required=True)
    slist_ = session.add_parser("list", help="sessions held in a date range, with their ids",
                                description="Sessions dated --from..--to (default: the last 7 days), "
                                "one a line: the id (the record's file name without .json, as `audit` "
                                "and the JSON reports print it), day, group, start, end and state.")
    slist_.add_argument("--from", dest="first", metavar="YYYY-MM-DD")
    slist_.add_argument("--to", dest="last", metavar="YYYY-MM-DD")
    slist_.add_argument("--format", choices=("table", "json"), default="table")
    _data_arg(slist_)
    send = session.add_parser("end", help="correct when a held session ended (or end one left running)",
                              description="Put the session's end at --at (HH:MM on its day, or e.g. 9p), "
                              "saying why: the agenda stops there and arrivals and departures after it "
                              "are set to it, so nobody is credited past it. Counselors for the sessions "
                              "they facilitated, admins for any; a signed note is never edited but gets an "
                              "automatic addendum. Audited (who, when; the reason is kept in the session's record).")
    send.add_argument("session_id", metavar="SESSION_ID", help="as `session list` shows it, e.g. "
                      "2026-11-23-1800-evening-iop")
    send.add_argument("--at", required=True, metavar="HH:MM", help="when it really ended")
    send.add_argument("--reason", required=True, help="why the end is corrected (one line, required)")
    _data_arg(send)

    hours = commands.add_parser("hours", help="individual and family session time").add_subparsers(
        dest="action", parser_class=_Parser, metavar="ACTION", required=True)
    hadd = hours.add_parser("add", help="log an individual or family session for a client")
    hadd.add_argument("client", metavar="CLIENT")
    hadd.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    hadd.add_argument("--minutes", required=True, help="1-1440, digits 0-9")
    hadd.add_argument("--kind", required=True, choices=("individual", "family"))
    _data_arg(hadd)
    hlist = hours.add_parser("list", help="list logged sessions in a date range")
    hlist.add_argument("--from", dest="first", required=True, metavar="YYYY-MM-DD")
    hlist.add_argument("--to", dest="last", required=True, metavar="YYYY-MM-DD")
    hlist.add_argument("--client", metavar="CLIENT")
    hlist.add_argument("--format", choices=("table", "csv", "json"), default="table")
    _data_arg(hlist)
    hrm = hours.add_parser("remove", help="remove a logged session by the id `hours list` shows")
    hrm.add_argument("entry", metavar="ID", help="as shown by `hours list`, e.g. 2026-11:3f9c2e1a (the "
                     "same on every synced device; the older 2026-11#3, this device's own number, works too)")
    _data_arg(hrm)

    staff = commands.add_parser("staff", help="staff accounts (admins only)").add_subparsers(
        dest="action", parser_class=_Parser, metavar="ACTION", required=True)
    sadd = staff.add_parser("add", help="add an OS account as a staff member")
    sadd.add_argument("user", metavar="USER", help="the operating-system account name")
    sadd.add_argument("--name", required=True, help="the name shown on notes")
    sadd.add_argument("--role", required=True, choices=("counselor", "supervisor", "admin"))
    sadd.add_argument("--key", metavar="FILE|-", help="on a host: their SSH public key (an .pub file as "
                      "ssh-keygen writes it, or - for standard input); USER is then a staff name, not "
                      "an OS account")
    _data_arg(sadd)
    add_staff_key_parser(staff, _Parser, _data_arg)
    srole = staff.add_parser("set-role", help="change a staff member's role")
    srole.add_argument("user", metavar="USER")
    srole.add_argument("role", choices=("counselor", "supervisor", "admin"))
    _data_arg(srole)
    sdeact = staff.add_parser("deactivate", help="stop an account from opening the clinic")
    sdeact.add_argument("user", metavar="USER")
    _data_arg(sdeact)
    sre = staff.add_parser("rename", help="change the name shown for a staff member (records keep the account)")
    sre.add_argument("user", metavar="USER")
    sre.add_argument("--name", required=True, help="the name shown on notes")
    _data_arg(sre)
    sreact = staff.add_parser("reactivate", help="let a deactivated account open the clinic again")
    sreact.add_argument("user", metavar="USER")
    _data_arg(sreact)
    slist = staff.add_parser("list", help="list staff members")
    slist.add_argument("--format", choices=("table", "csv", "json"), default="table")
    _data_arg(slist)
    settings = commands.add_parser("settings", help="the clinic's settings (changes: admins only)")
    settings_actions = settings.add_subparsers(dest="action", parser_class=_Parser, metavar="ACTION", required=True)
    _data_arg(settings_actions.add_parser("show", help="print each setting as key: value"))
    sset = settings_actions.add_parser("set", help="change one setting",
                               description="Change one setting: name, timezone, week-start (monday or "
                               "sunday), group-cap (the group size limit, 1-50; the session screen warns "
                               "above it), idle-minutes (1-60; the idle lock), bell (on or off; rings a "
                               "minute before a block ends), plan-review-days "
                               "(1-365; days between recovery-plan reviews), billing-code LEVEL CODE (the service "
                               "code a level of care is billed under, e.g. `billing-code PHP H0035`), "
                               "place-of-service (the clinic's, two digits; default 57), "
                               "telehealth-place-of-service (10, the member's home, or 02), "
                               "telehealth-modifier (two characters; default 95), end-grace-minutes "
                               "(0-240; a session still running this long after its scheduled end is not "
                               "continued: the app asks "
                               "for its real end time, offering the scheduled end), session-idle-minutes (1-60; "
                               "the idle lock while a session runs; default 15).")
    sset.add_argument("key", metavar="KEY",
                      choices=("name", "timezone", "week-start", "group-cap", "idle-minutes", "bell",
                               "plan-review-days", "billing-code", "place-of-service",
                               "telehealth-place-of-service", "telehealth-modifier", "end-grace-minutes",
                               "session-idle-minutes"))
    sset.add_argument("value", metavar="VALUE", nargs="+",
                      help="the new value (billing-code: a level of care and a code)")
    _data_arg(sset)

    verify = commands.add_parser("verify", help="check every file and the audit chain")
    verify.add_argument("--head", metavar="HEAD", help="also check that the audit log still holds this "
                        "head, as `facilitator audit head` printed it (e.g. '2026-11 #1234 9f3a2b1c')")
    verify.add_argument("--full", action="store_true",
                        help="read every session file strictly, even those whose bytes are what the audit "
                             "log vouches for as strictly read when written (after an upgrade, or when "
                             "the log itself may have been forged)")
    verify.add_argument("--archive", metavar="FILE|-",
                        help="check a backup archive instead of a data directory (- reads it from "
                             "standard input): it is extracted into a private temp folder, every member "
                             "screened (hostile names, links, devices, too many or too large members are "
                             "refused, exit 2), and verified in full")
    _data_arg(verify)
    backup = commands.add_parser("backup", help="a consistent tar of the clinic, to a new file or to "
                                 "standard output (-), e.g. `ssh facilitator@HOST backup - > clinic.tar`")
    backup.add_argument("dest", metavar="FILE|-", nargs="?", default="-",
                        help="a new file (refused if anything is there, or if its folder could be "
                             "changed by another account), or - for standard output (the default: "
                             "`ssh facilitator@HOST backup > clinic.tar`)")
    _data_arg(backup)

    audit = commands.add_parser("audit", help="list audit entries (supervisors and admins)",
                                description="List the audit log: who did what to which record, when. "
                                "--client lists the entries about one client: those naming it, those on "
                                "a session it attended, its hours entries, and the exports and weekly "
                                "reports that covered it.")
    audit.add_argument("what", nargs="?", choices=("head", "baseline"), metavar="head|baseline",
                       help="head: print the chain's head to write down (check it later with verify "
                       "--head); baseline: for files written before the log recorded file contents, record "
                       "the current state of each data file the log never bound (admins)")
    audit.add_argument("--client", metavar="ID", help="only entries about this client")
    audit.add_argument("--from", dest="first", metavar="YYYY-MM-DD", help="from this day (clinic time)")
    audit.add_argument("--to", dest="last", metavar="YYYY-MM-DD", help="to this day, inclusive")
    audit.add_argument("--format", choices=("table", "csv", "json"), default="table")
    _data_arg(audit)
    restore = commands.add_parser("restore",
                                  help="extract a backup archive into a new directory, verify it, then "
                                       "put it in place")
    restore.add_argument("src", metavar="ARCHIVE", help="the tar `facilitator backup` wrote (- reads "
                         "standard input)")
    restore.add_argument("--owner", metavar="USER",
                         help="(root only) give every file and folder to USER and USER's primary group, "
                              "e.g. the service account")
    restore.add_argument("--as", dest="acting", metavar="STAFF",
                         help="(root only, and required for root) the supervisor or admin of the "
                              "backed-up clinic on whose behalf root restores; the audit entry names them")
    _data_arg(restore)
    pin = commands.add_parser("pin", help="the idle lock's PIN").add_subparsers(
        dest="action", parser_class=_Parser, metavar="ACTION", required=True)
    preset = pin.add_parser("reset", help="clear a PIN (your own, or anyone's as an admin); "
                                          "the next launch asks for a new one")
    preset.add_argument("user", metavar="USER", nargs="?", help="the account (default: you)")
    _data_arg(preset)
    pissue = pin.add_parser("issue", help="set an account's PIN (admins), e.g. before its first "
                                          "launch; the PIN is typed twice (or two lines on stdin)")
    pissue.add_argument("user", metavar="USER")
    _data_arg(pissue)
    sync = commands.add_parser("sync", help="sync this laptop with the clinic host over ssh")
    sync.add_argument("target", metavar="HOST[:DIR]", nargs="?", help="the host (and its data directory)")
    sync.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    sync.add_argument("--remote-command", default="facilitator", metavar="PATH",
                      help="the facilitator program on the host (default: facilitator)")
    sync.add_argument("--ssh", default="ssh", metavar="COMMAND", help="the ssh program and options (default: ssh)")
    _data_arg(sync)
    add_goals_parser(commands, _Parser, _data_arg)
    add_notes_parser(commands, _Parser, _data_arg)
    return parser


def add_clinic_changes_parser(commands, groups, parser_class: type, data_arg) -> None:
    """`groups list/set/end` and `closures add/list` (actions in cli.clinic)."""
    glist = groups.add_parser("list", help="every group: days, start, minutes, plan, dates, closures")
    glist.add_argument("--format", choices=("table", "json"), default="table")
    data_arg(glist)
    gset = groups.add_parser(
        "set", help="change a group's schedule from a date on (held sessions keep theirs)",
        description="Change a group's days, start, minutes or plan from a date on (default: today). "
        "Weeks before that date keep the old schedule (hours are required as they were); a session "
        "already held on or after the date is refused. --plan none clears the agenda.")
    gset.add_argument("name", metavar="NAME")
    gset.add_argument("--days", help="e.g. tue,thu")
    gset.add_argument("--start", help="HH:MM, 24-hour")
    gset.add_argument("--minutes", help="1-720, digits 0-9")
    gset.add_argument("--plan", help="an agenda id from the agenda library, or none")
    gset.add_argument("--from", dest="since", metavar="YYYY-MM-DD", help="the first day it applies "
                      "(default: today)")
    data_arg(gset)
    gend = groups.add_parser("end", help="a group's last day: no meetings after it")
    gend.add_argument("name", metavar="NAME")
    gend.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="the last day it meets")
    data_arg(gend)
    closures = commands.add_parser("closures", help="days a group or the clinic is closed (snow days)")
    closures = closures.add_subparsers(dest="action", parser_class=parser_class, metavar="ACTION",
                                       required=True)
    cadd = closures.add_parser(
        "add", help="close one group, or the whole clinic, on a day (admins)",
        description="Close a day: no meeting that day, and the weekly requirement prorates as for a "
        "holiday. Without --group, every group of the clinic (and any added later). A day on which "
        "a session was already held cannot be closed.")
    cadd.add_argument("date", metavar="DATE", help="YYYY-MM-DD")
    cadd.add_argument("--group", metavar="NAME", help="only this group (default: the whole clinic)")
    cadd.add_argument("--reason", required=True, help='why, e.g. "snow day" (one line, up to 200 characters)')
    data_arg(cadd)
    clist = closures.add_parser("list", help="every closed day, its group (or the clinic) and why")
    clist.add_argument("--format", choices=("table", "json"), default="table")
    data_arg(clist)


def add_host_parser(commands, parser_class: type) -> None:
    """`host init` and `host adopt` (issue #21; actions in cli.host): as root, on a clinic host."""
    host = commands.add_parser("host", help="set up a clinic host: one service account owns the clinic (root)"
                               ).add_subparsers(dest="action", parser_class=parser_class, metavar="ACTION",
                                                required=True)
    init = host.add_parser(
        "init", help="create the service account (if missing), the clinic and its first admin (root)",
        description="As root: create the system account --service-user if missing, the data directory "
        "(0700, the service account's; refused if it exists and is not empty), the clinic (made by the "
        "service account itself), its first admin --admin (a staff name, not an OS account of the host) "
        "with the key --admin-key, the service account's authorized_keys (each key bound to the forced "
        "command facilitator-ssh --staff USER) and the system configuration file naming the clinic.")
    init.add_argument("--service-user", required=True, metavar="ACCOUNT", help="e.g. facilitator")
    init.add_argument("--data", required=True, type=Path, metavar="DIR", help="e.g. /srv/facilitator")
    init.add_argument("--clinic", required=True, metavar="NAME")
    init.add_argument("--timezone", required=True, metavar="TZ")
    init.add_argument("--admin", required=True, metavar="USER", help="the first admin's staff name")
    init.add_argument("--admin-name", required=True, metavar="NAME", help="the name shown on notes")
    init.add_argument("--admin-key", required=True, metavar="FILE.pub", help="their SSH public key (- for stdin)")
    adopt = host.add_parser(
        "adopt", help="hand an existing (group-shared) clinic to one service account (root)",
        description="As root: create the service account if missing; make every path of the clinic its "
        "own (the top folder 0700, folders 0750, files 0640, setgid bits gone; a link, special file or "
        "hard link is refused first); take each active staff member's keys from their OS account's "
        "~/.ssh/authorized_keys (options dropped; refused lines listed); set the clinic's service "
        "account and forced command and write authorized_keys; list the members with no key yet.")
    adopt.add_argument("--data", required=True, type=Path, metavar="DIR")
    adopt.add_argument("--service-user", required=True, metavar="ACCOUNT", help="e.g. facilitator")
    adopt.add_argument("--admin", required=True, metavar="USER",
                       help="an active admin of the clinic: the audit log names them for the changes")


def add_staff_key_parser(staff, parser_class: type, data_arg) -> None:
    """`staff key add/remove/list` (issue #21; action in cli.staffkeys)."""
    keys = staff.add_parser("key", help="staff members' SSH keys on a host (admins)").add_subparsers(
        dest="key_action", parser_class=parser_class, metavar="ACTION", required=True)
    kadd = keys.add_parser("add", help="add an SSH public key to a staff member",
                           description="Add one public key (one line as ssh-keygen writes it; its comment "
                           "is dropped) to a staff member. A key belongs to one staff member only; keys "
                           "with options, DSA keys and RSA keys under 2048 bits are refused. On the host, "
                           "the service account's authorized_keys is rewritten at once.")
    kadd.add_argument("user", metavar="USER")
    kadd.add_argument("key", metavar="FILE|-", help="the .pub file, or - for standard input")
    data_arg(kadd)
    krm = keys.add_parser("remove", help="remove one of a staff member's SSH keys")
    krm.add_argument("user", metavar="USER")
    krm.add_argument("key", metavar="FILE|-|FINGERPRINT",
                     help="the .pub file, - for standard input, or its fingerprint as `staff key list` "
                     "shows it (SHA256:...)")
    data_arg(krm)
    klist = keys.add_parser("list", help="staff members' keys: type and SHA256 fingerprint (as ssh-keygen -l)")
    klist.add_argument("user", metavar="USER", nargs="?", help="only this staff member's")
    data_arg(klist)


GOAL_FORMATS = ("table", "csv", "json")
GOAL_STATUSES = ("active", "met", "revised")


def add_goals_parser(commands, parser_class: type, data_arg) -> None:
    """The `goals` sub-commands (called once from build_parser; actions in cli.goals)."""
    goals = commands.add_parser("goals", help="clients' recovery plans: goals, reviews").add_subparsers(
        dest="action", parser_class=parser_class, metavar="ACTION", required=True)
    add = goals.add_parser("add", help="add a goal in the client's own words (counselors, admins)")
    add.add_argument("client", metavar="CLIENT")
    add.add_argument("--text", required=True,
                     help="the goal, in the client's own words; - reads it from standard input, so it is not "
                     "on the command line, where every account on the machine can see it")
    add.add_argument("--target", metavar="YYYY-MM-DD", help="the target date")
    add.add_argument("--objective", action="append", default=[], metavar="TEXT",
                     help="a measurable objective (repeatable)")
    data_arg(add)
    show = goals.add_parser("list", help="a client's goals, objectives and reviews")
    show.add_argument("client", metavar="CLIENT")
    show.add_argument("--format", choices=GOAL_FORMATS, default="table")
    data_arg(show)
    status = goals.add_parser("set-status", help="mark a goal met, revised or active again")
    status.add_argument("goal", metavar="CLIENT:N", help="the client id and goal number, e.g. C-104:2")
    status.add_argument("status", metavar="STATUS", choices=GOAL_STATUSES)
    data_arg(status)
    review = goals.add_parser("review", help="record that a client's plan was reviewed today")
    review.add_argument("client", metavar="CLIENT")
    data_arg(review)
    due = goals.add_parser("due", help="every enrolled client's next plan review, overdue first")
    due.add_argument("--date", metavar="YYYY-MM-DD", help="as of this day (default: today)")
    due.add_argument("--format", choices=GOAL_FORMATS, default="table")
    data_arg(due)


NOTE_FORMATS = ("text", "pdf", "fhir")


def add_attendance_correct_parser(sub, data_arg) -> None:
    """`attendance correct` (issue #20; called once from build_parser; action in cli.roster)."""
    fix = sub.add_parser(
        "correct", help="correct a client's attendance at an ended session, saying why",
        description="Correct one client's status, arrival or departure at a session that has ended, "
        "by the same time rule as marking: times lie inside the session as held, and the times name "
        "the status (a later arrival is late, an earlier departure left early). Counselors for the "
        "sessions they facilitated, admins for any. A signed note is never edited: it gets an "
        "automatic addendum stating the change, who, when and why, and the review queue flags it; "
        "an unedited draft is re-drafted. Audited by ids and times (the reason is kept in the record).")
    fix.add_argument("session_id", metavar="SESSION_ID", help="as `session list` shows it")
    fix.add_argument("client_id", metavar="CLIENT_ID", help="the client's id, e.g. C0101")
    fix.add_argument("--status", metavar="S", help="present, late, left_early, absent, excused or telehealth")
    fix.add_argument("--arrived", metavar="HH:MM", help="when the client really arrived")
    fix.add_argument("--left", metavar="HH:MM", help="when the client really left")
    fix.add_argument("--reason", required=True, help="why it is corrected (one line, required)")
    data_arg(fix)


def add_notes_parser(commands, parser_class: type, data_arg) -> None:
    """`notes export`, `notes return` and `signin-sheet` (called once from build_parser; actions
    in cli.notes)."""
    notes = commands.add_parser("notes", help="progress notes out of the app").add_subparsers(
        dest="action", parser_class=parser_class, metavar="ACTION", required=True)
    export = notes.add_parser(
        "export", help="notes as text, PDF or a FHIR R4 bundle (a disclosure: audited)",
        description="Export progress notes: text to paste into an EHR, a PDF (one page or more per "
        "note; --session gives the whole group's packet), or a FHIR R4 Bundle of DocumentReferences. "
        "Supervisors and admins export any session's notes; a counselor only those of sessions they "
        "facilitated. Each export is audited with the client and session ids. --out never "
        "overwrites a file.")
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("--session", metavar="ID", help="one session, e.g. 2026-11-23-1800-evening-a")
    which.add_argument("--from", dest="first", metavar="YYYY-MM-DD", help="sessions from this day (with --to)")
    export.add_argument("--to", dest="last", metavar="YYYY-MM-DD", help="to this day, inclusive")
    export.add_argument("--client", metavar="ID", help="only this client's notes")
    export.add_argument("--signed-only", action="store_true", help="leave drafts out")
    export.add_argument("--format", choices=NOTE_FORMATS, required=True)
    export.add_argument("--out", type=Path, metavar="PATH",
                        help="a new file to write (required for pdf; default for text and fhir: stdout)")
    data_arg(export)
    back = notes.add_parser(
        "return", help="return a signed note to its signer for correction (supervisors, admins)",
        description="Return one client's signed note of a session to the counselor who signed it, "
        "saying why. The signed text is kept; they correct it and sign it again in the app (the note's "
        "history keeps both signed texts). Until then the review queue and the counselor's home screen "
        "show it returned, and `export billing` has note_signed false for that day. Audited by ids "
        "(the reason is kept with the note, never in the log).")
    back.add_argument("session_id", metavar="SESSION_ID", help="as `session list` shows it")
    back.add_argument("client_id", metavar="CLIENT_ID", help="the client's id, e.g. C0101")
    back.add_argument("--reason", required=True, help="what to correct (one line, required)")
    data_arg(back)
    sheet = commands.add_parser(
        "signin-sheet", help="a printable sign-in sheet for one group's day (PDF)",
        description="A PDF sign-in sheet: the day's enrolled clients with columns for time in, time "
        "out and signature. Type the filled sheet back in with `attendance import`. Audited as a "
        "disclosure.")
    sheet.add_argument("group", metavar="GROUP")
    sheet.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    sheet.add_argument("--out", required=True, type=Path, metavar="FILE.pdf")
    data_arg(sheet)
