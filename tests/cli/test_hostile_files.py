"""Hostile files planted in a copy of a clinic: each is named by `verify`, costs only itself,
and no command hangs or blows up on it.

A security review planted these in a clinic directory (issue 12): a record with a
timezone-less time or an integer client id (reports died with an internal error), a FIFO
or a symlink to /dev/zero in place of a record (verify and reports hung), a symlink to an
admin's private file (backup copied it), a 200 KB dotted TOML key (24 GB, OOM) and deeply
nested arrays (RecursionError in every report).

Every case runs on a fresh copy of one invented demo clinic, with the real program in a
subprocess under ``ulimit -v`` 2 GiB and a 10 s timeout: a hang or a memory blow-up fails
the test instead of the machine. Dates are passed with --date/--from/--to.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from facilitator.demo import ensure_demo_clinic
from facilitator.store.identity import os_user

TODAY = date(2026, 11, 24)
AFFECTED_DAY = "2026-11-10"            # week 2026-W46: the planted file is dated here
UNAFFECTED_DAY = "2026-11-18"          # week 2026-W47: untouched
MEMORY_LIMIT = 2 * 2**30               # ulimit -v 2097152 (KiB)
TIMEOUT = 10


def _clock() -> datetime:
    return datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile") / "clinic"
    ensure_demo_clinic(root, user=os_user(), display_name="Demo Admin", today=TODAY, clock=_clock)
    return root


@pytest.fixture
def clinic(template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo clinic for one test to damage."""
    copy = tmp_path / "clinic"
    shutil.copytree(template, copy, symlinks=True)
    return copy


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real program, under 2 GiB of address space; a hang past 10 s fails the test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACILITATOR_")}
    try:
        return subprocess.run([sys.executable, "-m", "facilitator.cli", *args, "--data", str(root)],
                              capture_output=True, text=True, timeout=TIMEOUT, env=env,
                              preexec_fn=_limit_memory, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`facilitator {' '.join(args)}` did not end within {TIMEOUT} s")


def a_record(root: Path, day: str = AFFECTED_DAY) -> Path:
    found = sorted((root / "records" / day[:4] / day[5:7]).glob(f"{day}-*.json"))
    assert found, f"the demo clinic has no session on {day}"
    return found[0]


def edit_attendance(path: Path, change: Callable[[dict], None]) -> None:
    data = json.loads(path.read_text())
    entry = next(iter(data["attendance"].values()))
    change(entry)
    path.write_text(json.dumps(data))


def assert_costs_only_itself(root: Path, bad: Path, *, reports: bool = True) -> None:
    """verify names ``bad``; the affected week's reports name it and exit 1; the unaffected
    week's reports exit 0 without a word about it; nothing takes longer than 10 s."""
    checked = run(root, "verify")
    assert checked.returncode == 1, checked.stderr
    assert str(bad) in checked.stdout + checked.stderr
    assert "Traceback" not in checked.stderr and "internal error" not in checked.stderr
    if not reports:
        return
    for args in (("report", "week", "--date", AFFECTED_DAY, "--format", "csv"),
                 ("export", "billing", "--from", "2026-11-09", "--to", "2026-11-15")):
        affected = run(root, *args)
        assert affected.returncode == 1, affected.stderr
        assert "internal error" not in affected.stderr
        assert f"warning (left out of this report): {bad}" in affected.stderr
        assert affected.stdout.strip(), "the rest of the week is still reported"
    for args in (("report", "week", "--date", UNAFFECTED_DAY, "--format", "csv"),
                 ("export", "billing", "--from", "2026-11-16", "--to", "2026-11-22")):
        fine = run(root, *args)
        assert fine.returncode == 0, fine.stderr
        assert str(bad) not in fine.stderr


def test_the_untouched_copy_verifies_and_reports(clinic: Path) -> None:
    assert run(clinic, "verify").returncode == 0
    assert run(clinic, "report", "week", "--date", AFFECTED_DAY).returncode == 0


def test_a_time_without_a_time_zone(clinic: Path) -> None:
    bad = a_record(clinic)
    edit_attendance(bad, lambda e: e.update(status="present", arrived=f"{AFFECTED_DAY}T09:05:00"))
    assert_costs_only_itself(clinic, bad)
    assert "field 'arrived' is a time without a time zone" in run(clinic, "verify").stdout


def test_a_client_id_written_as_a_number(clinic: Path) -> None:
    bad = a_record(clinic)
    edit_attendance(bad, lambda e: e.update(client_id=1017))
    assert_costs_only_itself(clinic, bad)


def test_a_client_id_that_is_not_in_the_clinic(clinic: Path) -> None:
    bad = a_record(clinic)
    edit_attendance(bad, lambda e: e.update(client_id="NOPE-1"))
    assert_costs_only_itself(clinic, bad)
    assert "client id 'NOPE-1', which is not in clinic.json" in run(clinic, "verify").stdout


def test_an_unknown_status(clinic: Path) -> None:
    bad = a_record(clinic)
    edit_attendance(bad, lambda e: e.update(status="asleep"))
    assert_costs_only_itself(clinic, bad)


def test_a_fifo_in_place_of_a_record(clinic: Path) -> None:
    bad = a_record(clinic)
    bad.unlink()
    os.mkfifo(bad)
    assert_costs_only_itself(clinic, bad)
    assert "is a FIFO (named pipe), not a regular file" in run(clinic, "verify").stdout


def test_a_symlink_to_dev_zero_in_place_of_a_record(clinic: Path) -> None:
    bad = a_record(clinic)
    bad.unlink()
    bad.symlink_to("/dev/zero")
    assert_costs_only_itself(clinic, bad)
    assert "is a symbolic link, not a regular file" in run(clinic, "verify").stdout


def test_a_json_nesting_bomb_in_a_record(clinic: Path) -> None:
    bad = a_record(clinic)
    bad.write_text("[" * 200_000 + "]" * 200_000)
    assert_costs_only_itself(clinic, bad)


def test_a_record_larger_than_any_clinic_writes(clinic: Path) -> None:
    bad = a_record(clinic)
    with open(bad, "r+b") as handle:          # sparse: 65 MB that cost no disk
        handle.truncate(65 * 2**20)
    assert_costs_only_itself(clinic, bad)
    assert "larger than 64 MB" in run(clinic, "verify").stdout


def test_a_symlinked_month_folder_is_never_followed(clinic: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(clinic / "records" / "2026" / "11", elsewhere)
    shutil.rmtree(clinic / "records" / "2026" / "11")
    (clinic / "records" / "2026" / "11").symlink_to(elsewhere)
    checked = run(clinic, "verify")
    assert checked.returncode == 1
    assert f"{clinic / 'records' / '2026' / '11'} is a symbolic link" in checked.stdout
    assert str(elsewhere) not in checked.stdout          # nothing inside it was read


def test_a_bad_hours_month_file(clinic: Path) -> None:
    hours = clinic / "hours"
    hours.mkdir(exist_ok=True)
    bad = hours / "2026-11.json"
    bad.write_text(json.dumps({"_meta": {"1": {"schema": 1, "kind": "other-hours", "generation": 1}},
                               "entries": {"1": {"client_id": "RB-1001", "day": AFFECTED_DAY,
                                                 "minutes": "sixty", "kind": "individual"}}}))
    bad.chmod(0o640)
    checked = run(clinic, "verify")
    assert checked.returncode == 1 and str(bad) in checked.stdout
    assert "field 'minutes' must be a whole number" in checked.stdout
    week = run(clinic, "report", "week", "--date", UNAFFECTED_DAY, "--format", "csv")
    assert week.returncode == 1 and f"warning (left out of this report): {bad}" in week.stderr
    october = run(clinic, "report", "week", "--date", "2026-10-21", "--format", "csv")
    assert october.returncode == 0, october.stderr


def test_a_dotted_key_bomb_plan(clinic: Path) -> None:
    bad = clinic / "plans" / "bomb.toml"
    bad.write_text(".".join(["a"] * 100_000) + " = 1\n")     # 200 KB
    checked = run(clinic, "verify")
    assert checked.returncode == 1
    assert f"{bad}, line 1: a key has more than 16 dotted parts" in checked.stdout
    for day in (AFFECTED_DAY, UNAFFECTED_DAY):
        assert run(clinic, "report", "week", "--date", day).returncode == 0


def test_a_deeply_nested_plan(clinic: Path) -> None:
    bad = clinic / "plans" / "deep.toml"
    bad.write_text("x = " + "[" * 50_000 + "]" * 50_000 + "\n")
    checked = run(clinic, "verify")
    assert checked.returncode == 1
    assert f"{bad}, line 1: lists or tables nest more than 16 deep" in checked.stdout
    week = run(clinic, "report", "week", "--date", UNAFFECTED_DAY)
    assert week.returncode == 0 and "RecursionError" not in week.stderr


def test_a_plan_that_is_a_fifo(clinic: Path) -> None:
    bad = clinic / "plans" / "pipe.toml"
    os.mkfifo(bad)
    checked = run(clinic, "verify")
    assert checked.returncode == 1 and f"{bad} is a FIFO" in checked.stdout
    assert run(clinic, "report", "week", "--date", UNAFFECTED_DAY).returncode == 0


def test_a_fifo_among_the_audit_months(clinic: Path) -> None:
    bad = clinic / "audit" / "2000-01.jsonl"
    os.mkfifo(bad)
    checked = run(clinic, "verify")
    assert checked.returncode == 1 and f"{bad} is a FIFO" in checked.stdout
    assert run(clinic, "report", "week", "--date", UNAFFECTED_DAY).returncode == 0


def test_an_audit_line_of_the_wrong_shape(clinic: Path) -> None:
    month = sorted((clinic / "audit").glob("*.jsonl"))[-1]
    lines = month.read_text().splitlines()
    entry = json.loads(lines[0])
    entry["at"] = entry["at"][:19]                       # the time zone cut off
    lines[0] = json.dumps(entry, sort_keys=True)
    month.write_text("\n".join(lines) + "\n")
    checked = run(clinic, "verify")
    assert checked.returncode == 1
    assert f"{month}, line 1: field 'at' is a time without a time zone" in checked.stdout


def test_a_pins_file_of_the_wrong_shape(clinic: Path) -> None:
    bad = clinic / "pins.json"
    bad.write_text(json.dumps({"_meta": {"1": {"schema": 1, "kind": "pins", "generation": 1}},
                               "pins": {"1": {"user": os_user(), "salt": "zz", "hash": 7}}}))
    bad.chmod(0o640)                     # only the contents are wrong
    checked = run(clinic, "verify")
    assert checked.returncode == 1
    assert f"{bad} is damaged: a PIN entry's field 'salt' is not hexadecimal" in checked.stdout
    assert run(clinic, "report", "week", "--date", UNAFFECTED_DAY).returncode == 0


def test_backup_never_follows_a_planted_symlink(clinic: Path, tmp_path: Path) -> None:
    private = tmp_path / "admin-private.txt"
    private.write_text("invented private text of an admin\n")
    private.chmod(0o600)
    planted = clinic / "records" / "2026" / "11" / "2026-11-11-0000-x.json"
    planted.symlink_to(private)
    (clinic / "plans" / "notes.toml").symlink_to(private)
    os.mkfifo(clinic / "records" / "2026" / "11" / "2026-11-12-0000-y.json")
    dest = tmp_path / "backup.tar"
    done = run(clinic, "backup", str(dest))
    assert done.returncode == 0, done.stderr
    import tarfile
    with tarfile.open(dest) as tar:
        members = tar.getmembers()
        assert all(m.isreg() or m.isdir() for m in members)
        assert all(b"invented private text" not in tar.extractfile(m).read()   # type: ignore[union-attr]
                   for m in members if m.isreg())
    assert "records/2026/11/2026-11-12-0000-y.json" not in {m.name for m in members}
    checked = run(clinic, "verify")
    assert f"{planted} is a symbolic link" in checked.stdout


def test_a_bad_plan_that_a_group_uses_is_named_by_the_report(clinic: Path) -> None:
    clinic_doc = json.loads((clinic / "clinic.json").read_text())
    plan_id = next(g["plan"] for g in clinic_doc["groups"].values() if g.get("plan"))
    bad = clinic / "plans" / f"{plan_id}.toml"
    bad.write_text("x = " + "[" * 50_000 + "]" * 50_000 + "\n")
    bad.chmod(0o640)
    week = run(clinic, "report", "week", "--date", UNAFFECTED_DAY, "--format", "csv")
    assert week.returncode == 1, week.stderr
    assert f"warning (left out of this report): {bad} is damaged: it is a group's session plan" \
        in week.stderr
    assert week.stdout.strip()


@pytest.mark.parametrize("change", [
    lambda c: c.update(groups=["No Such Group"]),
    lambda c: c.update(level_of_care="residential"),
    lambda c: c.update(first_name="Avery\u202e"),
    lambda c: c.update(admitted="9999-12-27"),
])
def test_a_bad_client_in_clinic_json_is_named_and_nothing_crashes(clinic: Path, change) -> None:
    path = clinic / "clinic.json"
    data = json.loads(path.read_text())
    change(next(iter(data["clients"].values())))
    path.write_text(json.dumps(data))
    checked = run(clinic, "verify")
    assert checked.returncode == 1 and f"{path} is damaged" in checked.stdout + checked.stderr
    week = run(clinic, "report", "week", "--date", UNAFFECTED_DAY)
    assert week.returncode == 1 and f"{path} is damaged" in week.stderr
    assert "internal error" not in week.stderr and "Avery" not in week.stderr


@pytest.mark.parametrize("planted", ['{"seq": "x", "hash": 5}', "[1, 2]", "[" * 100_000],
                         ids=["wrong-types", "not-an-object", "nesting-bomb"])
def test_a_planted_last_audit_line_does_not_stop_every_write(clinic: Path, planted: str) -> None:
    month = sorted((clinic / "audit").glob("*.jsonl"))[-1]
    with open(month, "a") as handle:
        handle.write(planted + "\n")
    week = run(clinic, "report", "week", "--date", UNAFFECTED_DAY)   # audits itself: a write
    assert week.returncode == 0, week.stderr
    checked = run(clinic, "verify")
    assert checked.returncode == 1 and str(month) in checked.stdout


def test_a_record_copied_under_another_sessions_name(clinic: Path) -> None:
    source = a_record(clinic, UNAFFECTED_DAY)
    bad = source.parent / f"{AFFECTED_DAY}-0900-copied.json"
    shutil.copy(source, bad)
    assert_costs_only_itself(clinic, bad)
    assert "its header is for another session than its file name says" in run(clinic, "verify").stdout


@pytest.mark.parametrize("folder", ["records", "hours", "plans"])
def test_a_symlinked_top_folder_is_named_and_never_followed(clinic: Path, tmp_path: Path, folder: str) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "2026-11.json").write_text("[" * 200_000)       # would be damaged if read
    (elsewhere / "x.toml").write_text("x = " + "[" * 50_000)
    target = clinic / folder
    if target.exists():
        shutil.rmtree(target)
    target.symlink_to(elsewhere)
    checked = run(clinic, "verify")
    assert checked.returncode == 1
    assert f"{target} is a symbolic link" in checked.stdout
    assert str(elsewhere) not in checked.stdout


# --- issue #21 case 4: files that are not regular, wherever they are read ----------------------

def test_a_fifo_as_witnesses_json_is_named_by_verify_and_never_waited_on(clinic: Path) -> None:
    (clinic / "witnesses.json").unlink(missing_ok=True)
    os.mkfifo(clinic / "witnesses.json")
    checked = run(clinic, "verify")                      # before: blocked in open() forever
    assert checked.returncode == 1, checked.stderr
    assert f"{clinic / 'witnesses.json'} is a FIFO (named pipe), not a regular file" in checked.stdout
    assert "Traceback" not in checked.stderr


def test_a_fifo_as_a_laptops_lock_mark_or_the_config_file_is_never_waited_on(clinic: Path, tmp_path: Path) -> None:
    os.mkfifo(clinic / "locked.json")
    done = run(clinic, "report", "week", "--date", UNAFFECTED_DAY, "--format", "csv")
    assert done.returncode != 0 and "Traceback" not in done.stderr      # a locked copy, not a hang
    config = tmp_path / "xdg" / "facilitator" / "config.toml"
    config.parent.mkdir(parents=True)
    os.mkfifo(config)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACILITATOR_")}
    try:
        where = subprocess.run([sys.executable, "-m", "facilitator.cli", "where"], capture_output=True, text=True,
                               timeout=TIMEOUT, env={**env, "XDG_CONFIG_HOME": str(tmp_path / "xdg")},
                               stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail("`facilitator where` waited on a FIFO as its configuration file")
    assert where.returncode == 2 and str(config) in where.stderr and "FIFO" in where.stderr, where.stderr


def test_a_hard_linked_data_file_is_named_by_verify(clinic: Path, tmp_path: Path) -> None:
    bad = a_record(clinic)
    os.link(bad, tmp_path / "another-name.json")
    checked = run(clinic, "verify")
    assert checked.returncode == 1, checked.stderr
    assert f"{bad} has 2 hard links" in checked.stdout
