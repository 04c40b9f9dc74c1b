"""An accounting of disclosures (45 CFR 164.528 / 42 CFR 2.24): the audit log as ``facilitator
audit`` reads it, supervisors and admins only ("audit.read"); reading it is itself audited.

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

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from facilitator.core.errors import InputError
from facilitator.store.datadir import DataDir

SESSION_ID = re.compile(r"^\d{4}-\d{2}-\d{2}-\d{4}-[a-z0-9][a-z0-9-]*$", re.ASCII)
_SPLIT = re.compile(r"[:/#,| ]")


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


def entry_time(entry: dict[str, Any], tz: Any) -> datetime | None:
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
            at = entry_time(entry, tz)
            if at is None or (first and at.date() < first) or (last and at.date() > last):
                continue
        if matcher is not None and not matcher(entry):
            continue
        rows.append(entry)
    return rows, bad, (matcher.unreadable if matcher else set())


@dataclass
class LogReading:
    """What ``read_log`` found: the entries (oldest first), lines that are not entries, sessions
    that could not be read to match a client, and breaks in the hash chain."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    bad: int = 0
    unreadable: set[str] = field(default_factory=set)
    breaks: list[Any] = field(default_factory=list)


def read_log(data: DataDir, *, client: str | None = None, first: date | None = None, last: date | None = None,
             detail: dict[str, Any] | None = None) -> LogReading:
    """The audit log's entries as a person reads them (``facilitator audit``): refused unless
    ``audit.read`` (a refusal is audited "denied"); ``client`` (typed, any case) must be one of
    the clinic's; the reading is audited "audit.read" with the count, the span and ``detail``."""
    from facilitator.core.roster import match_id
    data.require("audit.read")
    if first and last and last < first:
        raise InputError("--to is before --from", field="--to")
    if client:
        found = match_id(client, data.snapshot().clients)
        if found is None:
            raise InputError(f"there is no client with id {client.strip()!r}", field="--client")
        client = found
    rows, bad, unreadable = select_entries(data, client=client, first=first, last=last)
    breaks = data.audit.verify()
    data.record_audit("audit.read", f"client:{client}" if client else "audit",
                      {"entries": len(rows), **(detail or {}), "from": str(first or ""), "to": str(last or "")})
    return LogReading(rows, bad, unreadable, list(breaks))
