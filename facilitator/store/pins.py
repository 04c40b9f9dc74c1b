"""Screen-unlock PINs: ``DIR/pins.json``, one salted scrypt hash per staff member.

Kept out of clinic.json so that setting a PIN or counting a wrong one never rewrites the
clinic. A PIN only unlocks the app's idle lock for the account already running it; it is
not a login (the operating-system account is).

Wrong PINs are rate-limited: after ``FREE_TRIES`` wrong in a row, each further try must wait
``FIRST_WAIT_SECONDS``, doubling, at most ``MAX_WAIT_SECONDS``. The count and the wait are
kept in the file, so quitting and restarting the app does not reset them. A right PIN clears
them. The audit gets "pin.set", "pin.fail", "pin.reset" and "unlock" entries: who and how
many failures, never PIN material.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from facilitator.core.errors import InputError
from facilitator.store.identity import Clock
from facilitator.store.storage import SideDataFile, query

if TYPE_CHECKING:
    from facilitator.store.datadir import DataDir

KIND = "pins"
FILE_NAME = "pins.json"

SCRYPT_N = 2 ** 14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32

MIN_DIGITS, MAX_DIGITS = 4, 12
FREE_TRIES = 3
FIRST_WAIT_SECONDS = 30
MAX_WAIT_SECONDS = 15 * 60

_PIN = re.compile(r"^[0-9]+$", re.ASCII)


def check_pin_format(pin: str) -> str:
    """The PIN if it is 4-12 ASCII digits, else ``InputError`` (which never repeats the PIN)."""
    if not _PIN.match(pin) or not MIN_DIGITS <= len(pin) <= MAX_DIGITS:
        raise InputError(f"a PIN is {MIN_DIGITS} to {MAX_DIGITS} digits (0-9 only)", field="PIN")
    return pin


def hash_pin(pin: str, salt: bytes, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> bytes:
    import hashlib  # loaded when a PIN is checked or set, not at every start
    return hashlib.scrypt(pin.encode("ascii"), salt=salt, n=n, r=r, p=p, dklen=HASH_BYTES,
                          maxmem=256 * r * n + 1024 * 1024)


def wait_after(failures: int) -> int:
    """Seconds to wait after ``failures`` wrong PINs in a row (0 for the free tries)."""
    if failures < FREE_TRIES:
        return 0
    return min(MAX_WAIT_SECONDS, FIRST_WAIT_SECONDS * 2 ** min(failures - FREE_TRIES, 16))


class Outcome(Enum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED_OUT = "locked-out"
    NO_PIN = "no-pin"


@dataclass(frozen=True)
class Attempt:
    """The outcome of one PIN check, with the failures so far and when another try is allowed."""

    outcome: Outcome
    failures: int = 0
    retry_at: datetime | None = None

    def wait_seconds(self, now: datetime) -> int:
        if self.retry_at is None:
            return 0
        return max(0, int((self.retry_at - now).total_seconds() + 0.999))


class PinStore:
    """The pins file of one clinic directory. Every change is one locked, atomic write."""

    def __init__(self, root: Path, clock: Clock) -> None:
        self.file = SideDataFile(root, Path(root) / FILE_NAME, KIND)   # outside the audit chain: store.commit
        self.clock = clock

    def _doc(self, user: str) -> dict[str, Any] | None:
        if not self.file.exists():
            return None
        for doc in self.file.tables().get("pins", []):
            if doc.get("user") == user:
                return doc
        return None

    def user_doc(self, user: str) -> dict[str, Any] | None:
        """``user``'s entry as stored (hash, salt, failures, the "locked" mark), or None."""
        return self._doc(user)

    def has_pin(self, user: str) -> bool:
        doc = self._doc(user)
        return bool(doc and doc.get("hash"))

    def retry_at(self, user: str) -> datetime | None:
        """When ``user`` may try again, if a wait is running now; else None."""
        doc = self._doc(user)
        until = _when(doc.get("retry_at")) if doc else None
        return until if until is not None and until > self.clock() else None

    def set_pin(self, user: str, pin: str, *, replace: bool = False) -> None:
        check_pin_format(pin)
        salt = os.urandom(SALT_BYTES)
        digest = hash_pin(pin, salt)
        with self.file.transaction(create=True) as db:
            table = db.table("pins")
            existing = table.get(query().user == user)
            if existing and existing.get("hash") and not replace:
                raise InputError("a PIN is already set for this account", field="PIN")
            table.upsert({
                "user": user, "salt": salt.hex(), "hash": digest.hex(),
                "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
                "set_at": self.clock().isoformat(timespec="seconds"),
                "failures": 0, "retry_at": None,
            }, query().user == user)

    def left_locked(self, user: str) -> bool:
        """Whether ``user``'s app was left at the lock screen (quit or killed while locked)."""
        doc = self._doc(user)
        return bool(doc and doc.get("locked"))

    def set_left_locked(self, user: str, locked: bool) -> None:
        """Note that ``user``'s app locked (or unlocked), so a relaunch opens behind the lock."""
        if not self.file.exists():
            return
        with self.file.transaction() as db:
            table = db.table("pins")
            doc = table.get(query().user == user)
            if doc and bool(doc.get("locked")) != locked:
                table.update({"locked": locked}, query().user == user)

    def clear(self, user: str) -> bool:
        """Remove ``user``'s PIN and failure count (they choose a new one at their next launch)."""
        if not self.file.exists():
            return False
        with self.file.transaction() as db:
            return bool(db.table("pins").remove(query().user == user))

    def check(self, user: str, pin: str) -> Attempt:
        """Try ``pin`` for ``user``, counting a wrong one, inside the file's lock."""
        now = self.clock()
        if not self.file.exists():
            return Attempt(Outcome.NO_PIN)
        with self.file.transaction() as db:
            table = db.table("pins")
            doc = table.get(query().user == user)
            if not doc or not doc.get("hash"):
                return Attempt(Outcome.NO_PIN)
            failures = int(doc.get("failures") or 0)
            until = _when(doc.get("retry_at"))
            if until is not None and now < until:
                return Attempt(Outcome.LOCKED_OUT, failures, until)
            try:
                expected = bytes.fromhex(doc["hash"])
                digest = hash_pin(pin, bytes.fromhex(doc["salt"]),
                                  n=int(doc.get("n", SCRYPT_N)), r=int(doc.get("r", SCRYPT_R)),
                                  p=int(doc.get("p", SCRYPT_P)))
            except (KeyError, ValueError, TypeError, UnicodeEncodeError):
                digest, expected = b"\0", b"\1"  # a damaged entry or a non-ASCII PIN never matches
            import hmac
            if hmac.compare_digest(digest, expected):
                if failures or doc.get("retry_at"):
                    table.update({"failures": 0, "retry_at": None}, query().user == user)
                return Attempt(Outcome.OK)
            failures += 1
            wait = wait_after(failures)
            retry = now + timedelta(seconds=wait) if wait else None
            table.update({"failures": failures,
                          "retry_at": retry.isoformat() if retry else None}, query().user == user)
            return Attempt(Outcome.WRONG, failures, retry)


def _when(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


# -- with the audit ----------------------------------------------------------------------
def pins_of(data: DataDir) -> PinStore:
    return PinStore(data.root, data.clock)


def set_first_pin(data: DataDir, pin: str, repeated: str) -> None:
    """Set the acting user's PIN at the lock screen (only when none is set)."""
    check_pin_format(pin)
    if pin != repeated:
        raise InputError("the two PINs differ; type the same PIN twice", field="PIN")
    pins_of(data).set_pin(data.user, pin)
    data.record_audit("pin.set", f"staff:{data.user}")


def try_unlock(data: DataDir, pin: str) -> Attempt:
    """Check the acting user's PIN; audits "unlock" or "pin.fail" (never the PIN)."""
    attempt = pins_of(data).check(data.user, pin)
    if attempt.outcome is Outcome.OK:
        data.record_audit("unlock", f"staff:{data.user}")
    elif attempt.outcome is Outcome.WRONG:
        detail: dict[str, Any] = {"failures": attempt.failures}
        if attempt.retry_at is not None:
            detail["wait_seconds"] = attempt.wait_seconds(data.clock())
        data.record_audit("pin.fail", f"staff:{data.user}", detail)
    return attempt


def issue_pin(data: DataDir, user: str, pin: str, repeated: str) -> None:
    """An admin sets ``user``'s PIN (replacing any), e.g. before that account's first launch."""
    data.require("staff.change")
    if user not in data.snapshot().staff:
        raise InputError(f"{user} is not a staff member", field="USER")
    check_pin_format(pin)
    if pin != repeated:
        raise InputError("the two PINs differ; type the same PIN twice", field="PIN")
    pins_of(data).set_pin(user, pin, replace=True)
    data.record_audit("pin.issue", f"staff:{user}")


def reset_pin(data: DataDir, user: str) -> bool:
    """Clear ``user``'s PIN: your own always (the OS login vouches for you), anyone's as an admin."""
    if user != data.user:
        data.require("staff.change")
    else:
        data.me()  # raises NotStaff for an account that is not an active staff member
    removed = pins_of(data).clear(user)
    data.record_audit("pin.reset", f"staff:{user}", {"had_pin": removed})
    return removed
