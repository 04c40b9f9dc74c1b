"""Issue #21 case 1: the host authorizes every pushed part as the store would a local user.

A laptop adds no facilitator (a counselor added themself to a colleague's session, then
added an addendum to that colleague's signed note); ``history`` grows only by a merge's
losing versions (the host's own part as it holds it, or a well-formed laptop version);
every part has a size cap (a 25 MB ``history`` part once broke every laptop's sync) and a
record never grows past what sync can carry. Real files, in process, as each account."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from facilitator.core import notes as core_notes
from facilitator.sync import protocol as proto
from facilitator.sync.apply import apply_record_changes
from facilitator.sync.files import SyncRefused
from facilitator.sync.merge import record_parts
from tests.store._sync_support import open_as, record_of
from tests.store.test_sync_authority import C1, C2, SUP, _audited, _push, _refused, _rel, host, template  # noqa: F401 - the fixtures


def _history(root, user, session_id, *entries) -> dict:
    return apply_record_changes(open_as(root, user), _rel(session_id),
                                [{"part": "history", "was": None, "value": list(entries)}])


def test_a_counselor_cannot_join_a_colleagues_session_and_then_add_an_addendum(host):  # noqa: F811
    root, session_id, clients = host
    parts = record_parts(record_of(root, session_id))
    joined = dict(parts["header"], facilitators=[C1, C2])
    signed = core_notes.Note.from_dict(parts[f"note:{clients[1]}"])
    addendum = core_notes.add_addendum(signed, "Invented addendum.", C2, open_as(root).now() + timedelta(minutes=1))
    reply = _push(root, C2, session_id, {"header": joined, f"note:{clients[1]}": addendum.to_dict()})
    reasons = _refused(reply)
    assert "facilitators of" in reasons["header"] and "cannot be changed by sync" in reasons["header"]
    assert "did not facilitate" in reasons[f"note:{clients[1]}"]
    assert record_parts(record_of(root, session_id)) == parts
    assert "Invented" not in json.dumps(_audited(root))


def test_an_admin_or_the_facilitator_cannot_add_or_drop_one_either(host):  # noqa: F811
    root, session_id, clients = host
    parts = record_parts(record_of(root, session_id))
    for user, facilitators in ((C1, [C1, C2]), (C1, [C2]), (open_as(root).user, [C1, SUP])):
        reply = _push(root, user, session_id, {"header": dict(parts["header"], facilitators=facilitators)})
        assert "cannot be changed by sync" in _refused(reply)["header"], (user, facilitators)
    assert record_parts(record_of(root, session_id)) == parts


def test_a_new_session_is_pushed_by_its_one_facilitator_only(host):  # noqa: F811
    root, session_id, clients = host
    header = record_parts(record_of(root, session_id))["header"]
    (root / _rel(session_id)).unlink()       # the host has not heard of this session yet
    def new(user: str, facilitators: list[str]) -> dict:
        return apply_record_changes(open_as(root, user), _rel(session_id), [
            {"part": "header", "was": None, "value": dict(header, facilitators=facilitators)}])

    for user, facilitators in ((C1, [C1, C2]), (C2, [C1, C2]), (open_as(root).user, [C1])):
        assert "started by its one facilitator" in _refused(new(user, facilitators))["header"], user
        assert not (root / _rel(session_id)).exists()
    assert new(C1, [C1])["refused"] == []


def test_history_takes_the_hosts_own_part_but_not_words_put_in_its_mouth(host):  # noqa: F811
    root, session_id, clients = host
    parts = record_parts(record_of(root, session_id))
    held = {"part": "note", "client_id": clients[1], "side": "host", "entry": parts[f"note:{clients[1]}"]}
    forged = dict(held, entry=dict(parts[f"note:{clients[1]}"], body="Invented words never written."))
    header = {"part": "header", "client_id": None, "side": "laptop", "entry": parts["header"]}
    nobody = {"part": "attendance", "client_id": "Z999", "side": "laptop", "entry": parts[f"att:{clients[0]}"]}
    junk = {"part": "note", "client_id": clients[0], "side": "laptop", "entry": {"junk": "Invented"}}
    for entry, reason in ((header, "only ever keeps the host's"), (nobody, "no client 'Z999'"),
                          (junk, "malformed")):
        reply = _history(root, SUP, session_id, entry)
        assert reason in _refused(reply)["history"], entry
    # a version "of the host's" the host does not hold is left out, never stored (a laptop that
    # lost a race re-sends one at every sync, with the true losing versions of later syncs)
    assert _history(root, SUP, session_id, forged)["refused"] == []
    assert "history" not in record_of(root, session_id)
    assert _history(root, SUP, session_id, forged, held)["refused"] == []
    assert list(record_of(root, session_id)["history"].values()) == [held]
    laptop_side = dict(held, side="laptop", client_id=clients[0],
                       entry=dict(parts[f"note:{clients[0]}"], body="Invented draft."))
    assert _history(root, C1, session_id, laptop_side)["refused"] == []


def test_a_history_part_over_its_cap_is_refused_and_the_record_stays_syncable(host):  # noqa: F811
    root, session_id, clients = host
    parts = record_parts(record_of(root, session_id))
    draft = parts[f"note:{clients[0]}"]
    huge = {"part": "note", "client_id": clients[0], "side": "laptop",
            "entry": dict(draft, body="Invented " * (proto.MAX_PART // 9))}
    assert "over sync's" in _refused(_history(root, C1, session_id, huge))["history"]
    big_note = dict(draft, body="Invented " * (proto.MAX_PART // 9))
    assert "over sync's" in _refused(_push(root, C1, session_id, {f"note:{clients[0]}": big_note}))[
        f"note:{clients[0]}"]
    # each entry under the cap, together past what sync carries: the push is refused whole
    body = "Invented " * 9_000          # under core's 100,000 characters: 81 kB
    addenda = [{"body": body, "author": C1, "signed_at": draft["drafted_at"], "content_hash": "0" * 64}] * 18
    entries = [{"part": "note", "client_id": clients[0], "side": "laptop",
                "entry": dict(draft, body=f"{n} Invented draft.", addenda=addenda)} for n in range(4)]
    assert all(len(json.dumps(e["entry"])) < proto.MAX_PART for e in entries)
    reply = apply_record_changes(open_as(root, C1), _rel(session_id),
                                 [{"part": "history", "was": None, "value": entries}])
    assert reply["refused"] == [] and "history" in record_of(root, session_id)
    before = (root / _rel(session_id)).read_bytes()
    more = [dict(e, entry=dict(e["entry"], body=f"more {n}")) for n, e in enumerate(entries[:2])]
    with pytest.raises(SyncRefused, match="what sync carries"):
        _history(root, C1, session_id, *more)
    assert (root / _rel(session_id)).read_bytes() == before


# --- the same through the stock client and a hand-made one, as real processes ------------------

def test_the_stock_client_cannot_add_a_facilitator_to_a_session(template, tmp_path):  # noqa: F811
    """On a laptop cloned from the host, the laptop's account (this OS account, the demo's
    admin) adds a colleague to counselor1's session through its own store, and syncs:
    refused by id, the host's copy kept."""
    from tests.store._sync_support import copy_clinic, run_sync, synced
    root, session_id, _ = template
    clinic = copy_clinic(root, tmp_path / "host")
    laptop = tmp_path / "laptop"
    synced(laptop, clinic)
    held = record_parts(record_of(clinic, session_id))["header"]
    data = open_as(laptop)
    with data.change("session.header", session_id):      # the laptop's own store, audited there
        data.session_file(session_id).update_header(lambda h: h.with_changes(facilitators=(C1, C2)))
    done = run_sync(laptop, clinic)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"refused: {session_id} header: the facilitators of {session_id} cannot be changed by sync" \
        in done.stdout + done.stderr
    assert record_parts(record_of(clinic, session_id))["header"] == held


def test_a_hand_made_client_cannot_push_a_history_part_past_its_cap(template, tmp_path):  # noqa: F811
    from tests.store._sync_support import copy_clinic
    from tests.store.test_sync_bounds import Wire
    root, session_id, clients = template
    clinic = copy_clinic(root, tmp_path / "host")
    draft = record_parts(record_of(clinic, session_id))[f"note:{clients[0]}"]
    huge = {"part": "note", "client_id": clients[0], "side": "laptop",
            "entry": dict(draft, body="Invented " * (proto.MAX_PART // 9))}
    wire = Wire(clinic)
    reply = wire.call("put_changes", path=_rel(session_id),
                      changes=[{"part": "history", "was": None, "value": [huge]}])
    assert reply["ok"] is True and "over sync's" in reply["refused"][0]["reason"]
    assert "history" not in record_of(clinic, session_id)
    assert wire.close() == 0


def test_an_addendum_or_co_signature_is_stamped_as_the_store_would(host):  # noqa: F811
    """After the note's signature, and not beyond ten minutes after the host's clock."""
    root, session_id, clients = host
    parts = record_parts(record_of(root, session_id))
    signed = core_notes.Note.from_dict(parts[f"note:{clients[1]}"])
    now = open_as(root).now()
    part = f"note:{clients[1]}"
    when = signed.signed_at - timedelta(days=1)          # core will not make it; a laptop can
    early = core_notes.Note(**{**signed.__dict__, "addenda": (core_notes.Addendum(
        "Invented addendum.", C1, when, core_notes.addendum_hash(signed.content_hash, "Invented addendum.", C1,
                                                                 when)),)})
    ahead = core_notes.add_addendum(signed, "Invented addendum.", C1, now + timedelta(hours=2))
    assert "before the note was signed" in _refused(_push(root, C1, session_id, {part: early.to_dict()}))[part]
    assert "120 minutes after the host's clock" in _refused(_push(root, C1, session_id, {part: ahead.to_dict()}))[part]
    cosigned = core_notes.cosign(signed, SUP, now + timedelta(hours=1))
    assert "60 minutes after" in _refused(_push(root, SUP, session_id, {part: cosigned.to_dict()}))[part]
    assert record_parts(record_of(root, session_id)) == parts
    fine = core_notes.add_addendum(signed, "Invented addendum.", C1, now + timedelta(minutes=5))
    assert _push(root, C1, session_id, {part: fine.to_dict()})["refused"] == []
