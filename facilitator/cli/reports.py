"""The reports and exports family: `report week` and `export billing`."""

from __future__ import annotations

import argparse
import sys

from facilitator.cli import output
from facilitator.cli.output import report_problems
from facilitator.cli.parser import data_dir_of
from facilitator.core.errors import InputError
from facilitator.core.parsing import parse_date, parse_date_range
from facilitator.core.weeks import parse_week_label, week_containing
from facilitator.store.clinic import open_clinic


def cmd_report_week(args: argparse.Namespace) -> int:
    from facilitator.store.reports import week_report_out
    data = open_clinic(data_dir_of(args))
    settings = data.settings()
    start = settings.week_start_weekday
    if args.week:
        week = parse_week_label(args.week, start, field="--week")
    else:
        day = parse_date(args.date, field="--date") if args.date else data.now().date()
        week = week_containing(day, start)
    report = week_report_out(data, week, {"format": args.format})         # audited there
    sys.stdout.write(output.week_report(report, args.format))
    report_problems(report.problems)
    return 1 if report.problems else 0


def cmd_export_billing(args: argparse.Namespace) -> int:
    from facilitator.store.reports import billing_export
    data = open_clinic(data_dir_of(args))
    first, last = parse_date_range(args.first, args.last)
    if (last - first).days > 366:
        raise InputError("export at most a year at a time", field="--to")
    rows, problems = billing_export(data, first, last, {"format": args.format})   # audited there
    sys.stdout.write(output.billing(rows, args.format))
    report_problems(problems)
    return 1 if problems else 0


COMMANDS = {"report": cmd_report_week, "export": cmd_export_billing}
