"""Formatting reports for a terminal, a spreadsheet or a script (table, csv, json)."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from facilitator.store.reports import REDISCLOSURE_NOTICE, BillingDay, WeekReport

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection: text starting with = + - @ gets a leading '."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _csv(header: Sequence[str], rows: list[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    buffer.write("# " + REDISCLOSURE_NOTICE + "\n")
    # Lines end in "\n", but the writer is told "\r\n" so that it quotes a field holding a
    # bare "\r" too (Python 3.11 quotes only lineterminator characters): unquoted, a "\r"
    # in a name would start a new row in a spreadsheet, and a formula could follow it.
    line = io.StringIO()
    writer = csv.writer(line, lineterminator="\r\n")
    for row in [header, *[[safe_cell(v) for v in row] for row in rows]]:
        line.seek(0)
        line.truncate()
        writer.writerow(row)
        buffer.write(line.getvalue()[:-2] + "\n")
    return buffer.getvalue()


WEEK_COLUMNS = ("client_id", "name", "level_of_care", "required_hours", "credited_hours",
                "status", "hours_needed", "sessions_left", "absent", "excused")


def week_report(report: WeekReport, fmt: str) -> str:
    rows = report.as_dicts()
    if fmt == "json":
        return json.dumps({"week": report.week.label, "first_day": report.week.first.isoformat(),
                           "last_day": report.week.last.isoformat(),
                           "generated_at": report.generated_at.isoformat(timespec="seconds"),
                           "notice": REDISCLOSURE_NOTICE, "clients": rows}, indent=2) + "\n"
    if fmt == "csv":
        return _csv(WEEK_COLUMNS, [[r[c] for c in WEEK_COLUMNS] for r in rows])
    title = (f"Week {report.week.label} ({report.week.first:%a %d %b} – {report.week.last:%a %d %b %Y}), "
             f"{len(rows)} clients")
    table = [("ID", "Name", "Level", "Req h", "Cred h", "Status", "Need h", "Left", "Abs")]
    for r in rows:
        table.append((r["client_id"], r["name"], r["level_of_care"], f"{r['required_hours']:g}",
                      f"{r['credited_hours']:.1f}", r["status"], f"{r['hours_needed']:.1f}",
                      str(r["sessions_left"]), str(r["absent"] + r["excused"])))
    return title + "\n" + _table(table) + "\n" + _footer()


BILLING_COLUMNS = ("date", "client_id", "service", "groups", "start", "stop", "minutes", "meets_3h_day")


def billing(rows: list[BillingDay], fmt: str) -> str:
    dicts = [{"date": r.day.isoformat(), "client_id": r.client_id, "service": "H0015",
              "groups": ";".join(r.groups), "start": r.start.strftime("%H:%M"),
              "stop": r.stop.strftime("%H:%M"), "minutes": r.minutes,
              "meets_3h_day": r.meets_h0015_day} for r in rows]
    if fmt == "json":
        return json.dumps({"notice": REDISCLOSURE_NOTICE, "rows": dicts}, indent=2) + "\n"
    return _csv(BILLING_COLUMNS, [[d[c] for c in BILLING_COLUMNS] for d in dicts])


def _table(rows: list[Sequence[str]]) -> str:
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _footer() -> str:
    return "Confidential: 42 CFR part 2 records; do not re-disclose (see --format csv/json for the notice)."


def report_problems(problems: Iterable[object]) -> None:
    """Problems a report or listing met (a damaged file, say): one warning line each, on stderr."""
    for problem in problems:
        print(f"warning (left out of this report): {problem}", file=sys.stderr)
