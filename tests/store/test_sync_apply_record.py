"""How the host applies one record's pushed changes (sync/apply.py ``apply_record_changes``),
in process: the branches the authorization tests (test_sync_authority.py) do not reach. A
record the host lacks lands only with an acceptable header, taken first whatever the order;
a refused header refuses the rest once; a part pushed as null is removed; a change that
leaves the bytes as they are writes nothing. Written against the function before it was
split (#23), so the split is shown to keep its behaviour. Every name is invented."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from facilitator.core.rules import Status
from facilitator.core.session import session_id_for
from facilitator.store.running import start_session
from facilitator.store.staff import add_staff
from facilitator.sync.apply import apply_record_changes
from facilitator.sync.merge import record_parts, short_hash
from tests.conftest import FakeClock
from tests.store._sync_support import GROUP, copy_clinic, make_demo, open_as, record_of

C1 = "counselor1"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    root = make_demo(tmp_path_factory.mktemp("template") / "clinic")
    add_staff(open_as(root), C1, "Invented Person", "counselor")
    running = start_session(open_as(root, C1), GROUP)
    for client in running.record().roster:
        running.mark(client, Status.PRESENT)
    return root, running.session_id, running.record().roster


@pytest.fixture
def host(template, tmp_path):
    root, session_id, clients = template
    return copy_clinic(root, tmp_path / "host"), session_id, clients


def _rel(session_id: str) -> str:
    return f"records/{session_id[:4]}/{session_id[5:7]}/{session_id}.json"


def _audit(root, action: str) -> list[dict]:
    return [entry for path in sorted((root / "audit").glob("*.jsonl"))
            for entry in map(json.loads, path.read_text().splitlines()) if entry.get("action") == action]


def _next_week(root, session_id: str) -> tuple[str, dict, datetime]:
    """The same group's session a week or more on: its id, a header for it, and its start."""
    data = open_as(root, C1)
    group = data.snapshot().groups[GROUP]
    day = data.now().date() + timedelta(days=7)
    while not group.meetings(day, day, data.settings().tz):
        day += timedelta(days=1)
    start = datetime.combine(day, group.start, data.settings().tz)
    ahead = session_id_for(GROUP, start)
    header = dict(record_parts(record_of(root, session_id))["header"], session_id=ahead, day=day.isoformat(),
                  scheduled_start=start.isoformat(), scheduled_end=group.end_of(start).isoformat())
    return ahead, header, start


def _attendance(root, session_id: str, client: str) -> dict:
    entry = dict(record_parts(record_of(root, session_id))[f"att:{client}"], status="absent",
                 arrived=None, left=None)
    entry.pop("updated_at", None)
    return entry



def test_every_kind_of_part_the_host_authorizes_has_its_way_to_be_read_and_stored():
    from facilitator.sync.apply import KINDS, PART
    from facilitator.sync.authority import AUTHORIZE
    assert set(KINDS) == set(AUTHORIZE)
    assert all(PART.fullmatch(kind if kind in ("header", "blocks", "roster", "history") else f"{kind}:C1")
               for kind in KINDS)


def test_a_record_the_host_lacks_whose_header_is_refused_is_refused_once_for_all(host):
    root, session_id, clients = host
    ahead, header, start = _next_week(root, session_id)     # dated after tomorrow on the host's clock
    changes = [{"part": f"att:{c}", "was": None, "value": _attendance(root, session_id, c)}
               for c in clients[:2]] + [{"part": "header", "was": None, "value": header}]
    reply = apply_record_changes(open_as(root, C1), _rel(ahead), changes)
    assert [r["part"] for r in reply["refused"]] == ["header"]
    assert reply["refused"][0]["reason"].endswith("after today on the host (so its 2 other changes were not "
                                                  "taken either)")
    assert reply["stale"] == [] and reply["base"] == {}
    assert not (root / _rel(ahead)).exists()
    assert len(_audit(root, "sync.refused")) == 1 and _audit(root, "sync.apply") == []
    one = apply_record_changes(open_as(root, C1), _rel(ahead), changes[1:])
    assert one["refused"][0]["reason"].endswith("(so its 1 other change was not taken either)")


def test_a_record_the_host_lacks_pushed_without_its_header_is_refused_change_by_change(host):
    root, session_id, clients = host
    ahead, _, start = _next_week(root, session_id)
    changes = [{"part": f"att:{c}", "was": None, "value": _attendance(root, session_id, c)}
               for c in clients[:2]]
    reply = apply_record_changes(open_as(root, C1, clock=FakeClock(start)), _rel(ahead), changes)
    assert [r["part"] for r in reply["refused"]] == [f"att:{c}" for c in sorted(clients[:2])]
    assert all("no acceptable header came with it" in r["reason"] for r in reply["refused"])
    assert not (root / _rel(ahead)).exists() and reply["base"] == {}


def test_a_new_records_header_is_taken_first_and_what_follows_is_checked_against_it(host):
    root, session_id, clients = host
    ahead, header, start = _next_week(root, session_id)
    att = _attendance(root, session_id, clients[0])
    # a laptop's losing version (the host keeps only its own part "as the host's": h-synchard)
    history = {"part": "attendance", "client_id": clients[0], "side": "laptop", "entry": att}
    changes = [{"part": "history", "was": "anything", "value": [history]},
               {"part": f"att:{clients[0]}", "was": None, "value": att},
               {"part": "header", "was": None, "value": header}]
    reply = apply_record_changes(open_as(root, C1, clock=FakeClock(start)), _rel(ahead), changes)
    assert reply["refused"] == [] and reply["stale"] == []
    stored = record_of(root, ahead)
    assert record_parts(stored) == {"header": header, f"att:{clients[0]}": att}
    assert list(stored["history"].values()) == [history]
    assert reply["base"] == {"header": short_hash(header), f"att:{clients[0]}": short_hash(att)}
    assert _audit(root, "sync.apply")[-1]["detail"] == {"changes": 3, "kinds": ["att", "header", "history"]}


def test_a_part_pushed_as_null_is_removed_and_a_change_to_the_same_bytes_writes_nothing(host):
    root, session_id, clients = host
    parts = record_parts(record_of(root, session_id))
    part = f"att:{clients[0]}"
    same = [{"part": part, "was": short_hash(parts[part]), "value": parts[part]}]
    apply_record_changes(open_as(root, C1), _rel(session_id), same)     # the host's tables in sync's order
    before = (root / _rel(session_id)).read_bytes()
    again = apply_record_changes(open_as(root, C1), _rel(session_id), same)
    assert again["refused"] == [] and again["stale"] == []
    assert (root / _rel(session_id)).read_bytes() == before
    generation = record_of(root, session_id)["_meta"]["1"]["generation"]
    gone = apply_record_changes(open_as(root, C1), _rel(session_id),
                                [{"part": part, "was": short_hash(parts[part]), "value": None}])
    assert gone["refused"] == [] and part not in gone["base"]
    assert part not in record_parts(record_of(root, session_id))
    assert record_of(root, session_id)["_meta"]["1"]["generation"] == generation + 1


def test_an_hours_entry_the_host_holds_is_not_added_twice_and_one_it_lacks_is_not_removed(host):
    from facilitator.sync.apply import apply_hours_changes
    root, session_id, clients = host
    rel = f"hours/{session_id[:7]}.json"
    entry = {"client_id": clients[0], "day": session_id[:10], "minutes": 50, "kind": "individual", "uid": "6" * 32}
    first = apply_hours_changes(open_as(root, C1), rel, "f" * 16, [entry], [])
    assert first == {"uids": ["6" * 32], "refused": []}
    before = (root / rel).read_bytes()
    again = apply_hours_changes(open_as(root, C1), rel, "f" * 16, [dict(entry, minutes=90)], ["7" * 32])
    assert again == {"uids": ["6" * 32], "refused": []}
    assert (root / rel).read_bytes() == before
    assert [e["action"] for e in _audit(root, "hours.add")] == ["hours.add"] and _audit(root, "hours.remove") == []
    odd = apply_hours_changes(open_as(root, C1), rel, "f" * 16, ["not a dict"], [7])
    assert [r["record"] for r in odd["refused"]] == [f"hours:{session_id[:7]}:7", f"hours:{session_id[:7]}:None"]
    assert (root / rel).read_bytes() == before
