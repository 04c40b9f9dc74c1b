"""Sync carries a participation word's block (issue #20, case 5): a counselor's word change is
an attendance-part change, read strictly on the host like every pushed entry."""

from __future__ import annotations

import pytest

from facilitator.core.rules import Status
from facilitator.core.session import AttendanceEntry
from facilitator.store.running import start_session
from facilitator.store.staff import add_staff
from facilitator.sync.apply import apply_record_changes
from facilitator.sync.merge import record_parts, short_hash
from tests.store._sync_support import GROUP, copy_clinic, make_demo, open_as, record_of

C1, SUP = "counselor1", "supervisor1"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    root = make_demo(tmp_path_factory.mktemp("template") / "clinic")
    for user, role in ((C1, "counselor"), (SUP, "supervisor")):
        add_staff(open_as(root), user, "Invented Person", role)
    running = start_session(open_as(root, C1), GROUP)
    client = running.record().roster[0]
    running.mark(client, Status.PRESENT)
    running.set_participation(client, ("engaged",), "")        # the session's word (no block yet)
    return root, running.session_id, client


@pytest.fixture
def host(template, tmp_path):
    root, session_id, client = template
    return copy_clinic(root, tmp_path / "host"), session_id, client


def _push(root, user, session_id, part, value) -> dict:
    rel = f"records/{session_id[:4]}/{session_id[5:7]}/{session_id}.json"
    parts = record_parts(record_of(root, session_id))
    return apply_record_changes(open_as(root, user), rel, [
        {"part": part, "was": short_hash(parts.get(part)), "value": value}])


def _entry(root, session_id, client) -> AttendanceEntry:
    return AttendanceEntry.from_dict(record_parts(record_of(root, session_id))[f"att:{client}"])


def test_a_counselors_word_in_a_block_lands_on_the_host_with_its_block(host):
    root, session_id, client = host
    laptop = _entry(root, session_id, client).with_block_picks(2, ("engaged", "feedback"))
    reply = _push(root, C1, session_id, f"att:{client}", laptop.to_dict())
    assert reply["refused"] == []
    landed = _entry(root, session_id, client)
    assert landed.picks == ("engaged",) and landed.block_picks == (("feedback", 2),)


def test_a_supervisor_cannot_push_a_word_change(host):
    root, session_id, client = host
    laptop = _entry(root, session_id, client).with_block_picks(1, ("engaged", "shared"))
    reply = _push(root, SUP, session_id, f"att:{client}", laptop.to_dict())
    assert [r["part"] for r in reply["refused"]] == [f"att:{client}"]
    assert "attendance.change" in reply["refused"][0]["reason"]
    assert _entry(root, session_id, client).block_picks == ()


@pytest.mark.parametrize("bad", [[["feedback", -1]], [["feedback", "2"]], "feedback@2", [[7, 1]]])
def test_a_malformed_block_word_is_refused_by_field_and_changes_nothing(host, bad):
    root, session_id, client = host
    before = record_of(root, session_id)
    doc = {**_entry(root, session_id, client).to_dict(), "block_picks": bad}
    reply = _push(root, C1, session_id, f"att:{client}", doc)
    assert [r["part"] for r in reply["refused"]] == [f"att:{client}"]
    reason = reply["refused"][0]["reason"]
    assert "block_picks" in reason and "feedback" not in reason    # the field named, never the word
    assert record_of(root, session_id) == before
