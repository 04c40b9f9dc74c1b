"""The ids `hours list` shows name one entry on every device (issue #22, "hours ids shown as
2026-12#4 exist on a laptop and on the host for different entries").

A laptop and a host each log an entry before they sync: both are number 1 in their own
month file, so the older ``2026-11#1`` named two different entries. The id shown now comes
from the entry's uid (the key sync merges by), so after the sync each entry has the same id
on both sides, and removing it by that id on one side removes that entry, everywhere.
Real data directories, the real program (under libfaketime), the host served by
`facilitator sync --serve` over pipes; every name is invented (the demo clinic).
"""

from __future__ import annotations

import json
import subprocess

import pytest

from facilitator.core.hours import OtherHours
from facilitator.store import otherhours
from tests.store._support import bare_binding
from tests.store._sync_support import AT, invalid, make_demo, open_as, program, run_session, synced, synced_pair


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory):
    return make_demo(tmp_path_factory.mktemp("template") / "clinic")


@pytest.fixture
def pair(tmp_path, demo_template):
    return synced_pair(demo_template, tmp_path)


def facilitator(root, *args):
    done = subprocess.run([str(program(root.parent)), *args, "--data", str(root)],
                          capture_output=True, text=True, timeout=60)
    assert "Traceback" not in done.stderr
    return done


def listed(root, day):
    done = facilitator(root, "hours", "list", "--from", day, "--to", day, "--format", "json")
    assert done.returncode == 0, done.stderr
    return {e["id"]: (e["client_id"], e["minutes"], e["kind"]) for e in json.loads(done.stdout)["entries"]}


def test_an_id_names_the_same_entry_on_the_laptop_and_the_host(pair):
    laptop, host = pair
    day = AT.date().isoformat()
    client = run_session(laptop, sign=False)[1][0]
    on_laptop = facilitator(laptop, "hours", "add", client, "--date", day, "--minutes", "50",
                            "--kind", "individual")
    on_host = facilitator(host, "hours", "add", client, "--date", day, "--minutes", "40", "--kind", "family")
    assert on_laptop.returncode == 0 and on_host.returncode == 0, (on_laptop.stderr, on_host.stderr)
    # Both are entry 1 of their own month file: the old ids would both be 2026-11#1.
    for root in (laptop, host):
        assert [i for i, _ in otherhours.between(root / "hours", AT.date(), AT.date())[0]] == [1]
    laptop_id = on_laptop.stdout.split("(id ")[1].rstrip(").\n")
    host_id = on_host.stdout.split("(id ")[1].rstrip(").\n")
    assert laptop_id != host_id and laptop_id.startswith("2026-11:") and len(laptop_id) == 16
    synced(laptop, host)
    both = listed(laptop, day)
    assert both == listed(host, day) == {laptop_id: (client, 50, "individual"),
                                         host_id: (client, 40, "family")}
    # The laptop's own number for the host's entry is now 2; the id did not move.
    assert sorted(i for i, _ in otherhours.between(laptop / "hours", AT.date(), AT.date())[0]) == [1, 2]

    # Removing the host's entry by its id, on the laptop, removes that one, and the sync
    # carries the removal to the host.
    removed = facilitator(laptop, "hours", "remove", host_id.upper())
    assert removed.returncode == 0, removed.stderr
    assert "40 minutes of family time" in removed.stdout
    synced(laptop, host)
    assert listed(laptop, day) == listed(host, day) == {laptop_id: (client, 50, "individual")}
    assert invalid(laptop) == [] and invalid(host) == []


def test_a_wrong_ambiguous_or_malformed_id_is_one_sentence_and_writes_nothing(pair):
    laptop, _ = pair
    day = AT.date()
    client = run_session(laptop, sign=False)[1][0]
    ref = otherhours.log(open_as(laptop), OtherHours(client, day, 50, "individual"))
    before = (laptop / "hours" / f"{day:%Y-%m}.json").read_bytes()
    for typed, words in ((ref[:-1], "not an id"),                 # 7 digits: too short to be sure
                         ("2026-11:00000000", "no logged session"),
                         ("2026-13:" + ref[8:], "not a real date"),
                         ("2026-11#x", "not an id"), ("", "not an id"), ("2026-11#99", "no logged session"),
                         ("2026-11#\uff11", "digits 0-9")):
        done = facilitator(laptop, "hours", "remove", typed)
        assert done.returncode == 2, (typed, done.stderr)
        assert words in done.stderr and done.stderr.count("\n") == 1, (typed, done.stderr)
    assert (laptop / "hours" / f"{day:%Y-%m}.json").read_bytes() == before


def test_ids_lengthen_while_two_entries_of_a_month_share_their_first_digits():
    from datetime import date
    docs = [{"_id": 1, "uid": "abcdef01" + "1" * 24}, {"_id": 2, "uid": "abcdef01" + "2" * 24},
            {"_id": 3, "uid": "0" * 32}, {"_id": 4, "origin": "aaaa:1"}, {"_id": 5}]
    refs = otherhours.entry_refs(date(2026, 11, 1), docs)
    assert refs[1] == "2026-11:abcdef011" and refs[2] == "2026-11:abcdef012" and refs[3] == "2026-11:00000000"
    # An earlier sync's name (not 32 hex digits) is hashed; an entry with no uid has none yet.
    assert len(refs[4]) == 16 and 5 not in refs
    with pytest.raises(Exception, match="more than one entry"):
        otherhours._find(docs, date(2026, 11, 1), "abcdef01", None)


def test_the_older_per_device_id_still_removes_this_devices_entry(pair):
    laptop, _ = pair
    day = AT.date()
    client = run_session(laptop, sign=False)[1][0]
    otherhours.log(open_as(laptop), OtherHours(client, day, 50, "individual"))
    done = facilitator(laptop, "hours", "remove", f"{day:%Y-%m}#1")
    assert done.returncode == 0, done.stderr
    assert otherhours.between(laptop / "hours", day, day)[0] == []


def test_an_entry_from_before_uids_keeps_its_per_device_id_until_synced(tmp_path):
    """A month file written before entries carried uids: listed (and removable) by its old id."""
    from datetime import date
    hours = tmp_path / "hours"
    day = date(2026, 11, 20)
    with bare_binding(tmp_path):                                     # the file mechanics only
        otherhours.add(hours, OtherHours("Z001", day, 50, "individual"))
    with bare_binding(tmp_path), otherhours.month_file(hours, day).transaction() as db:   # as an old version wrote it
        db.table("entries").insert(OtherHours("Z002", day, 40, "family").to_dict())
    found, problems = otherhours.listed(hours, day, day)
    assert problems == [] and [e.client_id for _, e in found] == ["Z001", "Z002"]
    assert found[0][0].startswith("2026-11:") and found[1][0] == "2026-11#2"
    assert otherhours.parse_ref("2026-11#2") == (date(2026, 11, 1), None, 2)
    assert otherhours.parse_ref(" " + found[0][0].upper() + " ") == (date(2026, 11, 1), found[0][0][8:], None)
