"""Sync's protocol inputs, checked before anything is written: paths and pushed audit lines."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from facilitator.store.audit import AuditLog
from facilitator.sync.files import SyncRefused, check_path, put_device_audit

LAPTOP, HOST = "a1" * 8, "b2" * 8
T0 = datetime(2026, 11, 23, 18, 0, tzinfo=timezone(timedelta(hours=-6)))


@pytest.mark.parametrize("path", [
    "clinic.json", "records/2026/11/2026-11-23-1800-evening-a.json", "hours/2026-11.json",
    "plans/iop-evening.toml",
])
def test_the_files_sync_exchanges_are_taken(path):
    assert check_path(path) == path


@pytest.mark.parametrize("path", [
    "records/2026/11/2026-11-23-1800-evening-a.json\n",           # a trailing newline
    "records/2026/11/2026-11-2\u0663-1800-evening-a.json",        # an Arabic-Indic digit
    "records/2026/11/2026-11-23-\uff11800-evening-a.json",        # a full-width digit
    "records/2026/10/2026-11-23-1800-evening-a.json",             # the folder of another month
    "records/2025/11/2026-11-23-1800-evening-a.json",             # ... of another year
    "records/2026/02/2026-02-30-1800-evening-a.json",             # no such day
    "records/2026/11/2026-11-23-1800-evening\ta.json",            # a control character
    "records/2026/11/2026-11-23-1800-evening-a.json\x00",
    "records/2026/11/../../../clinic.json", "hours/2026-13.json", "hours/2026-11.json\n",
    "plans/../clinic.json", "plans/x.toml\n", "audit/2026-11.jsonl", "device.json", "",
])
def test_anything_else_is_refused_by_name(path):
    with pytest.raises(SyncRefused, match="is not a file sync exchanges"):
        check_path(path)


def test_a_path_that_is_not_text_is_refused():
    with pytest.raises(SyncRefused):
        check_path(["records"])  # type: ignore[arg-type]


def _laptop_chain(tmp_path: Path, *months: tuple[int, int]) -> AuditLog:
    log = AuditLog(tmp_path / "laptop-audit")
    for number, (month, count) in enumerate(months):
        for i in range(count):
            log.append(at=T0.replace(month=month, day=1 + i), user="counselor1", action="attendance.mark",
                       record=f"session-{number}-{i}")
    return log


def _stored(root: Path) -> dict[str, bytes]:
    folder = root / "audit" / "devices" / LAPTOP
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.jsonl"))} if folder.is_dir() else {}


def test_a_laptops_own_chain_is_stored_across_months(tmp_path):
    log = _laptop_chain(tmp_path, (10, 2), (11, 3))
    for name in ("2026-10.jsonl", "2026-11.jsonl"):
        raw = (log.directory / name).read_bytes()
        assert put_device_audit(tmp_path, LAPTOP, name, raw, HOST) == raw.count(b"\n")
    log.append(at=T0, user="counselor1", action="note.sign", record="session-x")
    raw = (log.directory / "2026-11.jsonl").read_bytes()
    assert put_device_audit(tmp_path, LAPTOP, "2026-11.jsonl", raw, HOST) == 1
    assert put_device_audit(tmp_path, LAPTOP, "2026-11.jsonl", raw, HOST) == 0
    assert AuditLog(tmp_path / "audit" / "devices" / LAPTOP).verify() == []


def _forged(raw: bytes, change) -> bytes:
    lines = raw.splitlines(keepends=True)
    entry = json.loads(lines[-1])
    change(entry)
    return b"".join(lines[:-1]) + (json.dumps(entry) + "\n").encode()


@pytest.mark.parametrize("attack, message", [
    (lambda raw: raw + b"not json at all\n", "line 4, is not an audit entry (not JSON)"),
    (lambda raw: raw + b"[1, 2]\n", "line 4, is not an intact audit entry"),
    (lambda raw: _forged(raw, lambda e: e.update(user="someone-else")), "line 3, is not an intact"),
    (lambda raw: _forged(raw, lambda e: e.update(prev="0" * 64, hash=_rehash(dict(e, prev="0" * 64)))),
     "line 3, does not continue this device's chain"),
    (lambda raw: _forged(raw, lambda e: e.update(seq=9, hash=_rehash(dict(e, seq=9)))),
     "line 3, does not continue"),
])
def test_lines_that_are_not_this_devices_chain_are_refused_and_nothing_is_stored(tmp_path, attack, message):
    log = _laptop_chain(tmp_path, (11, 2))
    raw = (log.directory / "2026-11.jsonl").read_bytes()
    put_device_audit(tmp_path, LAPTOP, "2026-11.jsonl", raw, HOST)
    log.append(at=T0, user="counselor1", action="note.sign", record="session-x")
    grown = (log.directory / "2026-11.jsonl").read_bytes()
    with pytest.raises(SyncRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        put_device_audit(tmp_path, LAPTOP, "2026-11.jsonl", attack(grown), HOST)
    assert _stored(tmp_path) == {"2026-11.jsonl": raw}


def _rehash(entry: dict) -> str:
    from facilitator.store.audit import entry_hash
    return entry_hash(entry)


def test_a_new_month_must_continue_the_last_one_and_come_after_it(tmp_path):
    log = _laptop_chain(tmp_path, (10, 2), (11, 1))
    october, november = ((log.directory / n).read_bytes() for n in ("2026-10.jsonl", "2026-11.jsonl"))
    with pytest.raises(SyncRefused, match="does not continue"):   # October not on the host yet
        put_device_audit(tmp_path, LAPTOP, "2026-11.jsonl", november, HOST)
    put_device_audit(tmp_path, LAPTOP, "2026-10.jsonl", october, HOST)
    put_device_audit(tmp_path, LAPTOP, "2026-11.jsonl", november, HOST)
    with pytest.raises(SyncRefused, match="comes before 2026-11.jsonl"):
        put_device_audit(tmp_path, LAPTOP, "2026-09.jsonl", october, HOST)


@pytest.mark.parametrize("device, name, message", [
    (HOST, "2026-11.jsonl", "host's own device id"),
    (LAPTOP, "2026-11.jsonl\n", "is not an audit month file"),
    (LAPTOP, "../2026-11.jsonl", "is not an audit month file"),
    (LAPTOP, "2026-1\u0661.jsonl", "is not an audit month file"),
    ("../../audit", "2026-11.jsonl", "that is not a device id"),
    (HOST + "\n", "2026-11.jsonl", "that is not a device id"),
])
def test_the_hosts_own_chain_and_odd_names_are_refused(tmp_path, device, name, message):
    raw = (_laptop_chain(tmp_path, (11, 1)).directory / "2026-11.jsonl").read_bytes()
    with pytest.raises(SyncRefused, match=message):
        put_device_audit(tmp_path, device, name, raw, HOST)
    assert not (tmp_path / "audit").exists()


def test_a_stored_month_whose_last_entry_has_no_sequence_number_refuses_the_next_month_by_name(tmp_path):
    # The host's copy of October edited by hand (or written by an older version): its last
    # line has no "seq". November cannot be checked against it, so it is refused by name; it
    # was a TypeError (`None + 1`, a traceback on the host) until mypy found it (#23).
    log = _laptop_chain(tmp_path, (10, 2), (11, 1))
    october, november = ((log.directory / n).read_bytes() for n in ("2026-10.jsonl", "2026-11.jsonl"))
    put_device_audit(tmp_path, LAPTOP, "2026-10.jsonl", october, HOST)
    edited = _forged(october, lambda e: e.pop("seq"))
    (tmp_path / "audit" / "devices" / LAPTOP / "2026-10.jsonl").write_bytes(edited)
    with pytest.raises(SyncRefused, match="2026-11.jsonl, line 1, does not continue this device's chain"):
        put_device_audit(tmp_path, LAPTOP, "2026-11.jsonl", november, HOST)
    assert _stored(tmp_path) == {"2026-10.jsonl": edited}
