"""Invented clinics of any length of history, for the benchmark (cached outside the repo).

A clinic here is what five years of a busy program leaves behind: 120 clients in six
groups that each meet three times a week, every meeting a session file with its agenda
as run, everyone's attendance, participation picks and a signed progress note, and the
audit log those writes would have produced. The same generator makes the short-history
references (a week, a month) with the same clinic file, so a growth ratio compares only
history.

It follows ``facilitator.demo`` (the same header, agenda-as-run and attendance helpers,
everything through ``DataDir`` and ``DataFile.transaction``), with two shortcuts that
only make it faster: each session is written in one transaction (the app writes the
same tables over many), and while generating, ``os.fsync`` is a no-op (one ``os.sync``
at the end). The audit log is written month by month with the real hash chain, so
``facilitator verify`` passes on a generated clinic.

Clinics are cached under ``$FACILITATOR_BENCH_CACHE`` or the user cache directory,
keyed by ``GENERATOR_VERSION`` and the spec; history ends the day before generation.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from facilitator import demo_data as D
from facilitator.core.clinic import ClinicSettings
from facilitator.core.notes import Note, sign
from facilitator.core.roster import Client, Group, parse_days
from facilitator.demo import _attendance, _blocks, _header
from facilitator.store.admission import STRICT_VERSION, admit
from facilitator.store.audit import GENESIS, AuditLog, entry_hash
from facilitator.store.commit import binding
from facilitator.store.datadir import DataDir, snapshot_of
from facilitator.store.files import FILE_MODE, make_dirs
from facilitator.store.plans import PlanLibrary, shipped_plans_dir

GENERATOR_VERSION = 4   # 2: audit entries bind each file's SHA-256 (issue 12); 3: the clinic has a PIN;
                        # 4: each session file is admitted by the strict reader, its entry says so
TIMEZONE = "America/Chicago"
INFO = ".bench.json"   # a dot-file: DataDir.init allows it and nothing in the app reads it

GROUPS: tuple[tuple[str, str, str, int, str], ...] = (
    # name, days, start, minutes, plan
    ("Evening IOP A", "mon,wed,thu", "18:00", 195, "iop-evening-triggers"),
    ("Evening IOP B", "mon,wed,thu", "17:30", 195, "iop-evening-cravings-and-coping"),
    ("Evening IOP C", "tue,thu,fri", "18:00", 195, "iop-evening-triggers"),
    ("Morning IOP", "mon,wed,fri", "09:00", 195, "iop-evening-cravings-and-coping"),
    ("Adolescent IOP", "tue,wed,thu", "16:00", 195, "iop-evening-triggers"),
    ("Women's IOP", "mon,tue,thu", "12:00", 195, "iop-evening-cravings-and-coping"),
)

FIRST_NAMES = ("Marigold", "Barnaby", "Odessa", "Fennimore", "Wren", "Cosmo", "Tansy", "Ignatius",
               "Pippa", "Horatio", "Juniper", "Felix", "Clementine", "Rufus", "Saffron")
LAST_NAMES = ("Thistlecrumb", "Quillfeather", "Bramblepatch", "Copperkettle", "Applewhistle",
              "Puddingstone", "Larkspurrow", "Fogbottom")

# Sentences a counselor's signed progress note is made of (invented, identifying nobody).
NOTE_SENTENCES = (
    "Client attended the full group and participated in check-in, reporting no use since the last session.",
    "Client identified two external triggers from the past week and described the plan used for each.",
    "During the education block client engaged with the material and asked relevant questions.",
    "Client practised the refusal script with a peer and reported feeling more confident on the second try.",
    "Client described a craving at work that passed in about twenty minutes using urge surfing.",
    "Affect was euthymic; thought process linear and goal-directed; no safety concerns were voiced.",
    "Client offered support to a newer member and linked the discussion to their own early recovery.",
    "Client reports attending two community support meetings and contacting their sponsor twice.",
    "Plan: continue IOP three times weekly, complete the trigger inventory, review at next session.",
    "Client was quieter than usual and said the week had been hard; agreed to check in tomorrow.",
)


@dataclass(frozen=True)
class ClinicSpec:
    key: str
    weeks: int             # weeks of history before the week generation happens in
    clients: int = 120

    @property
    def folder(self) -> str:
        return f"v{GENERATOR_VERSION}-{self.key}-{self.weeks}w-{self.clients}c"


FIVE_YEARS = ClinicSpec("5y", 52 * 5)
ONE_MONTH = ClinicSpec("1m", 4)
ONE_WEEK = ClinicSpec("1w", 1)


def cache_root() -> Path:
    env = os.environ.get("FACILITATOR_BENCH_CACHE")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir
    return Path(user_cache_dir("facilitator-bench"))


@dataclass(frozen=True)
class Clinic:
    root: Path
    info: dict[str, Any]

    @property
    def last_full_week_first(self) -> date:
        return date.fromisoformat(self.info["last_full_week_first"])


def ensure_clinic(spec: ClinicSpec, *, user: str, cache: Path | None = None,
                  today: date | None = None, log=print) -> Clinic:
    """The cached clinic for ``spec``, generated first if missing."""
    cache = Path(cache) if cache else cache_root()
    root = cache / spec.folder
    if (root / INFO).exists():
        info = json.loads((root / INFO).read_text())
        if info.get("user") == user:
            return Clinic(root, info)
        shutil.rmtree(root)
    make_dirs(cache)
    staging = Path(tempfile.mkdtemp(prefix=f".{spec.folder}.", dir=cache))
    try:
        log(f"generating the {spec.key} clinic ({spec.weeks} weeks, {spec.clients} clients) in {root} ...")
        info = build(staging / "clinic", spec, user=user, today=today)
        os.replace(staging / "clinic", root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Clinic(root, info)


@contextlib.contextmanager
def _no_fsync() -> Iterator[None]:
    real = os.fsync
    os.fsync = lambda fd: None  # type: ignore[assignment]
    try:
        yield
    finally:
        os.fsync = real
        os.sync()


def build(root: Path, spec: ClinicSpec, *, user: str, today: date | None = None) -> dict[str, Any]:
    settings = ClinicSettings(name=f"Bench Recovery Center ({spec.key})", timezone=TIMEZONE,
                              group_cap=24)
    tz = settings.tz
    today = today or datetime.now(tz).date()
    this_week = today - timedelta(days=today.weekday())
    first = this_week - timedelta(weeks=spec.weeks)
    last = today - timedelta(days=1)
    clock_at = [datetime.combine(first - timedelta(days=7), time(8), tz)]
    rng = random.Random(f"{D.SEED}-{spec.key}")

    with _no_fsync():
        data = DataDir.init(root, settings, user=user, display_name="Bench Counselor",
                            clock=lambda: clock_at[0])
        groups = [Group(name=n, days=parse_days(d), start=time.fromisoformat(s), minutes=m, plan=p,
                        first_day=first) for n, d, s, m, p in GROUPS]
        for group in groups:
            data.add_group(group)
        clients = []
        for i in range(spec.clients):
            group = groups[i % len(groups)]
            level = "IOP-adolescent" if group.name.startswith("Adolescent") else "IOP"
            clients.append(Client(
                client_id=f"BC-{1001 + i}", first_name=FIRST_NAMES[i % len(FIRST_NAMES)],
                last_name=f"{LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)]}{i // 120 or ''}",
                level_of_care=level, required_hours=settings.default_hours(level),
                admitted=first - timedelta(days=rng.randint(0, 20)), groups=(group.name,)))
        data.import_roster(clients)
        from facilitator.store.pins import PinStore  # a PIN: the app opens on home, not the gate
        PinStore(root, data.clock).set_pin(user, "246810")
        audit = _AuditWriter(data.audit, user)
        library = PlanLibrary.load(shipped_plans_dir(), data.plans_dir)
        patterns = {c.client_id: rng.choice(("steady", "steady", "steady", "mostly", "struggling"))
                    for c in clients}
        meetings = sorted(((start, group) for group in groups for start in group.meetings(first, last, tz)),
                          key=lambda m: (m[0], m[1].name))
        sessions = 0
        for start, group in meetings:
            _write_session(data, audit, library, group, start,
                           [c for c in clients if group.name in c.groups and c.enrolled_on(start.date())],
                           patterns, user, rng)
            sessions += 1
        audit.close()
    last_full = this_week - timedelta(weeks=1)
    info = {
        "generator_version": GENERATOR_VERSION, "spec": spec.key, "weeks": spec.weeks,
        "clients": spec.clients, "groups": len(groups), "sessions": sessions, "user": user,
        "first_day": first.isoformat(), "last_day": last.isoformat(),
        "last_full_week_first": last_full.isoformat(),
        "generated": datetime.now(tz).isoformat(timespec="seconds"),
    }
    info.update(_sizes(root))
    (root / INFO).write_text(json.dumps(info, indent=2))
    os.chmod(root / INFO, 0o640)        # like every file in a clinic: verify names a wider mode
    return info


def _sizes(root: Path) -> dict[str, int]:
    files = [p for p in (root / "records").rglob("*.json")]
    return {"record_files": len(files), "record_bytes": sum(p.stat().st_size for p in files),
            "audit_bytes": sum(p.stat().st_size for p in (root / "audit").glob("*.jsonl")),
            "clinic_bytes": (root / "clinic.json").stat().st_size}


def _note_body(rng: random.Random) -> str:
    return " ".join(rng.sample(NOTE_SENTENCES, rng.randint(5, 8)))


def _write_session(data: DataDir, audit: _AuditWriter, library: PlanLibrary, group: Group,
                   start: datetime, members: list[Client], patterns: dict[str, str], user: str,
                   rng: random.Random) -> None:
    plan_blocks = library.get(group.plan).block_runs() if group.plan else ()
    header = _header(group, start, user, rng)
    blocks = _blocks(plan_blocks, header, rng)
    entries = [_attendance(c.client_id, patterns[c.client_id], header, rng) for c in members]
    signed_at = header.end + timedelta(minutes=rng.randint(15, 90))
    notes = [sign(Note(session_id=header.session_id, client_id=e.client_id, body=_note_body(rng),
                       author=user, drafted_at=header.end), user, signed_at)
             for e in entries if e.status.credits_time]
    file = data.session_file(header.session_id)
    make_dirs(file.path.parent)
    bound: dict[str, str] = {}
    # The file's audit binding (path, SHA-256) goes on the session's last entry below.
    # Admitted by the strict reader as every bound write is (``store.admission``).
    with binding(data.root, lambda rel, digest: bound.update(file=rel, sha256=digest, strict=STRICT_VERSION),
                 lambda rel, digest: None,
                 lambda rel, path, raw, dumped: admit(data, rel, path, raw, snapshot_of, dumped)), \
            file.transaction(create=True) as db:
        db.table("header").insert(header.to_dict())
        if blocks:
            db.table("blocks").insert_multiple(b.to_dict() for b in blocks)
        db.table("roster").insert_multiple({"client_id": c.client_id} for c in members)
        db.table("attendance").insert_multiple(e.to_dict() for e in entries)
        db.table("notes").insert_multiple(n.to_dict() for n in notes)
    sid = header.session_id
    audit.add(header.start, "session.start", sid, {"roster": len(members)})
    for entry in entries:
        audit.add(header.start, "attendance.mark", sid, {"status": str(entry.status)})
    audit.add(header.end, "session.end", sid, **({} if notes else bound))
    for n, _ in enumerate(notes, start=1):
        audit.add(signed_at, "note.sign", sid, **(bound if n == len(notes) else {}))


class _AuditWriter:
    """Continue the clinic's audit chain in bulk: the same lines ``AuditLog.append`` writes."""

    def __init__(self, log: AuditLog, user: str) -> None:
        self.log = log
        self.user = user
        last = log._last_entry()
        self.seq = last["seq"] if last else 0
        self.prev = last["hash"] if last else GENESIS
        self.month: str | None = None
        self.lines: list[bytes] = []

    def add(self, at: datetime, action: str, record: str, detail: dict[str, Any] | None = None,
            file: str | None = None, sha256: str | None = None, strict: int | None = None) -> None:
        month = max(f"{at:%Y-%m}", self.month or "")   # never back to an older month file
        if month != self.month:
            self.flush()
            self.month = month
        self.seq += 1
        entry = {"seq": self.seq, "at": at.isoformat(timespec="seconds"), "user": self.user,
                 "action": action, "record": record, "detail": detail or {}, "prev": self.prev}
        if file is not None:
            entry["file"], entry["sha256"] = file, sha256
            if strict is not None:
                entry["strict"] = strict
        entry["hash"] = self.prev = entry_hash(entry)
        self.lines.append((json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n").encode())

    def flush(self) -> None:
        if self.month and self.lines:
            path = self.log.directory / f"{self.month}.jsonl"
            with open(path, "ab") as handle:
                handle.write(b"".join(self.lines))
            os.chmod(path, FILE_MODE)
        self.lines = []

    def close(self) -> None:
        self.flush()


def clone(src: Path, dst: Path, *, copy: bool = False) -> Path:
    """A disposable copy of a cached clinic: hard links for files the app replaces
    atomically (so the cache is never changed), real copies of what it appends to; with
    ``copy``, real copies of everything (``verify`` names a hard-linked data file)."""
    src, dst = Path(src), Path(dst)
    newest_audit = max((src / "audit").glob("*.jsonl"), default=None)
    for folder, _dirs, files in os.walk(src):
        rel = Path(folder).relative_to(src)
        target = dst / rel
        target.mkdir(parents=True, exist_ok=True)
        os.chmod(target, 0o700 if target == dst else 0o750)   # the clinic's folder: its account's alone
        for name in files:
            source = Path(folder) / name
            if name.endswith(".lock"):
                continue
            if copy or source == newest_audit or name == INFO:
                shutil.copy2(source, target / name)
                os.chmod(target / name, 0o640)   # the cache's INFO is 0644; verify names that
            else:
                os.link(source, target / name)
    return dst
