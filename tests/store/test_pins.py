"""PINs for the idle lock: salted scrypt hashes in DIR/pins.json, rate-limited, audited."""

from __future__ import annotations

import hashlib
import json
import stat

import pytest

from facilitator.core.errors import InputError, PermissionDenied
from facilitator.store import pins
from facilitator.store.pins import FIRST_WAIT_SECONDS, MAX_WAIT_SECONDS, Outcome, PinStore

PIN = "482913"


def audit(clinic) -> list[dict]:
    return [entry for _, _, entry in clinic.audit.entries() if entry]


def stored(clinic) -> dict:
    data = json.loads((clinic.root / "pins.json").read_text())
    docs = list(data["pins"].values())
    assert len(docs) == 1
    return docs[0]


def test_a_pin_is_stored_as_a_salted_scrypt_hash_and_verifies(clinic, fake_clock):
    clinic_before = (clinic.root / "clinic.json").read_bytes()
    store = PinStore(clinic.root, fake_clock)
    assert not store.has_pin("counselor1")
    store.set_pin("counselor1", PIN)
    assert store.has_pin("counselor1")
    doc = stored(clinic)
    assert PIN not in json.dumps(doc)
    salt = bytes.fromhex(doc["salt"])
    assert len(salt) == 16 and (doc["n"], doc["r"], doc["p"]) == (2 ** 14, 8, 1)
    assert doc["hash"] == hashlib.scrypt(PIN.encode(), salt=salt, n=2 ** 14, r=8, p=1, dklen=32).hex()
    assert stat.S_IMODE((clinic.root / "pins.json").stat().st_mode) == 0o640
    # The clinic file is not rewritten by a PIN change.
    assert (clinic.root / "clinic.json").read_bytes() == clinic_before

    assert store.check("counselor1", PIN).outcome is Outcome.OK
    assert store.check("counselor1", "000000").outcome is Outcome.WRONG
    assert store.check("someone-else", PIN).outcome is Outcome.NO_PIN


def test_the_same_pin_twice_gets_different_salts(clinic, fake_clock):
    store = PinStore(clinic.root, fake_clock)
    store.set_pin("counselor1", PIN)
    first = stored(clinic)
    store.set_pin("counselor1", PIN, replace=True)
    second = stored(clinic)
    assert first["salt"] != second["salt"] and first["hash"] != second["hash"]


@pytest.mark.parametrize("bad", ["", "123", "1234567890123", "12a4", "１２３４", " 1234", "12 34",
                                 "-1234"])
def test_pins_are_4_to_12_ascii_digits(clinic, fake_clock, bad):
    with pytest.raises(InputError) as err:
        PinStore(clinic.root, fake_clock).set_pin("counselor1", bad)
    assert bad.strip() == "" or bad not in str(err.value)
    assert not (clinic.root / "pins.json").exists()


def test_a_set_pin_is_not_replaced_without_saying_so(clinic, fake_clock):
    store = PinStore(clinic.root, fake_clock)
    store.set_pin("counselor1", PIN)
    with pytest.raises(InputError):
        store.set_pin("counselor1", "1111")
    assert store.check("counselor1", PIN).outcome is Outcome.OK


def test_wrong_pins_wait_30_s_after_three_then_doubling_and_survive_reopening(clinic, fake_clock):
    PinStore(clinic.root, fake_clock).set_pin("counselor1", PIN)
    for failures in (1, 2):
        attempt = PinStore(clinic.root, fake_clock).check("counselor1", "0000")
        assert (attempt.outcome, attempt.failures, attempt.retry_at) == (Outcome.WRONG, failures, None)
    third = PinStore(clinic.root, fake_clock).check("counselor1", "0000")
    assert third.outcome is Outcome.WRONG and third.failures == 3
    assert third.wait_seconds(fake_clock()) == FIRST_WAIT_SECONDS

    # A new store object (as after restarting the app) still sees the wait,
    # and even the right PIN is not checked during it.
    reopened = PinStore(clinic.root, fake_clock)
    assert reopened.retry_at("counselor1") == third.retry_at
    during = reopened.check("counselor1", PIN)
    assert during.outcome is Outcome.LOCKED_OUT and during.failures == 3

    fake_clock.advance(seconds=FIRST_WAIT_SECONDS)
    fourth = PinStore(clinic.root, fake_clock).check("counselor1", "0000")
    assert fourth.outcome is Outcome.WRONG and fourth.wait_seconds(fake_clock()) == 2 * FIRST_WAIT_SECONDS
    fake_clock.advance(seconds=2 * FIRST_WAIT_SECONDS)
    assert PinStore(clinic.root, fake_clock).check("counselor1", "0000").wait_seconds(fake_clock()) \
        == 4 * FIRST_WAIT_SECONDS

    fake_clock.advance(seconds=4 * FIRST_WAIT_SECONDS)
    assert PinStore(clinic.root, fake_clock).check("counselor1", PIN).outcome is Outcome.OK
    doc = stored(clinic)
    assert doc["failures"] == 0 and doc["retry_at"] is None


def test_the_wait_is_capped():
    assert pins.wait_after(2) == 0
    assert pins.wait_after(3) == FIRST_WAIT_SECONDS
    assert pins.wait_after(4) == 2 * FIRST_WAIT_SECONDS
    assert pins.wait_after(1000) == MAX_WAIT_SECONDS


def test_unlock_attempts_are_audited_without_pin_material(clinic, fake_clock):
    pins.set_first_pin(clinic, PIN, PIN)
    for _ in range(3):
        assert pins.try_unlock(clinic, "9999").outcome is Outcome.WRONG
    fake_clock.advance(seconds=FIRST_WAIT_SECONDS)
    assert pins.try_unlock(clinic, PIN).outcome is Outcome.OK
    entries = audit(clinic)
    actions = [e["action"] for e in entries]
    assert actions[-5:] == ["pin.set", "pin.fail", "pin.fail", "pin.fail", "unlock"]
    fails = [e for e in entries if e["action"] == "pin.fail"]
    assert [e["detail"]["failures"] for e in fails] == [1, 2, 3]
    assert fails[-1]["detail"]["wait_seconds"] == FIRST_WAIT_SECONDS
    assert all(e["record"] == "staff:counselor1" and e["user"] == "counselor1" for e in entries[-5:])
    raw = b"".join(p.read_bytes() for p in (clinic.root / "audit").glob("*.jsonl"))
    assert PIN.encode() not in raw and b"9999" not in raw
    assert clinic.audit.verify() == []


def test_first_pin_must_be_typed_twice_the_same(clinic):
    with pytest.raises(InputError, match="differ"):
        pins.set_first_pin(clinic, PIN, "482914")
    assert not pins.pins_of(clinic).has_pin("counselor1")


def test_reset_your_own_pin_or_anyones_as_admin_but_not_as_counselor(clinic, fake_clock, tmp_path):
    from facilitator.store.clinic import open_clinic
    from facilitator.store.staff import add_staff

    pins.set_first_pin(clinic, PIN, PIN)
    assert pins.reset_pin(clinic, "counselor1") is True
    assert not pins.pins_of(clinic).has_pin("counselor1")

    add_staff(clinic, "counselor2", "Another Counselor", "counselor")
    other = open_clinic(clinic.root, user="counselor2", clock=fake_clock)
    pins.set_first_pin(other, "5555", "5555")
    assert pins.reset_pin(clinic, "counselor2") is True  # counselor1 is the clinic's admin
    pins.set_first_pin(clinic, PIN, PIN)
    with pytest.raises(PermissionDenied):
        pins.reset_pin(other, "counselor1")
    assert pins.pins_of(clinic).has_pin("counselor1")


def test_a_damaged_entry_never_unlocks(clinic, fake_clock):
    store = PinStore(clinic.root, fake_clock)
    store.set_pin("counselor1", PIN)
    with store.file.transaction() as db:
        db.table("pins").update({"salt": "not hex"})
    assert store.check("counselor1", PIN).outcome is Outcome.WRONG
