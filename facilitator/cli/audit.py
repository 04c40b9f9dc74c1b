"""The audit and verify family: `audit`, `verify`, `backup` and `restore`.

``audit`` lists the audit log: who did what to which record, when (an accounting of
disclosures, 45 CFR 164.528 / 42 CFR 2.24). Supervisors and admins only ("audit.read");
reading it is itself audited.

Which entries ``--client ID`` lists (the rule; entries hold record ids, never names):

1. the entry's record names the client: the record is the id, or one of its parts split at
   ``: / # , |`` or a space is (``client:T001``), or a detail value is the id or a list
   holding it (a disclosure, ``disclose.notes``/``signin``/``copy``, lists its client ids);
2. the record is a session (``2026-11-23-1800-evening-a``) whose file has the client in its
   attendance or on its session list: every session, attendance and note entry for that
   session is listed, because whoever did it had that client's row on screen (unless the
   entry's details name the one client it was about — ``{"client": "T002"}`` — and that is
   another client);
3. the record is an individual/family hours entry (``hours:2026-11#3``) that is still stored
   and is the client's (hours entries also name their client in their details, so a
   removed entry is still traced by rule 1);
4. the entry is a disclosure covering many clients: ``export.billing`` of ``FIRST..LAST``
   when the client attended a session in that range, ``report.week`` of ``week:LABEL``
   when the client was enrolled on a day of that week.

Clinic-wide changes (roster imports, groups, staff, settings) are not listed per client.
``--from``/``--to`` select by the entry's date in the clinic's time zone, inclusive.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from facilitator.cli.parser import data_dir_of
from facilitator.core.errors import InputError
from facilitator.core.parsing import parse_date
from facilitator.store.clinic import open_clinic

SESSION_ID = re.compile(r"^\d{4}-\d{2}-\d{2}-\d{4}-[a-z0-9][a-z0-9-]*$", re.ASCII)
_SPLIT = re.compile(r"[:/#,| ]")
AUDIT_COLUMNS = ("seq", "at", "user", "action", "record", "detail")


# -- audit ----------------------------------------------------------------------------------
class ClientMatcher:
    """Does an audit entry concern one client? (The rule is in the module docstring.)"""

    def __init__(self, data: Any, client_id: str) -> None:
        from facilitator.core.weeks import parse_week_label
        self.data = data
        self.client_id = client_id
        snapshot = data.snapshot()
        self.client = snapshot.clients[client_id]
        self.week_start = snapshot.settings.week_start_weekday
        self._parse_week = parse_week_label
        self._sessions: dict[str, bool] = {}
        self._ranges: dict[tuple[date, date], bool] = {}
        self.unreadable: set[str] = set()

    def __call__(self, entry: dict[str, Any]) -> bool:
        record = str(entry.get("record", ""))
        action = str(entry.get("action", ""))
        detail = entry.get("detail")
        if self._names_client(record, detail):
            return True
        if isinstance(detail, dict) and isinstance(detail.get("client", detail.get("client_id")), str):
            return False  # the entry names the one client it is about, and it is another
        if SESSION_ID.match(record):
            return self._in_session(record)
        if record.startswith("hours:"):
            return self._hours_entry(record[len("hours:"):])
        if action == "export.billing" and ".." in record:
            return self._attended_between(record)
        if action == "report.week" and record.startswith("week:"):
            return self._enrolled_in_week(record[len("week:"):])
        return False

    def _names_client(self, record: str, detail: Any) -> bool:
        if record == self.client_id or self.client_id in _SPLIT.split(record):
            return True
        values = detail.values() if isinstance(detail, dict) else ()
        for value in values:
            if value == self.client_id or (isinstance(value, list) and self.client_id in value):
                return True
        return False

    def _in_session(self, session_id: str) -> bool:
        if session_id not in self._sessions:
            from facilitator.store.files import DamagedFile
            file = self.data.session_file(session_id)
            try:
                record = file.read()
            except FileNotFoundError:
                self._sessions[session_id] = False
            except DamagedFile:
                self.unreadable.add(session_id)
                self._sessions[session_id] = False
            else:
                self._sessions[session_id] = (self.client_id in record.attendance
                                              or self.client_id in record.roster)
        return self._sessions[session_id]

    def _hours_entry(self, entry_id: str) -> bool:
        """An entry named ``2026-11#3`` (this device's number) or ``2026-11:<uid>`` (its uid)."""
        from facilitator.store import otherhours
        month, sep, rest = entry_id.partition(":") if ":" in entry_id else entry_id.partition("#")
        try:
            day = date.fromisoformat(month + "-01")
            doc_id = int(rest) if sep == "#" else None
        except ValueError:
            return False
        file = otherhours.month_file(self.data.root / "hours", day)
        try:
            docs = file.tables().get("entries", []) if file.exists() else []
        except Exception:  # noqa: BLE001 - a damaged month file: reported by verify
            return False
        return any((d.get("_id") == doc_id if doc_id is not None else otherhours.uid_of(d) == rest)
                   and d.get("client_id") == self.client_id for d in docs)

    def _attended_between(self, record: str) -> bool:
        first_text, _, last_text = record.partition("..")
        try:
            first, last = date.fromisoformat(first_text), date.fromisoformat(last_text)
        except ValueError:
            return False
        key = (first, last)
        if key not in self._ranges:
            scan = self.data.sessions_between(first, last)
            self.unreadable.update(p.path.stem for p in scan.problems)
            self._ranges[key] = any(self.client_id in r.attendance for r in scan.records)
        return self._ranges[key]

    def _enrolled_in_week(self, label: str) -> bool:
        try:
            week = self._parse_week(label, self.week_start)
        except InputError:
            return False
        return any(self.client.enrolled_on(day) for day in week.days)


def _entry_time(entry: dict[str, Any], tz: Any) -> datetime | None:
    try:
        at = datetime.fromisoformat(str(entry.get("at")))
    except ValueError:
        return None
    return at.astimezone(tz) if at.tzinfo else None


def select_entries(data: Any, *, client: str | None = None, first: date | None = None,
                   last: date | None = None) -> tuple[list[dict[str, Any]], int, set[str]]:
    """(matching entries oldest first, lines that are not entries, unreadable session ids)."""
    tz = data.settings().tz
    matcher = ClientMatcher(data, client) if client else None
    rows: list[dict[str, Any]] = []
    bad = 0
    for _path, _number, entry in data.audit.entries():
        if not isinstance(entry, dict):
            bad += 1
            continue
        if first or last:
            at = _entry_time(entry, tz)
            if at is None or (first and at.date() < first) or (last and at.date() > last):
                continue
        if matcher is not None and not matcher(entry):
            continue
        rows.append(entry)
    return rows, bad, (matcher.unreadable if matcher else set())


def _detail_text(detail: Any) -> str:
    if not isinstance(detail, dict) or not detail:
        return ""
    return ", ".join(f"{k}={v}" for k, v in sorted(detail.items()))


def format_entries(rows: list[dict[str, Any]], fmt: str, tz: Any) -> str:
    from facilitator.cli import output
    from facilitator.core.part2 import STATEMENT_1
    if fmt == "json":
        return json.dumps({"notice": STATEMENT_1, "entries": rows},
                          indent=2, ensure_ascii=False) + "\n"

    def local(entry: dict[str, Any]) -> str:
        at = _entry_time(entry, tz)
        return at.isoformat(timespec="seconds") if at else str(entry.get("at", ""))

    if fmt == "csv":
        return output._csv(AUDIT_COLUMNS, [
            [e.get("seq"), local(e), e.get("user"), e.get("action"), e.get("record"),
             json.dumps(e.get("detail") or {}, sort_keys=True)] for e in rows])
    table = [("Seq", "When", "Who", "Action", "Record", "Detail")]
    for e in rows:
        at = _entry_time(e, tz)
        table.append((str(e.get("seq", "")), at.strftime("%Y-%m-%d %H:%M") if at else str(e.get("at", "")),
                      str(e.get("user", "")), str(e.get("action", "")), str(e.get("record", "")),
                      _detail_text(e.get("detail"))))
    return f"{len(rows)} audit entries\n" + output._table(table) + "\n"


def cmd_audit(args: argparse.Namespace) -> int:
    data = open_clinic(data_dir_of(args))
    if getattr(args, "what", None):
        return _audit_head_or_baseline(data, args.what)
    data.require("audit.read")
    first = parse_date(args.first, field="--from") if args.first else None
    last = parse_date(args.last, field="--to") if args.last else None
    if first and last and last < first:
        raise InputError("--to is before --from", field="--to")
    if args.client:
        from facilitator.core.roster import match_id
        found = match_id(args.client, data.snapshot().clients)
        if found is None:
            raise InputError(f"there is no client with id {args.client.strip()!r}", field="--client")
        args.client = found
    rows, bad, unreadable = select_entries(data, client=args.client, first=first, last=last)
    breaks = data.audit.verify()
    data.record_audit("audit.read", f"client:{args.client}" if args.client else "audit",
                      {"entries": len(rows), "format": args.format,
                       "from": str(first or ""), "to": str(last or "")})
    sys.stdout.write(format_entries(rows, args.format, data.settings().tz))
    for session_id in sorted(unreadable):
        print(f"warning: session {session_id} could not be read, so its entries were not matched "
              f"to the client; run `facilitator verify`.", file=sys.stderr)
    if breaks or bad:
        print(f"warning: the audit log has {len(breaks)} break(s) in its hash chain; "
              f"run `facilitator verify` to see where.", file=sys.stderr)
        return 1
    return 1 if unreadable else 0


def _audit_head_or_baseline(data: Any, what: str) -> int:
    from facilitator.store.integrity import baseline, head_line
    if what == "head":
        # Not audited: an entry would move the head it prints. It names no record.
        print(head_line(data))
        return 0
    count = baseline(data)                    # admins only: checked by the store
    print(f"Recorded the current state of {count} data file(s) as baseline audit entries; "
          f"`facilitator verify` now checks them.")
    return 0


# -- restore --------------------------------------------------------------------------------
def cmd_restore(args: argparse.Namespace) -> int:
    from facilitator.store.datadir import DataDir
    from facilitator.store.identity import os_user
    from facilitator.store.maintenance import may_restore, restore, verify

    src = Path(args.src).expanduser()
    dest = data_dir_of(args)
    if not (src / "clinic.json").is_file():
        raise InputError(f"{src} is not a facilitator backup (it has no clinic.json)", field="SRC")
    if dest.exists() and not dest.is_dir():
        raise InputError(f"{dest} is a file, not a directory", field="--data")
    if dest.exists() and any(dest.iterdir()):
        raise InputError(f"{dest} is not empty; restore into a new or empty directory "
                         f"(nothing was changed)", field="--data")
    source, target = src.resolve(), dest.resolve()
    if source == target or target.is_relative_to(source) or source.is_relative_to(target):
        raise InputError(f"{dest} and {src} overlap; restore somewhere else", field="--data")
    user = os_user()
    may_restore(src, user)
    count = restore(src, dest)
    data = DataDir(dest, user=user)
    problems = verify(data, full=True)       # a copy from elsewhere: every file read strictly
    for problem in problems:
        print(problem)
    if problems:
        print(f"restore: copied {count} files to {dest}, but verify found {len(problems)} problem(s); "
              f"do not use this copy until they are resolved.", file=sys.stderr)
        return 1
    data.record_audit("clinic.restore", "clinic", {"files": count})
    print(f"Restored {count} files from {src} to {dest}; verify passes.")
    return 0


# -- verify and backup -----------------------------------------------------------------------
def cmd_verify(args: argparse.Namespace) -> int:
    from facilitator.store.maintenance import verify
    data = open_clinic(data_dir_of(args))
    problems = verify(data, full=bool(getattr(args, "full", False)))
    if getattr(args, "head", None):
        from facilitator.store.integrity import check_head
        try:
            problems += check_head(data, args.head)
        except ValueError as err:
            raise InputError(str(err), field="--head") from None
    for problem in problems:
        print(problem)
    if problems:
        print(f"verify: {len(problems)} problem(s) in {data.root}.", file=sys.stderr)
        return 1
    print(f"verify: every file parses and the audit chain holds in {data.root}.")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from facilitator.store.maintenance import backup
    data = open_clinic(data_dir_of(args))
    dest = Path(args.dest).expanduser()
    if dest.exists() and not dest.is_dir():
        raise InputError(f"{dest} is a file, not a directory", field="DEST")
    if dest.resolve().is_relative_to(data.root.resolve()):
        # The next backup would copy this one too, and so on.
        raise InputError(f"{dest} is inside the clinic directory {data.root}; back up somewhere else",
                         field="DEST")
    count = backup(data, dest)                # checked ("backup") and audited by the store
    print(f"Backed up {count} files to {args.dest}.")
    return 0


COMMANDS = {"audit": cmd_audit, "verify": cmd_verify, "backup": cmd_backup, "restore": cmd_restore}
