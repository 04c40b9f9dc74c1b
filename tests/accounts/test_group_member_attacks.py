"""The insider attacks of issue #21's security review, rerun against a clinic that one service
account owns (real accounts, real runuser; no sshd needed here).

``fct_rt_svc`` makes the clinic (``facilitator init``, its folder 0700), adds staff, runs a
session and signs a note. A staff member with a shell on the host then tries what the review
did with the old group-shared folder: read clinic.json or a record, rewrite the signed note,
make themself admin in clinic.json, append audit entries, plant a symbolic link or FIFO for
the clinic's lock file or audit month, and open the clinic as the service account from their
own Python or with the program itself. Two attackers: ``fct_rt_mate``, in the service
account's primary group (files inside are 0640: the group bits must not help), and
``fct_rt_stranger``, in no group of it. Every attempt fails for want of access; the clinic's
every byte, mode, owner and path is as it was; the service account's `verify` passes; and the
program never writes anything of theirs, even through a link root slipped into the clinic.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
import subprocess
from pathlib import Path

import pytest

from tests.accounts import accounts_lock, ensure_account, public_dir
from tests.faketime import as_account

pytestmark = pytest.mark.slow

SVC, MATE, STRANGER = "fct_rt_svc", "fct_rt_mate", "fct_rt_stranger"
ATTACKERS = [MATE, STRANGER]
GROUP = "Evening A"
ROSTER = """client_id,first_name,last_name,level_of_care,required_hours,admitted,discharged,groups
T001,Ivy,Testperson,IOP,,2026-10-01,,Evening A
T002,Jon,Madeup,IOP,,2026-10-01,,Evening A
"""
WHEN = "2026-11-18T18:05:00-06:00"
KEEP = "the attacker's own file\n"


def ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr}"
    return done.stdout


def tree(root: Path) -> dict[str, tuple[int, int, int, bytes | None]]:
    """Every path under ``root`` (itself too, dot-files too): mode, owner, group, bytes."""
    found = {}
    for path in [root, *sorted(root.rglob("*"))]:
        info = path.lstat()
        body = path.read_bytes() if stat.S_ISREG(info.st_mode) else None
        found[str(path.relative_to(root))] = (info.st_mode, info.st_uid, info.st_gid, body)
    return found


def attempt(user: str, script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*as_account(user), "sh", "-c", script, "sh", *args],
                          capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def host(install):
    """The service account's clinic: init, a counselor (the mate), a group, two clients, one
    session run with its first note signed by the service account (its admin)."""
    with accounts_lock():
        ensure_account(SVC)              # useradd gives it its own primary group
        ensure_account(MATE, grp.getgrgid(pwd.getpwnam(SVC).pw_gid).gr_name)
        ensure_account(STRANGER)
    place = public_dir("fct-rt-")          # 0755: every account may reach the clinic folder's door
    os.chown(place, pwd.getpwnam(SVC).pw_uid, -1)
    root = place / "clinic"
    roster = place / "roster.csv"
    roster.write_text(ROSTER)
    os.chmod(roster, 0o644)

    def cli(*args: str) -> str:
        return ok(install.run(SVC, "002", "cli", *args, "--data", str(root)))   # the loosest umask

    cli("init", "--clinic", "Test Clinic", "--timezone", "America/Chicago")
    cli("staff", "add", MATE, "--name", "Mate Counselor", "--role", "counselor")
    cli("groups", "add", GROUP, "--days", "mon,tue,wed,thu,fri,sat,sun", "--start", "18:00",
        "--minutes", "180")
    cli("roster", "import", str(roster))
    session, client = ok(install.run(SVC, "002", "run-session", str(root), WHEN, GROUP)).split()
    record = next(root.glob(f"records/*/*/{session}.json"))
    yield root, record
    subprocess.run(["rm", "-rf", str(place)], check=False)


@pytest.fixture
def untouched(host):
    """The clinic as it was before the test, checked after it, with the service account's
    verify passing."""
    root, _ = host
    before = tree(root)
    yield
    assert tree(root) == before
    assert not [p for p in root.rglob("*") if p.lstat().st_uid != pwd.getpwnam(SVC).pw_uid]


def test_the_clinic_is_the_service_accounts_alone(host, install):
    root, record = host
    svc = pwd.getpwnam(SVC)
    assert stat.S_IMODE(root.stat().st_mode) == 0o700 and root.stat().st_uid == svc.pw_uid
    for path in root.rglob("*"):
        info = path.lstat()
        assert info.st_uid == svc.pw_uid, path
        assert stat.S_IMODE(info.st_mode) & 0o007 == 0, path
    ok(install.run(SVC, "022", "cli", "verify", "--data", str(root)))


@pytest.mark.parametrize("attacker", ATTACKERS)
@pytest.mark.parametrize("what", ["clinic.json", "record", "listing", "audit"])
def test_a_staff_member_with_a_shell_reads_nothing(host, untouched, attacker, what):
    root, record = host
    target = {"clinic.json": root / "clinic.json", "record": record, "listing": root,
              "audit": root / "audit"}[what]
    done = attempt(attacker, 'cat "$1" 2>&1 || ls -la "$1"', str(target))
    assert done.returncode != 0
    assert "Permission denied" in done.stdout + done.stderr
    assert "Testperson" not in done.stdout and "Test Clinic" not in done.stdout


ATTACKS = {
    # the colleague's signed note, replaced, truncated, moved away
    "rewrite the signed note": 'printf "{}" > "$2"',
    "replace the signed note": 'f=$(mktemp) && printf "{}" > "$f" && mv -f "$f" "$2"; s=$?; rm -f "$f"; exit $s',
    "remove the signed note": 'rm -f "$2"',
    # make themself admin
    "edit clinic.json": 'sed -i "s/\\"counselor\\"/\\"admin\\"/" "$1/clinic.json"',
    "overwrite clinic.json": 'printf "{}" > "$1/clinic.json"',
    # append audit entries that keep the chain whole
    "append to the audit month": 'for f in "$1"/audit/*.jsonl; do printf "{}\\n" >> "$f"; done; '
                                 'printf "{}\\n" >> "$1/audit/2026-11.jsonl"',
    "start a new audit month": 'printf "{}\\n" > "$1/audit/2099-01.jsonl"',
    # plant a link or FIFO where the program will write
    "link the clinic's lock": 'ln -sf "$3" "$1/.clinic.json.lock"',
    "link the audit log's lock": 'ln -sf "$3" "$1/audit/.log.lock"',
    "link an audit month": 'ln -sf "$3" "$1/audit/2099-01.jsonl"',
    "FIFO for the clinic's lock": 'mkfifo "$1/.clinic.json.lock"',
    "FIFO for an audit month": 'mkfifo "$1/audit/2099-01.jsonl"',
    # loosen the folder itself, or move it away to put a forged clinic in its place
    "chmod the clinic folder": 'chmod 777 "$1"',
    "move the clinic folder away": 'mv "$1" "$1.gone"',
}


@pytest.fixture
def attackers_file(request):
    """A file of the attacker's that any account could write, which the program must never
    touch (the target of every planted link)."""
    attacker = request.getfixturevalue("attacker")
    path = Path(pwd.getpwnam(attacker).pw_dir) / f"fct-rt-target-{os.getpid()}"   # one per worker
    path.write_text(KEEP)
    os.chown(path, pwd.getpwnam(attacker).pw_uid, -1)
    os.chmod(path, 0o666)
    yield path
    path.unlink(missing_ok=True)


@pytest.mark.parametrize("attacker", ATTACKERS)
@pytest.mark.parametrize("attack", list(ATTACKS))
def test_a_staff_member_with_a_shell_changes_nothing(host, untouched, install, attackers_file,
                                                     attacker, attack):
    root, record = host
    done = attempt(attacker, ATTACKS[attack], str(root), str(record), str(attackers_file))
    assert done.returncode != 0, attack
    assert "Permission denied" in done.stderr or "Operation not permitted" in done.stderr, done.stderr
    # The service account's next command reads the clinic as it was and writes nothing of theirs.
    shown = ok(install.run(SVC, "022", "cli", "staff", "list", "--data", str(root)))
    assert MATE in shown and "admin" in shown
    assert attackers_file.read_text() == KEEP


OWN_PYTHON = """
import sys
from pathlib import Path
sys.path[:0] = [sys.argv[1], sys.argv[2]]
from facilitator.core.errors import FacilitatorError
from facilitator.store.clinic import open_clinic
from facilitator.store.audit import AuditLog
from datetime import datetime, timezone
root = Path(sys.argv[3])
try:
    open_clinic(root, user=sys.argv[4])
except FacilitatorError as err:
    print(type(err).__name__, err.exit_code, err.sentence)
try:                          # the program's own appender, bypassing the clinic's checks
    AuditLog(root / "audit").append(at=datetime(2026, 11, 18, 19, tzinfo=timezone.utc), user=sys.argv[4],
                                    action="clinic.settings", record="clinic", detail={})
except OSError as err:
    print("append refused:", type(err).__name__)
else:
    print("append WORKED")
"""


@pytest.mark.parametrize("attacker", ATTACKERS)
def test_open_clinic_as_the_service_account_from_their_own_python_fails(host, untouched, install, attacker):
    root, _ = host
    done = subprocess.run([*as_account(attacker), install.python, "-s", "-c", OWN_PYTHON,
                           str(install.dir / "src"), str(install.dir / "site"), str(root), SVC],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.splitlines()
    assert first == (f"NotYours 2 {root} is the clinic of the account {SVC}, and only that account "
                     f"may open it; nothing was read or written.")
    assert second == "append refused: PermissionError"


@pytest.mark.parametrize("attacker", ATTACKERS)
@pytest.mark.parametrize("command", [("staff", "add", STRANGER, "--name", "New Admin", "--role", "admin"),
                                     ("report", "week", "--week", "2026-W47"), ("verify",),
                                     ("audit",)])
def test_the_program_run_by_a_staff_member_on_the_host_is_refused_in_one_sentence(
        host, untouched, install, attacker, command):
    root, _ = host
    done = install.run(attacker, "022", "cli", *command, "--data", str(root))
    assert done.returncode == 2, done.stderr
    assert done.stderr == (f"{root} is the clinic of the account {SVC}, and only that account may "
                           f"open it; nothing was read or written.\n")


@pytest.mark.parametrize("attacker", [MATE])
@pytest.mark.parametrize("planted", [".clinic.json.lock", "audit/.log.lock", "audit/{month}.jsonl"])
def test_a_link_only_root_could_plant_is_refused_and_nothing_of_the_attackers_is_written(
        host, install, attackers_file, attacker, planted):
    """Defence in depth: were a link to the attacker's world-writable file in the clinic (only
    root or the service account could put it there), the service account's next write refuses
    in one sentence naming it and writes nothing through it."""
    root, _ = host
    month = max(p.stem for p in (root / "audit").glob("*.jsonl"))
    link = root / planted.format(month=month)
    saved = link.with_name(link.name + ".saved") if link.exists() else None
    if saved is not None:
        link.rename(saved)
    link.symlink_to(attackers_file)
    try:
        done = install.run(SVC, "022", "cli", "staff", "add", STRANGER, "--name", "New Hire",
                           "--role", "counselor", "--data", str(root))
        assert done.returncode == 1, done.stderr
        assert done.stderr.count("\n") == 1 and str(link) in done.stderr, done.stderr
        assert attackers_file.read_text() == KEEP
    finally:
        link.unlink()
        if saved is not None:
            saved.rename(link)
    ok(install.run(SVC, "022", "cli", "verify", "--data", str(root)))
