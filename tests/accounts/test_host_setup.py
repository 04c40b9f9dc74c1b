"""`host init` and `host adopt` (issue #21) with real OS accounts: root sets a host up, the
clinic is made by the service account itself, staff are known by their keys, and a staff
member's own OS account can neither read nor write the clinic afterwards.

Every account and group made here is named ``fct_hk_*`` and removed at the end. The system
configuration file goes to a temp folder (``XDG_CONFIG_DIRS``), never /etc. Keys are
ssh-keygen's (tests/core/test_sshkeys.py); names are invented.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from facilitator.core.clinic import ClinicSettings
from facilitator.core.sshkeys import fingerprint
from facilitator.store.datadir import DataDir
from tests.accounts import accounts_lock, ensure_group, public_dir
from tests.core.test_sshkeys import DSA, ECDSA256, ED25519, RSA2048, SK_ED25519
from tests.faketime import as_account

pytestmark = pytest.mark.slow

SERVICE = "fct_hk_svc"
STAFF_GROUP = "fct_hk_staff"
ADMIN, COUNSELOR, SUPERVISOR = "fct_hk_admin", "fct_hk_coun", "fct_hk_sup"
MADE = (SERVICE, ADMIN, COUNSELOR, SUPERVISOR)


def _remove_accounts() -> None:
    for name in MADE:
        subprocess.run(["userdel", "-r", name], capture_output=True)
    subprocess.run(["groupdel", STAFF_GROUP], capture_output=True)


@pytest.fixture
def host(install, tmp_path):
    """No fct_hk_ account before (a left-over one is removed) and none after."""
    with accounts_lock():
        _remove_accounts()
    place = public_dir("fct-hk-")
    yield place
    with accounts_lock():
        _remove_accounts()
    shutil.rmtree(place, ignore_errors=True)


def as_root(install, place: Path, *args: str) -> subprocess.CompletedProcess:
    """The installed ``facilitator`` as root, with a login-like environment."""
    env = {"PATH": f"{install.dir / 'bin'}:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root", "LANG": "C.UTF-8",
           "XDG_CONFIG_DIRS": str(place / "xdg"), "XDG_CONFIG_HOME": str(place / "root-config")}
    return subprocess.run([install.python, "-s", str(install.dir / "as_account.py"), "cli", *args],
                          capture_output=True, text=True, env=env, timeout=300)


def as_user(user: str, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([*as_account(user), *argv], capture_output=True, text=True, timeout=60,
                          cwd="/")


def paths_under(root: Path):
    yield root
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            yield Path(folder) / name


def assert_service_owns(root: Path, account: pwd.struct_passwd) -> None:
    top = root.lstat()
    assert stat.S_IMODE(top.st_mode) == 0o700, f"{stat.S_IMODE(top.st_mode):o}"
    for path in paths_under(root):
        found = path.lstat()
        assert not stat.S_ISLNK(found.st_mode), path
        assert (found.st_uid, found.st_gid) == (account.pw_uid, account.pw_gid), path
        assert not found.st_mode & (stat.S_ISGID | stat.S_IWOTH | stat.S_IROTH | stat.S_IWGRP), path


def assert_locked_out(user: str, root: Path) -> None:
    """The staff member's OS account can neither read nor write the clinic."""
    for argv in (["ls", str(root)], ["cat", str(root / "clinic.json")], ["touch", str(root / "planted")],
                 ["mkdir", str(root / "records" / "planted")], ["cp", "/etc/hostname", str(root / "audit" / "x")]):
        done = as_user(user, *argv)
        assert done.returncode != 0 and "ermission denied" in done.stderr, (argv, done)
    assert not (root / "planted").exists()


def service_python(install, snippet: str, *args: str) -> subprocess.CompletedProcess:
    """A store call made by the service account itself (what the forced command will do)."""
    code = (f"import sys; sys.path[:0] = [{str(install.dir / 'src')!r}, {str(install.dir / 'site')!r}]\n"
            + snippet)
    return as_user(SERVICE, install.python, "-s", "-c", code, *args)


def verify_as_service(install, root: Path, admin: str) -> None:
    """`verify` by the service account (acting as ``admin``): every file reads and is bound."""
    done = service_python(install, "from pathlib import Path\n"
                          "from facilitator.store.clinic import open_clinic\n"
                          "from facilitator.store.maintenance import verify\n"
                          "print(verify(open_clinic(Path(sys.argv[1]), user=sys.argv[2])))\n", str(root), admin)
    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done


def test_host_init_as_root_makes_a_clinic_the_service_account_owns(host, install):
    key = host / "ada.pub"
    key.write_text(f"{ED25519} ada@laptop\n")
    data = host / "srv" / "facilitator"
    args = ("host", "init", "--service-user", SERVICE, "--data", str(data), "--clinic", "Invented Recovery",
            "--timezone", "America/Chicago", "--admin", "ada", "--admin-name", "Ada Inventedname",
            "--admin-key", str(key))
    # Not root: refused in one sentence, nothing made.
    with accounts_lock():
        ensure_group(STAFF_GROUP)
        subprocess.run(["useradd", "-m", "-s", "/bin/sh", "-G", STAFF_GROUP, COUNSELOR], check=True)
    denied = as_user(COUNSELOR, *install.argv(COUNSELOR, "022", "cli", *args)[len(as_account(COUNSELOR)):])
    assert denied.returncode == 2 and "must be run as root" in denied.stderr, denied
    assert not data.exists()
    with pytest.raises(KeyError):
        pwd.getpwnam(SERVICE)

    done = as_root(install, host, *args)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    account = pwd.getpwnam(SERVICE)
    assert account.pw_uid < 1000 and account.pw_shell == "/bin/sh" and Path(account.pw_dir).is_dir()
    assert_service_owns(data, account)
    assert {p.name for p in data.iterdir()} >= {"clinic.json", "audit", "records", "plans"}

    entry = str(install.dir / "bin" / "facilitator-ssh")
    snapshot = DataDir(data, user="ada").snapshot()
    assert snapshot.settings.service_user == SERVICE and snapshot.settings.ssh_entry == entry
    admin = snapshot.staff["ada"]
    assert (str(admin.role), admin.display_name, admin.keys) == ("admin", "Ada Inventedname", (ED25519,))
    audit = [json.loads(line) for f in sorted((data / "audit").glob("*.jsonl")) for line in f.read_text().splitlines()]
    assert [(e["user"], e["action"]) for e in audit] == [("ada", "clinic.init"), ("ada", "staff.key-add")]
    assert audit[1]["detail"] == {"key": fingerprint(ED25519)}

    ssh = Path(account.pw_dir) / ".ssh"
    authorized = ssh / "authorized_keys"
    line = f'restrict,pty,command="{entry} --staff ada --data {data}" {ED25519} facilitator:ada'
    assert authorized.read_text().splitlines()[-1] == line
    assert [line for line in authorized.read_text().splitlines() if not line.startswith("#")] == [line]
    for path, mode in ((ssh, 0o700), (authorized, 0o600)):
        found = path.lstat()
        assert (found.st_uid, stat.S_IMODE(found.st_mode)) == (account.pw_uid, mode), path
    config = host / "xdg" / "facilitator" / "config.toml"
    assert config.read_text().splitlines()[-1] == f'data = "{data}"'
    assert stat.S_IMODE(config.stat().st_mode) == 0o644 and config.stat().st_uid == 0

    # A staff change made as the service account rewrites its real authorized_keys; a
    # deactivated member keeps their line (the forced command refuses them itself).
    added = service_python(install, "from pathlib import Path\n"
                           "from facilitator.store.clinic import open_clinic\n"
                           "from facilitator.store.staff import add_staff, deactivate\n"
                           "data = open_clinic(Path(sys.argv[1]), user='ada')\n"
                           "add_staff(data, 'jlee', 'Jo Lee', 'counselor', keys=[sys.argv[2]])\n"
                           "deactivate(data, 'jlee')\n", str(data), RSA2048 + " jo@laptop")
    assert added.returncode == 0, added.stderr
    assert authorized.read_text().splitlines()[-2:] == [
        line, f'restrict,pty,command="{entry} --staff jlee --data {data}" {RSA2048} facilitator:jlee']
    assert_service_owns(data, account)

    verify_as_service(install, data, "ada")
    # A counselor with an OS account on the host is locked out.
    assert_locked_out(COUNSELOR, data)

    # Again: refused, the clinic as it was.
    before = (data / "clinic.json").read_bytes()
    again = as_root(install, host, *args)
    assert again.returncode == 2 and "is not empty" in again.stderr and again.stderr.count("\n") == 1, again
    assert (data / "clinic.json").read_bytes() == before


@pytest.mark.parametrize(("change", "says"), [
    ("dsa", "ssh-dss key, which is not accepted"),
    ("options", "options before the key type"),
    ("root", "may not be root"),
    ("name", "cannot have an SSH key"),
    ("config", "already names the clinic"),
])
def test_host_init_refusals_make_nothing(host, install, change, says):
    key = host / "ada.pub"
    key.write_text({"dsa": DSA, "options": f'command="sh" {ED25519}'}.get(change, ED25519) + "\n")
    if change == "config":
        (host / "xdg" / "facilitator").mkdir(parents=True)
        (host / "xdg" / "facilitator" / "config.toml").write_text('data = "/srv/other-clinic"\n')
    data = host / "srv" / "facilitator"
    done = as_root(install, host, "host", "init", "--service-user", "root" if change == "root" else SERVICE,
                   "--data", str(data), "--clinic", "Invented Recovery", "--timezone", "America/Chicago",
                   "--admin", "Ada Admin" if change == "name" else "ada", "--admin-name", "Ada Inventedname",
                   "--admin-key", str(key))
    assert done.returncode == 2 and says in done.stderr and done.stderr.count("\n") == 1, done
    assert not data.exists()
    with pytest.raises(KeyError):
        pwd.getpwnam(SERVICE)


def test_host_init_where_the_service_account_cannot_reach_keeps_nothing(host, install):
    """A data folder under a folder only root may enter (/root/clinic, say): the service
    account's half fails; one sentence, exit 1, no half-made clinic left behind."""
    key = host / "ada.pub"
    key.write_text(ED25519 + "\n")
    private = host / "root-only"
    private.mkdir(mode=0o700)
    data = private / "clinic"
    done = as_root(install, host, "host", "init", "--service-user", SERVICE, "--data", str(data), "--clinic",
                   "Invented Recovery", "--timezone", "America/Chicago", "--admin", "ada", "--admin-name",
                   "Ada Inventedname", "--admin-key", str(key))
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done
    assert done.stderr.startswith(f"As the service account {SERVICE}: Permission denied"), done.stderr
    assert "nothing of the clinic was kept" in done.stderr
    assert not data.exists()
    assert not (host / "xdg").exists()


def shared_clinic(root: Path) -> None:
    """A clinic as the group-shared model left it: fct_hk_staff's, folders 2770, files 0660."""
    settings = ClinicSettings(name="Invented Recovery", timezone="America/Chicago")
    data = DataDir.init(root, settings, user=ADMIN, display_name="Ada Inventedname")
    from facilitator.store.staff import add_staff, deactivate
    add_staff(data, COUNSELOR, "Cole Inventedname", "counselor")
    add_staff(data, SUPERVISOR, "Sue Inventedname", "supervisor")
    add_staff(data, "fct_hk_laptop", "Lee Laptopname", "counselor")       # no OS account on this host
    add_staff(data, "fct_hk_former", "Fay Formername", "counselor")
    deactivate(data, "fct_hk_former")
    admin = pwd.getpwnam(ADMIN)
    gid = ensure_group(STAFF_GROUP)
    for path in paths_under(root):
        os.chown(path, admin.pw_uid, gid)
        os.chmod(path, 0o2770 if path.is_dir() else 0o660)


def put_keys(user: str, text: str) -> None:
    home = Path(pwd.getpwnam(user).pw_dir)
    (home / ".ssh").mkdir(mode=0o700, exist_ok=True)
    (home / ".ssh" / "authorized_keys").write_text(text)
    shutil.chown(home / ".ssh", user)
    shutil.chown(home / ".ssh" / "authorized_keys", user)


def staff_accounts() -> None:
    with accounts_lock():
        ensure_group(STAFF_GROUP)
        for name in (ADMIN, COUNSELOR, SUPERVISOR):
            subprocess.run(["useradd", "-m", "-s", "/bin/sh", "-G", STAFF_GROUP, name], check=True)


def test_host_adopt_takes_over_a_shared_clinic_and_the_staff_keys(host, install):
    staff_accounts()
    root = host / "clinic"
    shared_clinic(root)
    put_keys(ADMIN, f"{ED25519} ada@laptop\n")
    put_keys(COUNSELOR, f"# Cole's keys\n"
                        f'from="10.0.0.*",command="/bin/sh -c \\"id\\"" {ECDSA256} cole@laptop\n'
                        f"{DSA} cole@old\n"
                        f"{ED25519} borrowed-from-ada\n"
                        f"{SK_ED25519} cole@yubikey\n")
    assert_locked_out_before = as_user(COUNSELOR, "cat", str(root / "clinic.json"))
    assert assert_locked_out_before.returncode == 0          # the shared model: every member reads it all

    done = as_root(install, host, "host", "adopt", "--data", str(root), "--service-user", SERVICE, "--admin", ADMIN)
    assert done.returncode == 0, done.stderr
    account = pwd.getpwnam(SERVICE)
    assert_service_owns(root, account)
    snapshot = DataDir(root, user=ADMIN).snapshot()
    assert snapshot.settings.service_user == SERVICE
    assert snapshot.settings.ssh_entry == str(install.dir / "bin" / "facilitator-ssh")
    assert snapshot.staff[ADMIN].keys == (ED25519,)
    assert snapshot.staff[COUNSELOR].keys == (ECDSA256, SK_ED25519)     # options dropped
    assert snapshot.staff[SUPERVISOR].keys == ()
    out = done.stdout
    assert f"{COUNSELOR}: took 2 key(s)" in out and fingerprint(SK_ED25519) in out
    assert "refused:" in out and "line 3: is a ssh-dss key" in out
    assert f"{COUNSELOR}: " in out and "already fct_hk_admin's" in out
    assert f"No key yet (facilitator staff key add USER FILE.pub): fct_hk_laptop, {SUPERVISOR}" in out
    authorized = (Path(account.pw_dir) / ".ssh" / "authorized_keys").read_text()
    assert f"--staff {COUNSELOR} --data {root}\" {ECDSA256} facilitator:{COUNSELOR}" in authorized
    assert "cole@" not in authorized and "/bin/sh -c" not in authorized
    audit = [json.loads(line) for f in sorted((root / "audit").glob("*.jsonl")) for line in f.read_text().splitlines()]
    assert [e["action"] for e in audit[-4:]] == ["settings.host", "staff.key-add", "staff.key-add", "staff.key-add"]
    assert all(e["user"] == ADMIN for e in audit[-4:])

    for user in (COUNSELOR, ADMIN, SUPERVISOR):
        assert_locked_out(user, root)
    verify_as_service(install, root, ADMIN)

    # Adopting again changes nothing more and adds no key twice.
    again = as_root(install, host, "host", "adopt", "--data", str(root), "--service-user", SERVICE, "--admin", ADMIN)
    assert again.returncode == 0, again.stderr
    assert "0 paths changed" in again.stdout
    assert DataDir(root, user=ADMIN).snapshot().staff[COUNSELOR].keys == (ECDSA256, SK_ED25519)


@pytest.mark.parametrize("planted", ["symlink", "hardlink", "fifo"])
def test_host_adopt_refuses_a_planted_path_before_changing_anything(host, install, planted):
    staff_accounts()
    root = host / "clinic"
    shared_clinic(root)
    target = root / "records" / "planted"
    if planted == "symlink":
        target.symlink_to("/etc/shadow")
    elif planted == "hardlink":
        outside = host / "outside"
        outside.write_text("not the clinic's")
        os.link(outside, target)
    else:
        os.mkfifo(target)
    before = {str(p): (p.lstat().st_uid, p.lstat().st_mode) for p in paths_under(root)}
    done = as_root(install, host, "host", "adopt", "--data", str(root), "--service-user", SERVICE, "--admin", ADMIN)
    assert done.returncode == 2 and str(target) in done.stderr and done.stderr.count("\n") == 1, done
    assert {str(p): (p.lstat().st_uid, p.lstat().st_mode) for p in paths_under(root)} == before
    assert os.stat("/etc/shadow").st_uid == 0


def test_host_adopt_needs_an_active_admin(host, install):
    staff_accounts()
    root = host / "clinic"
    shared_clinic(root)
    before = {str(p): p.lstat().st_mode for p in paths_under(root)}
    for admin in (COUNSELOR, "fct_hk_former", "nobody"):
        done = as_root(install, host, "host", "adopt", "--data", str(root), "--service-user", SERVICE,
                       "--admin", admin)
        assert done.returncode == 2 and "is not an active admin" in done.stderr, done
    assert {str(p): p.lstat().st_mode for p in paths_under(root)} == before


def invented_key(n: int) -> str:
    """An ed25519 public key line of 32 invented bytes (the parser checks form, not the curve)."""
    import base64
    import struct
    raw = b"".join(struct.pack(">I", len(p)) + p for p in (b"ssh-ed25519", bytes([n]) * 32))
    return "ssh-ed25519 " + base64.b64encode(raw).decode()


def test_two_staff_changes_at_once_leave_every_key_in_authorized_keys(host, install):
    """Two service-account processes add members with keys at the same time: every key ends
    up in authorized_keys (end to end; the lock that orders the writers is not forced into a
    bad interleaving here, so this would not catch a missing lock on its own)."""
    key = host / "ada.pub"
    key.write_text(ED25519 + "\n")
    data = host / "clinic"
    done = as_root(install, host, "host", "init", "--service-user", SERVICE, "--data", str(data), "--clinic",
                   "Invented Recovery", "--timezone", "America/Chicago", "--admin", "ada", "--admin-name",
                   "Ada Inventedname", "--admin-key", str(key))
    assert done.returncode == 0, done.stderr
    snippet = ("from pathlib import Path\n"
               "from facilitator.store.clinic import open_clinic\n"
               "from facilitator.store.staff import add_staff\n"
               "data = open_clinic(Path(sys.argv[1]), user='ada')\n"
               "for n, key in enumerate(sys.argv[3:]):\n"
               "    add_staff(data, f'{sys.argv[2]}{n}', f'Invented Person', 'counselor', keys=[key])\n")
    code = (f"import sys; sys.path[:0] = [{str(install.dir / 'src')!r}, {str(install.dir / 'site')!r}]\n" + snippet)
    keys = {"amy": [invented_key(n) for n in range(1, 6)], "bob": [invented_key(n) for n in range(11, 16)]}
    writers = [subprocess.Popen([*as_account(SERVICE), install.python, "-s", "-c", code, str(data), who, *found],
                                cwd="/", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for who, found in keys.items()]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    lines = (Path(pwd.getpwnam(SERVICE).pw_dir) / ".ssh" / "authorized_keys").read_text().splitlines()
    listed = {line.split('" ', 1)[1].rsplit(" ", 1)[0] for line in lines if not line.startswith("#")}
    assert listed == {ED25519, *keys["amy"], *keys["bob"]}
