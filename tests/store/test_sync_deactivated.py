"""Issue #20: a deactivated account's laptop is told at its next sync, with a real pair of data
directories and real processes (``synced_pair``): the host refuses it in one sentence and
audits the attempt by ids, the laptop locks its clinic (the app and every command refuse in
one sentence) and pushes nothing; after an admin reactivates the account the next sync
unlocks it and the change made before the lock arrives. Every name is invented."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from facilitator.store.clinic import open_clinic
from facilitator.store.datadir import LOCK_FILE, ClinicLocked
from facilitator.store.identity import os_user
from facilitator.store.records import record_path
from facilitator.store.staff import add_staff, deactivate, reactivate
from tests.store._sync_support import (
    DAY,
    make_demo,
    open_as,
    program,
    run_session,
    run_sync,
    synced,
    synced_pair,
)

ADMIN2 = "rt_admin2"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    root = make_demo(tmp_path_factory.mktemp("template") / "clinic")
    add_staff(open_as(root), ADMIN2, "Invented Second Admin", "admin")
    return root


def _data_files(root: Path) -> dict[str, bytes]:
    """clinic.json, records, hours and recovery plans: what a push could change (the audit
    log is left out: the host logs the refusal)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.json"))
            if p.is_file() and not p.name.startswith(".")
            and p.relative_to(root).parts[0] in ("clinic.json", "records", "hours", "recovery")}


def _one_sentence(text: str) -> str:
    assert "Traceback" not in text, text
    assert text.count("\n") == 1, text
    return text.strip()


def test_a_deactivated_accounts_laptop_locks_pushes_nothing_and_unlocks_when_reactivated(
        template: Path, tmp_path: Path) -> None:
    laptop, host = synced_pair(template, tmp_path)
    session_id, _ = run_session(laptop)                      # made on the laptop, not yet pushed
    deactivate(open_as(host, ADMIN2), os_user())
    before = _data_files(host)

    done = run_sync(laptop, host)
    assert done.returncode == 2, done.stdout + done.stderr
    said = _one_sentence(done.stderr)
    assert "deactivated" in said and "locked" in said and "nothing was pushed" in said
    assert _data_files(host) == before
    assert not record_path(host / "records", session_id).exists()
    assert (laptop / LOCK_FILE).is_file()
    log = b"".join(p.read_bytes() for p in sorted((host / "audit").glob("*.jsonl")))
    refused = [json.loads(line) for line in log.splitlines() if b'"sync.refused"' in line]
    assert len(refused) == 1 and refused[0]["user"] == os_user()

    # The laptop's clinic opens for nothing: in process, a command, and the app itself.
    with pytest.raises(ClinicLocked):
        open_clinic(laptop)
    here = str(program(laptop.parent))
    for argv in ([here, "report", "week", "--date", DAY, "--data", str(laptop)],
                 [here, "hours", "list", "--from", DAY, "--to", DAY, "--data", str(laptop)],
                 [here, "--data", str(laptop)]):
        out = subprocess.run(argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert out.returncode == 2, out.stderr
        assert "is locked" in _one_sentence(out.stderr) and out.stdout == ""

    # Still refused: still locked, still nothing pushed.
    assert run_sync(laptop, host).returncode == 2
    assert _data_files(host) == before

    reactivate(open_as(host, ADMIN2), os_user())
    synced(laptop, host)
    assert not (laptop / LOCK_FILE).exists()
    assert open_clinic(laptop).snapshot().staff[os_user()].active
    assert record_path(host / "records", session_id).exists()     # the change made before the lock


def test_a_damaged_or_foreign_lock_file_still_locks(template: Path, tmp_path: Path) -> None:
    laptop, _ = synced_pair(template, tmp_path)
    (laptop / LOCK_FILE).write_bytes(b"\x1b[2J not json")
    with pytest.raises(ClinicLocked) as refused:
        open_clinic(laptop)
    assert "\x1b" not in str(refused.value)


def test_an_account_name_from_the_host_never_reaches_the_terminal_raw() -> None:
    from facilitator.sync.client import AccountDeactivated
    said = str(AccountDeactivated("rt\x1b]0;owned\x07coun1"))
    assert "\x1b" not in said and "\x07" not in said and said.endswith(".")
