"""The sessions family: `session list` (held sessions and their ids) and `session end`
(correct when a held session ended, issue #20)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from typing import Any

from facilitator.cli import output
from facilitator.cli.output import report_problems
from facilitator.cli.parser import data_dir_of
from facilitator.core.parsing import parse_date_range
from facilitator.core.part2 import STATEMENT_1, STATEMENT_2
from facilitator.store.clinic import open_clinic

LIST_DAYS = 7          # `session list` without dates: the last week, today included


def cmd_session(args: argparse.Namespace) -> int:
    return {"list": _list, "end": _end}[args.action](args)


def _list(args: argparse.Namespace) -> int:
    from facilitator.store.reports import session_list
    data = open_clinic(data_dir_of(args))
    today = data.now().date()
    first_text = args.first or (today - timedelta(days=LIST_DAYS - 1)).isoformat()
    last_text = args.last or today.isoformat()
    first, last = parse_date_range(first_text, last_text, max_days=366)
    scan = session_list(data, first, last, {"format": args.format})      # checked and audited there
    rows: list[dict[str, Any]] = []      # JSON rows
    for record in sorted(scan.records, key=lambda r: (r.header.day, r.header.scheduled_start)):
        h = record.header
        rows.append({"session_id": h.session_id, "date": h.day.isoformat(), "group": h.group,
                     "start": f"{h.start:%H:%M}",
                     "end": f"{h.actual_end:%H:%M}" if h.actual_end else None,
                     "state": str(h.state), "corrections": len(h.end_corrections)})
    if args.format == "json":
        sys.stdout.write(json.dumps({"from": first.isoformat(), "to": last.isoformat(),
                                     "notice": STATEMENT_1, "sessions": rows}, indent=2) + "\n")
    else:
        table = [("Session id", "Date", "Group", "Start", "End", "State")]
        table += [(r["session_id"], r["date"], r["group"], r["start"], r["end"] or "-",
                   r["state"] + (" (end corrected)" if r["corrections"] else "")) for r in rows]
        sys.stdout.write(output.plain_table(table) + "\n" + STATEMENT_2 + "\n")
    report_problems(scan.problems)
    return 1 if scan.problems else 0


def _end(args: argparse.Namespace) -> int:
    from facilitator.store.running import correct_end
    data = open_clinic(data_dir_of(args))
    done = correct_end(data, args.session_id, args.at, args.reason)
    h = done.header
    was = h.end_corrections[-1].was
    print(f"{h.session_id} now ends at {h.actual_end:%H:%M}"
          + (f" (was {was:%H:%M}{'' if was.date() == h.day else f' on {was:%a %d %b}'})." if was
             else " (it was still running)."))
    notes = data.session_file(h.session_id).notes().values()
    signed = sum(1 for note in notes if note.signed and note.addenda
                 and note.addenda[-1].signed_at == h.end_corrections[-1].when)
    if signed:
        print(f"{signed} signed note{'s are' if signed != 1 else ' is'} unchanged; "
              f"{'each' if signed != 1 else 'it'} got an addendum stating the correction.")
    drafts = sum(1 for note in notes if note.signed_at is None)
    if drafts:   # drafted with the old end; a draft is the counselor's text, so it is not rewritten
        print(f"warning: {drafts} unsigned draft{'s' if drafts != 1 else ''} of this session "
              f"{'were' if drafts != 1 else 'was'} written with the old end; check the times and "
              "minutes in each before signing.", file=sys.stderr)
    return 0


COMMANDS = {"session": cmd_session}
