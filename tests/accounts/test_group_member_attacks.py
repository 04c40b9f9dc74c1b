"""A group member on a shared clinic host points the clinic's lock file and audit month file
at a file of the admin's. The admin's next command refuses in one sentence naming the file,
and nothing of the admin's is truncated or appended to (CVE-2025-68146 and its like)."""

from __future__ import annotations

import os
import pwd
import subprocess
from pathlib import Path

import pytest

from tests.accounts import ADMIN, COUNSELOR, STAFF_GROUP, public_dir
from tests.faketime import as_account

pytestmark = pytest.mark.slow

SECRET = "export SECRET_OF_THE_ADMIN=1\n"


def as_user(user: str, script: str, *args: str) -> None:
    subprocess.run([*as_account(user), "sh", "-c", script, "sh", *args], check=True)


@pytest.fixture
def clinic(install) -> Path:
    root = public_dir("fct-clinic-") / "clinic"
    subprocess.run(["install", "-d", "-o", "root", "-g", STAFF_GROUP, "-m", "2770", str(root)], check=True)
    for args in (("init", "--clinic", "Test Clinic", "--timezone", "America/Chicago", "--group", STAFF_GROUP),
                 ("staff", "add", COUNSELOR, "--name", "Cole Counselor", "--role", "counselor")):
        done = install.run(ADMIN, "022", "cli", *args, "--data", str(root))
        assert done.returncode == 0, done.stderr
    return root


@pytest.fixture
def admins_file() -> Path:
    home = Path(pwd.getpwnam(ADMIN).pw_dir)
    target = home / "fct-profile"
    target.write_text(SECRET)
    os.chown(target, pwd.getpwnam(ADMIN).pw_uid, pwd.getpwnam(ADMIN).pw_gid)
    os.chmod(target, 0o600)
    yield target
    target.unlink()


@pytest.mark.parametrize("swapped", [".clinic.json.lock", "audit/{month}.jsonl", "audit/.log.lock"])
def test_a_group_member_cannot_redirect_the_admins_writes(install, clinic, admins_file, swapped):
    month = next((clinic / "audit").glob("*.jsonl")).stem
    link = clinic / swapped.format(month=month)
    as_user(COUNSELOR, 'rm -f "$1" && ln -s "$2" "$1"', str(link), str(admins_file))
    before = (clinic / "clinic.json").read_bytes()

    done = install.run(ADMIN, "022", "cli", "staff", "add", "fct_newhire", "--name", "New Hire",
                       "--role", "counselor", "--data", str(clinic))

    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert str(link) in done.stderr
    assert admins_file.read_text() == SECRET
    if swapped == ".clinic.json.lock":      # (the audit line comes after the write it records)
        assert (clinic / "clinic.json").read_bytes() == before


@pytest.mark.parametrize("jam", ['rm -f "$1" && mkfifo -m 600 "$1"', 'rm -f "$1" && touch "$1" && chmod 600 "$1"'])
def test_a_group_member_cannot_jam_a_lock_file_silently(install, clinic, jam):
    lock = clinic / ".clinic.json.lock"
    as_user(COUNSELOR, jam, str(lock))
    done = install.run(ADMIN, "022", "cli", "staff", "add", "fct_newhire", "--name", "New Hire",
                       "--role", "counselor", "--data", str(clinic))
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1 and str(lock) in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    # Removed, the next write makes a proper one.
    lock.unlink()
    done = install.run(ADMIN, "022", "cli", "staff", "add", "fct_newhire", "--name", "New Hire",
                       "--role", "counselor", "--data", str(clinic))
    assert done.returncode == 0, done.stderr
    assert (lock.stat().st_mode & 0o777) == 0o660
