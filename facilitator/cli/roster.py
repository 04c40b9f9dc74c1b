"""The roster and attendance family: `roster import`, `attendance import` and `hours`
(individual and family session time)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from facilitator.cli import output
from facilitator.cli.output import report_problems
from facilitator.cli.parser import data_dir_of
from facilitator.core.errors import InputError
from facilitator.core.hours import OtherHours
from facilitator.core.parsing import parse_date, parse_date_range, parse_whole
from facilitator.core.roster import match_id
from facilitator.store import otherhours
from facilitator.store.clinic import open_clinic

STDIN = "standard input"


def cmd_roster(args: argparse.Namespace) -> int:
    if args.action == "list":
        data = open_clinic(data_dir_of(args))
        clients = sorted(data.snapshot().clients.values(), key=lambda c: (c.last_name, c.first_name, c.client_id))
        sys.stdout.write(output.roster(clients, args.format))
        return 0
    return cmd_roster_import(args)


def csv_argument(path: Path) -> tuple[str, str]:
    """The CSV's text and the name its errors use: a file, or standard input for ``-`` (an
    admin imports over SSH: ``ssh facilitator@HOST roster import - < clients.csv``)."""
    from facilitator.store.csvfile import MAX_CSV_BYTES, csv_text_of, read_csv_text
    if str(path) != "-":
        return read_csv_text(path), str(path)
    raw = sys.stdin.buffer.read(MAX_CSV_BYTES + 1)
    if len(raw) > MAX_CSV_BYTES:
        raise InputError(f"is larger than {MAX_CSV_BYTES // 1024 // 1024} MB; split it", file=STDIN)
    return csv_text_of(raw, STDIN), STDIN


def cmd_roster_import(args: argparse.Namespace) -> int:
    from facilitator.core.imports import parse_roster
    data = open_clinic(data_dir_of(args))
    snapshot = data.snapshot()
    text, name = csv_argument(args.file)
    clients = parse_roster(text, name, known_groups=set(snapshot.groups),
                           levels_of_care=snapshot.settings.levels_of_care, known_clients=snapshot.clients.keys())
    added, updated = data.import_roster(clients)
    print(f"Imported {len(clients)} clients from {name}: {added} added, {updated} updated.")
    from facilitator.store.reports import roster_reach_warnings
    for warning in roster_reach_warnings(data, [c.client_id for c in clients]):   # imported all the same
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def cmd_attendance(args: argparse.Namespace) -> int:
    return cmd_attendance_correct(args) if args.action == "correct" else cmd_attendance_import(args)


def cmd_attendance_correct(args: argparse.Namespace) -> int:
    from facilitator.core.corrections import describe
    from facilitator.store.corrections import ADDENDUM, DRAFT_KEPT, REDRAFTED, correct_attendance
    data = open_clinic(data_dir_of(args))
    done = correct_attendance(data, args.session_id, args.client_id, status=args.status,
                              arrived=args.arrived, left=args.left, reason=args.reason)
    correction = done.entry.corrections[-1]
    print(f"{done.entry.client_id} in {args.session_id.strip()}: now {describe(correction.now)} "
          f"({done.credited_now} minutes credited; was {describe(correction.was)}, {done.credited_was}).")
    if done.note == ADDENDUM:
        print("The signed note is unchanged; an addendum states the correction, and the review "
              "queue flags it: attendance corrected after signing.")
    elif done.note == REDRAFTED:
        print("The draft note was re-drafted with the corrected attendance.")
    elif done.note == DRAFT_KEPT:
        print("warning: the draft note was edited by hand, so it was not re-drafted; check its "
              "times and minutes before signing.", file=sys.stderr)
    return 0


def cmd_attendance_import(args: argparse.Namespace) -> int:
    from facilitator.core.imports import parse_attendance
    data = open_clinic(data_dir_of(args))
    snapshot = data.snapshot()
    text, name = csv_argument(args.file)
    rows = parse_attendance(text, name, known_groups=set(snapshot.groups),
                            clients=snapshot.clients, groups=snapshot.groups)
    sessions, entries = data.import_attendance(rows)
    print(f"Imported {entries} attendance entries into {sessions} sessions from {name}.")
    return 0


def cmd_hours(args: argparse.Namespace) -> int:
    data = open_clinic(data_dir_of(args))
    hours_dir = data.root / "hours"
    if args.action == "add":
        minutes = parse_whole(args.minutes, field="--minutes", low=1, high=1440, what="a number of minutes")
        entry = OtherHours(_client_id(data, args.client, "CLIENT"), parse_date(args.date, field="--date"),
                           minutes, args.kind)
        ref = otherhours.log(data, entry)
        print(f"Logged {entry.minutes} minutes of {entry.kind} time for {entry.client_id} on {entry.day} "
              f"(id {ref}).")
        return 0
    if args.action == "list":
        first, last = parse_date_range(args.first, args.last, max_days=3660)
        entries, problems = otherhours.listed(hours_dir, first, last, clients=data.snapshot().clients.keys())
        wanted = None if args.client is None else _client_id(data, args.client)
        chosen = [(ref, e) for ref, e in sorted(entries, key=lambda p: p[1].day)
                  if wanted is None or e.client_id == wanted]
        sys.stdout.write(output.other_hours(chosen, getattr(args, "format", "table")))
        report_problems(problems)
        return 1 if problems else 0
    day, short, number = otherhours.parse_ref(args.entry)
    removed = otherhours.unlog(data, day, number, short=short)
    if removed is None:
        raise InputError(f"there is no logged session {args.entry.strip()} (see `hours list`)", field="ID")
    print(f"Removed {args.entry.strip()}: {removed.minutes} minutes of {removed.kind} time for {removed.client_id}.")
    return 0


def _client_id(data, typed: str, field: str = "--client") -> str:
    """The stored client id ``typed`` names, without regard to case (``c0101`` -> ``C0101``)."""
    found = match_id(typed, data.snapshot().clients)
    if found is None:
        raise InputError(f"there is no client with id {typed.strip()!r}", field=field)
    return found


COMMANDS = {"roster": cmd_roster, "attendance": cmd_attendance, "hours": cmd_hours}
