"""`store.corrections.correct_attendance` as other accounts (issue #20): a counselor who did not
facilitate the session and a supervisor are refused, nothing written; a running session is
corrected with the keys, not here. Every name is invented."""

from __future__ import annotations

import pytest

from facilitator.core.errors import InputError, PermissionDenied
from facilitator.core.rules import Status
from facilitator.store.clinic import open_clinic
from facilitator.store.corrections import correct_attendance
from facilitator.store.running import start_session
from facilitator.store.staff import add_staff
from tests.cli.conftest import tree_bytes
from tests.tui.test_session_end import run_short_session


def test_only_its_facilitators_and_admins_correct_a_session(clinic, fake_clock):
    running = run_short_session(clinic, fake_clock)
    add_staff(clinic, "counselor2", "Invented Other", "counselor")
    add_staff(clinic, "supervisor1", "Invented Supervisor", "supervisor")
    before = tree_bytes(clinic.root)
    for user in ("counselor2", "supervisor1"):
        other = open_clinic(clinic.root, user=user, clock=fake_clock)
        with pytest.raises(PermissionDenied):
            correct_attendance(other, running.session_id, "T002", arrived="18:05", reason="sheet")
    changed = {k for k, v in tree_bytes(clinic.root).items() if before.get(k) != v}
    assert all(k.startswith("audit/") for k in changed)          # the refusals are audited, nothing else
    assert running.record().attendance["T002"].corrections == ()
    done = correct_attendance(clinic, running.session_id, "t002", arrived="18:05", reason="sheet")
    assert (done.entry.status, done.credited_was, done.credited_now) == (Status.LATE, 160, 165)


def test_a_running_session_is_not_corrected_here(clinic, fake_clock):
    running = start_session(clinic, "Evening IOP")
    running.mark("T001", Status.PRESENT)
    with pytest.raises(InputError, match="has not ended"):
        correct_attendance(clinic, running.session_id, "T001", status="absent", reason="x")
