"""A clinic shared by three real OS accounts in a staff group, as on a clinic host.

Each account runs the program itself (runuser), under umask 077 and 022: the admin creates
the clinic with --group, a counselor runs and signs sessions, a supervisor co-signs, reads
the weekly report and runs verify; each account makes new month folders and files that the
others then write. No permission error anywhere, and every path ends up the staff group's,
folders 2770 and files (lock files too) 0660.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
import subprocess
from pathlib import Path

import pytest

from tests.accounts import ADMIN, COUNSELOR, OUTSIDER, STAFF_GROUP, SUPERVISOR, public_dir

pytestmark = pytest.mark.slow

GROUP = "Evening A"
ROSTER = """client_id,first_name,last_name,level_of_care,required_hours,admitted,discharged,groups
T001,Ivy,Testperson,IOP,,2026-10-01,,Evening A
T002,Jon,Madeup,IOP,,2026-10-01,,Evening A
"""


def ok(done) -> str:
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr}"
    assert "ermission denied" not in done.stderr + done.stdout
    return done.stdout


def paths_under(root: Path):
    yield root
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            yield Path(folder) / name


def assert_shared(root: Path) -> dict[str, set[str]]:
    """Every path the staff group's, folders 2770, files 0660; returns who owns what kind."""
    gid = grp.getgrnam(STAFF_GROUP).gr_gid
    owners: dict[str, set[str]] = {}
    for path in paths_under(root):
        found = path.lstat()
        mode = stat.S_IMODE(found.st_mode)
        assert not stat.S_ISLNK(found.st_mode), path
        assert found.st_gid == gid, f"{path} is group {found.st_gid}, not {STAFF_GROUP}"
        wanted = 0o2770 if stat.S_ISDIR(found.st_mode) else 0o660
        assert mode == wanted, f"{path} is {mode:o}, not {wanted:o}"
        owners.setdefault(pwd.getpwuid(found.st_uid).pw_name, set()).add(path.name)
    return owners


@pytest.mark.parametrize("umask", ["077", "022"])
def test_three_accounts_share_a_clinic_whatever_their_umask(install, umask):
    place = public_dir("fct-clinic-")
    root = place / "clinic"
    data = str(root)
    # As the README's host section: root makes the folder, the admin then creates the clinic.
    subprocess.run(["install", "-d", "-o", "root", "-g", STAFF_GROUP, "-m", "2770", data], check=True)
    roster = place / "roster.csv"
    roster.write_text(ROSTER)
    os.chmod(roster, 0o644)

    def cli(user: str, *args: str) -> str:
        return ok(install.run(user, umask, "cli", *args, "--data", data))

    def store(user: str, action: str, when: str, *args: str) -> str:
        return ok(install.run(user, umask, action, data, when, *args))

    # The admin makes the clinic, shared with the staff group, and sets it up.
    assert "shared with the group" in cli(ADMIN, "init", "--clinic", "Test Clinic",
                                          "--timezone", "America/Chicago", "--group", STAFF_GROUP)
    cli(ADMIN, "staff", "add", COUNSELOR, "--name", "Cole Counselor", "--role", "counselor")
    cli(ADMIN, "staff", "add", SUPERVISOR, "--name", "Sue Supervisor", "--role", "supervisor")
    cli(ADMIN, "groups", "add", GROUP, "--days", "mon,tue,wed,thu,fri,sat,sun", "--start", "18:00",
        "--minutes", "180")
    cli(ADMIN, "roster", "import", str(roster))

    # The admin's import makes records/2026/11 (and the 2026-11-16 session file, its lock file).
    sheet = place / "attendance-nov.csv"
    sheet.write_text(f"date,group,client_id,status,arrived,left\n2026-11-16,{GROUP},T001,present,,\n")
    os.chmod(sheet, 0o644)
    cli(ADMIN, "attendance", "import", str(sheet))

    # The counselor runs and signs a session in the admin's month folder, and writes the
    # admin's session file (under the admin's lock file).
    november, first = store(COUNSELOR, "run-session", "2026-11-18T18:05:00-06:00", GROUP).split()
    store(COUNSELOR, "mark", "2026-11-18T18:06:00-06:00", "2026-11-16-1800-evening-a", "T002", "absent")
    # ... then makes December's folder with its own session; the admin writes into both.
    december, _ = store(COUNSELOR, "run-session", "2026-12-02T18:05:00-06:00", GROUP).split()
    sheet.write_text(f"date,group,client_id,status,arrived,left\n"
                     f"2026-12-02,{GROUP},T002,absent,,\n2026-12-03,{GROUP},T001,present,,\n")
    cli(ADMIN, "attendance", "import", str(sheet))
    cli(COUNSELOR, "hours", "add", "T001", "--date", "2026-11-19", "--minutes", "50", "--kind",
        "individual")
    cli(ADMIN, "hours", "add", "T002", "--date", "2026-11-20", "--minutes", "30", "--kind", "family")

    # The supervisor co-signs in a new month: the audit's 2027-01 file is the supervisor's,
    # and the counselor's January session then appends to it and makes records/2027/01.
    store(SUPERVISOR, "cosign", "2027-01-04T09:00:00-06:00", november, first)
    store(SUPERVISOR, "cosign", "2027-01-04T09:01:00-06:00", december, first)
    store(COUNSELOR, "run-session", "2027-01-06T18:05:00-06:00", GROUP)
    # The supervisor's PIN makes pins.json; the counselor's and the admin's go into it.
    store(SUPERVISOR, "set-pin", "2027-01-06T19:00:00-06:00", "246810")
    store(COUNSELOR, "set-pin", "2027-01-06T19:01:00-06:00", "135791")
    store(ADMIN, "set-pin", "2027-01-06T19:02:00-06:00", "975312")

    # The supervisor reads the reports and verifies the whole clinic.
    assert "T001" in cli(SUPERVISOR, "report", "week", "--date", "2026-11-18", "--format", "csv")
    assert "H0015" in cli(SUPERVISOR, "export", "billing", "--from", "2026-11-01", "--to", "2026-12-31")
    ok(install.run(SUPERVISOR, umask, "cli", "verify", "--data", data))

    owners = assert_shared(root)
    assert {ADMIN, COUNSELOR, SUPERVISOR} <= set(owners), owners
    assert ".clinic.json.lock" in owners[ADMIN]
    assert {"2026", "11"} <= owners[ADMIN] and {"12"} <= owners[COUNSELOR]
    # pins.json itself is replaced by the last writer
    assert {"2027-01.jsonl", ".pins.json.lock"} <= owners[SUPERVISOR]
    # An account outside the staff group can read nothing.
    denied = install.run(OUTSIDER, umask, "cli", "report", "week", "--data", data)
    assert denied.returncode != 0 and "Traceback" not in denied.stderr
    assert "Permission denied" in denied.stderr


def test_verify_names_a_wrong_group_or_mode_and_fix_permissions_converts_a_private_clinic(install):
    place = public_dir("fct-clinic-")
    root = place / "clinic"
    data = str(root)
    # A clinic made before sharing: private to the admin (0640/0750), in the admin's folder.
    os.chown(place, pwd.getpwnam(ADMIN).pw_uid, -1)
    ok(install.run(ADMIN, "022", "cli", "init", "--clinic", "Test Clinic", "--timezone",
                   "America/Chicago", "--data", data))
    ok(install.run(ADMIN, "022", "cli", "staff", "add", COUNSELOR, "--name", "Cole Counselor",
                   "--role", "counselor", "--data", data))
    assert stat.S_IMODE((root / "clinic.json").stat().st_mode) == 0o640
    refused = install.run(COUNSELOR, "022", "cli", "staff", "list", "--data", data)
    assert refused.returncode != 0

    # root converts it; then the counselor works in it.
    converted = install.run("root", "022", "cli", "fix-permissions", "--group", STAFF_GROUP, "--data", data)
    assert "paths changed" in ok(converted)
    ok(install.run(COUNSELOR, "077", "cli", "staff", "list", "--data", data))
    assert_shared(root)

    # A file made private again, and one given to another group: verify names each.
    os.chmod(root / "clinic.json", 0o640)
    os.chown(root / "audit", -1, 0)
    done = install.run(ADMIN, "022", "cli", "verify", "--data", data)
    assert done.returncode == 1
    assert f"{root / 'clinic.json'} has mode 640, not 660" in done.stdout
    assert f"{root / 'audit'} belongs to group root, not the clinic's group {STAFF_GROUP}" in done.stdout
    assert f"fix-permissions --group {STAFF_GROUP}" in done.stdout
