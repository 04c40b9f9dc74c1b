"""report week, export billing, hours add|list|remove."""

from __future__ import annotations

import argparse
import sys

from facilitator import output
from facilitator.commands import data_dir_of, open_clinic
from facilitator.core.errors import InputError
from facilitator.core.hours import OtherHours
from facilitator.core.parsing import parse_date
from facilitator.core.weeks import parse_week_label, week_containing
from facilitator.store import otherhours


def _report_problems(problems) -> None:
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)


def cmd_report_week(args: argparse.Namespace) -> int:
    from facilitator.store.reports import week_report
    data = open_clinic(data_dir_of(args))
    settings = data.settings()
    start = settings.week_start_weekday
    if args.week:
        week = parse_week_label(args.week, start, field="--week")
    else:
        day = parse_date(args.date, field="--date") if args.date else data.now().date()
        week = week_containing(day, start)
    report = week_report(data, week)
    data.record_audit("report.week", f"week:{week.label}", {"clients": len(report.rows),
                                                              "format": args.format})
    sys.stdout.write(output.week_report(report, args.format))
    _report_problems(report.problems)
    return 1 if report.problems else 0


def cmd_export_billing(args: argparse.Namespace) -> int:
    from facilitator.store.reports import billing_days
    data = open_clinic(data_dir_of(args))
    first = parse_date(args.first, field="--from")
    last = parse_date(args.last, field="--to")
    if last < first:
        raise InputError("--to is before --from", field="--to")
    if (last - first).days > 366:
        raise InputError("export at most a year at a time", field="--to")
    rows, problems = billing_days(data, first, last)
    data.record_audit("export.billing", f"{first}..{last}", {"rows": len(rows), "format": args.format})
    sys.stdout.write(output.billing(rows, args.format))
    _report_problems(problems)
    return 1 if problems else 0


def cmd_hours(args: argparse.Namespace) -> int:
    data = open_clinic(data_dir_of(args))
    hours_dir = data.root / "hours"
    if args.action == "add":
        entry = OtherHours(args.client, parse_date(args.date, field="--date"), args.minutes, args.kind)
        ref = otherhours.log(data, entry)
        print(f"Logged {entry.minutes} minutes of {entry.kind} time for {entry.client_id} on {entry.day} "
              f"(id {ref}).")
        return 0
    if args.action == "list":
        first = parse_date(args.first, field="--from")
        last = parse_date(args.last, field="--to")
        entries, problems = otherhours.between(hours_dir, first, last)
        chosen = [(i, e) for i, e in sorted(entries, key=lambda p: (p[1].day, p[0]))
                  if not args.client or e.client_id == args.client]
        sys.stdout.write(output.other_hours(chosen, getattr(args, "format", "table")))
        _report_problems(problems)
        return 1 if problems else 0
    month, _, number = args.entry.partition("#")
    try:
        day = parse_date(month + "-01", field="ID")
        entry_id = int(number)
    except (InputError, ValueError):
        raise InputError(f"{args.entry!r} is not an id like 2026-11#3 (see `hours list`)", field="ID") from None
    removed = otherhours.unlog(data, day, entry_id)
    if removed is None:
        raise InputError(f"there is no logged session {args.entry}", field="ID")
    print(f"Removed {args.entry}: {removed.minutes} minutes of {removed.kind} time for {removed.client_id}.")
    return 0


def cmd_staff(args: argparse.Namespace) -> int:
    from facilitator.store import staff
    data = open_clinic(data_dir_of(args))
    if args.action == "add":
        member = staff.add_staff(data, args.user, args.name, args.role)
        print(f"Added {member.user} ({member.display_name}) as a {member.role}.")
    elif args.action == "set-role":
        staff.set_role(data, args.user, args.role)
        print(f"{args.user} is now a {args.role}.")
    elif args.action == "deactivate":
        staff.deactivate(data, args.user)
        print(f"{args.user} can no longer open the clinic.")
    else:
        members = sorted(data.snapshot().staff.values(), key=lambda m: m.user)
        sys.stdout.write(output.staff(members, getattr(args, "format", "table")))
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    from facilitator.store import settings as clinic_settings
    data = open_clinic(data_dir_of(args))
    if args.action == "show":
        for line in clinic_settings.settings_lines(data.settings()):
            print(line)
        return 0
    value = clinic_settings.parse_value(args.key, args.value)
    before = clinic_settings.value_text(data.settings(), args.key)
    after = clinic_settings.change_settings(data, **{clinic_settings.FIELDS[args.key]: value})
    now = clinic_settings.value_text(after, args.key)
    print(f"{args.key} is now {now}" + (f" (was {before})." if before != now else " (unchanged)."))
    return 0
