"""Formatting reports for a terminal, a spreadsheet or a script (table, csv, json)."""

from __future__ import annotations

import csv
import io
import json
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from facilitator.core.errors import printable
from facilitator.core.hours import hours_down, hours_up
from facilitator.store.reports import REDISCLOSURE_NOTICE, BillingDay, WeekReport

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NOTICE_CELL = "42 CFR part 2 notice: " + REDISCLOSURE_NOTICE


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection: text starting with = + - @ gets a leading '."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _csv(header: Sequence[str], rows: list[Sequence[Any]]) -> str:
    """The notice in one quoted cell on the first line, then the header and the rows.

    Decided with a spreadsheet in mind: the notice is the first thing a person sees (42 CFR
    2.32 wants it to accompany the disclosure), it stays one cell however many commas it
    holds, and every column below it lines up. A script skips one line before the header.
    """
    buffer = io.StringIO()
    buffer.write('"' + NOTICE_CELL.replace('"', '""') + '"\n')
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
    # The screen's rounding: credited hours down, hours needed up (core.hours).
    table = [("ID", "Name", "Level", "Req h", "Cred h", "Status", "Need h", "Left", "Abs", "Exc")]
    for row, r in zip(report.rows, rows):
        table.append((r["client_id"], r["name"], r["level_of_care"], f"{r['required_hours']:g}",
                      hours_down(row.credited_minutes), r["status"],
                      hours_up(row.shortfall_minutes), str(r["sessions_left"]), str(r["absent"]),
                      str(r["excused"])))
    why = [f"note: {cid} cannot reach {report.clients[cid].required_hours:g} h: {text}."
           for cid, text in report.cannot_meet.items() if cid in {r.client_id for r in report.rows}]
    notes = "".join(line + "\n" for line in why)
    return title + "\n" + _table(table) + "\n" + notes + _footer() + "\n"


BILLING_COLUMNS = ("date", "client_id", "service", "groups", "start", "stop", "minutes", "meets_3h_day")


def billing(rows: list[BillingDay], fmt: str) -> str:
    dicts = [{"date": r.day.isoformat(), "client_id": r.client_id, "service": "H0015",
              "groups": ";".join(r.groups), "start": r.start.strftime("%H:%M"),
              "stop": r.stop.strftime("%H:%M"), "minutes": r.minutes,
              "meets_3h_day": r.meets_h0015_day} for r in rows]
    if fmt == "json":
        return json.dumps({"notice": REDISCLOSURE_NOTICE, "rows": dicts}, indent=2) + "\n"
    return _csv(BILLING_COLUMNS, [[d[c] for c in BILLING_COLUMNS] for d in dicts])


def display_width(text: str) -> int:
    """Terminal cells: East Asian wide and fullwidth characters take two, combining marks none."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def _table(rows: list[Sequence[str]]) -> str:
    """Columns padded by display width, so a name like 李 小龙 keeps the columns after it."""
    widths = [max(display_width(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(_pad(str(v), w) for v, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


HOURS_COLUMNS = ("id", "date", "client_id", "kind", "minutes")


def other_hours(entries: list[tuple[str, Any]], fmt: str) -> str:
    """``hours list``: (id, OtherHours) pairs as tab-separated lines, csv or json."""
    dicts = [{"id": f"{e.day:%Y-%m}#{entry_id}", "date": e.day.isoformat(), "client_id": e.client_id,
              "kind": e.kind, "minutes": e.minutes} for entry_id, e in entries]
    if fmt == "json":
        return json.dumps({"notice": REDISCLOSURE_NOTICE, "entries": dicts}, indent=2) + "\n"
    if fmt == "csv":
        return _csv(HOURS_COLUMNS, [[d[c] for c in HOURS_COLUMNS] for d in dicts])
    return "".join("\t".join(str(d[c]) for c in HOURS_COLUMNS) + "\n" for d in dicts)


def _footer() -> str:
    return "Confidential: 42 CFR part 2 records; do not re-disclose (see --format csv/json for the notice)."


def report_problems(problems: Iterable[object]) -> None:
    """Problems a report or listing met (a damaged file, say): one warning line each, on stderr."""
    for problem in problems:
        print(f"warning (left out of this report): {problem}", file=sys.stderr)


STAFF_COLUMNS = ("user", "role", "state", "display_name")


def staff(members: list[Any], fmt: str) -> str:
    """``staff list``: tab-separated lines, csv or json (no client data: no notice)."""
    dicts = [{"user": m.user, "role": str(m.role), "state": "active" if m.active else "inactive",
              "display_name": m.display_name} for m in members]
    if fmt == "json":
        return json.dumps({"staff": dicts}, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(STAFF_COLUMNS)
        writer.writerows([safe_cell(d[c]) for c in STAFF_COLUMNS] for d in dicts)
        return buffer.getvalue()
    # Names are checked when stored and read (core.names); printed safely all the same.
    return "".join("\t".join(printable(d[c]) for c in STAFF_COLUMNS) + "\n" for d in dicts)


# Columns padded by display width, for listings outside this module (`session list`).
plain_table = _table
