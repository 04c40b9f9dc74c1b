"""Backups and restore against another OS account (#21): a colleague's folder as the
destination, a link the colleague swaps into the path in a loop while the admin backs up,
`restore --owner` by a non-root account, and root restoring for the service account.

Accounts ``fct_ar_*`` (made idempotently, as tests/accounts does); every process of theirs is
the program as installed (``PublicInstall``), run with ``runuser``."""

from __future__ import annotations

import io
import os
import pwd
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.accounts import accounts_lock, ensure_account, public_dir
from tests.faketime import as_account

pytestmark = pytest.mark.slow

ADMIN, COLLEAGUE, SERVICE = "fct_ar_admin", "fct_ar_colleague", "fct_ar_svc"
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIInventedAdminKeyForATest fct_ar_admin\n"


@pytest.fixture(scope="module")
def ar_accounts(staff_accounts) -> None:
    with accounts_lock():
        for name, full in ((ADMIN, "Ada Archive"), (COLLEAGUE, "Cole Colleague"), (SERVICE, "Service")):
            ensure_account(name, full_name=full)


def home(user: str) -> Path:
    return Path(pwd.getpwnam(user).pw_dir)


def as_user(user: str, script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*as_account(user), "sh", "-c", script, "sh", *args], capture_output=True, text=True)


@pytest.fixture
def admins_keys(ar_accounts) -> Path:
    """The admin's ~/.ssh/authorized_keys: what the old attack wrote a colleague's key into."""
    ssh = home(ADMIN) / ".ssh"
    ssh.mkdir(mode=0o700, exist_ok=True)
    keys = ssh / "authorized_keys"
    for path in ssh.iterdir():
        path.unlink()
    keys.write_text(KEY)
    account = pwd.getpwnam(ADMIN)
    for path in (ssh, keys):
        os.chown(path, account.pw_uid, account.pw_gid)
    keys.chmod(0o600)
    return keys


@pytest.fixture
def clinic(install, ar_accounts) -> Path:
    root = home(ADMIN) / "clinic"
    subprocess.run(["rm", "-rf", str(root)], check=True)
    done = install.run(ADMIN, "077", "cli", "init", "--clinic", "Archive Clinic", "--timezone",
                       "America/Chicago", "--data", str(root))
    assert done.returncode == 0, done.stderr
    return root


def backup_as_admin(install, clinic: Path, dest: Path) -> subprocess.CompletedProcess:
    return install.run(ADMIN, "077", "cli", "backup", str(dest), "--data", str(clinic))


def refused(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    return done.stderr


def test_a_colleagues_folder_is_refused_as_a_backup_destination(install, clinic, admins_keys) -> None:
    public = public_dir("fct-ar-")
    public.chmod(0o1777)                      # like /tmp: anyone may make a folder in it
    made = as_user(COLLEAGUE, 'mkdir -m 777 "$1"', str(public / "for-the-admin"))
    assert made.returncode == 0, made.stderr
    folder = public / "for-the-admin"
    assert "belongs to another account" in refused(backup_as_admin(install, clinic, folder / "clinic.tar"))
    assert "already exists" in refused(backup_as_admin(install, clinic, folder))
    assert list(folder.iterdir()) == []
    # Nor is a restore made in it (nor in the colleague's folder as DIR).
    archive = home(ADMIN) / "clinic.tar"
    archive.unlink(missing_ok=True)
    assert backup_as_admin(install, clinic, archive).returncode == 0
    for dest in (folder / "restored", folder):
        done = install.run(ADMIN, "077", "cli", "restore", str(archive), "--data", str(dest))
        refused(done)
    assert list(folder.iterdir()) == []
    archive.unlink()
    # The colleague's link to the admin's .ssh folder, in a folder anyone may write (sticky).
    sticky = public / "drop"
    sticky.mkdir()
    sticky.chmod(0o1777)
    linked = as_user(COLLEAGUE, 'ln -s "$1" "$2"', str(admins_keys.parent), str(sticky / "ssh"))
    assert linked.returncode == 0, linked.stderr
    assert "link another account made" in refused(backup_as_admin(install, clinic, sticky / "ssh" / "x.tar"))
    assert sorted(p.name for p in admins_keys.parent.iterdir()) == ["authorized_keys"]
    assert admins_keys.read_text() == KEY
    subprocess.run(["rm", "-rf", str(public)], check=True)


SWAPPER = r'''
stop="$1"; spot="$2"; target="$3"
while [ ! -e "$stop" ]; do
  ln -s "$target" "$spot.new" 2>/dev/null; mv -T "$spot.new" "$spot" 2>/dev/null
  rm -f "$spot" 2>/dev/null; mkdir -m 777 "$spot" 2>/dev/null; rmdir "$spot" 2>/dev/null
done
'''


@pytest.mark.parametrize("spot", ["folder", "file"])
def test_a_link_swapped_in_during_backups_never_writes_outside(install, clinic, admins_keys, spot) -> None:
    """A real process of the colleague swaps a link to the admin's .ssh (or to authorized_keys
    itself) into the destination path in a loop while the admin backs up, again and again."""
    public = public_dir("fct-ar-race-")
    drop = public / "drop"
    drop.mkdir()
    drop.chmod(0o1777)
    stop = public / "stop"
    swapped = drop / ("ssh" if spot == "folder" else "clinic.tar")
    target = admins_keys.parent if spot == "folder" else admins_keys
    swapper = subprocess.Popen([*as_account(COLLEAGUE), "sh", "-c", SWAPPER, "sh", str(stop), str(swapped),
                                str(target)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    codes = []
    try:
        for n in range(8):
            dest = swapped / f"clinic-{n}.tar" if spot == "folder" else swapped
            done = backup_as_admin(install, clinic, dest)
            assert done.returncode in (0, 2) and "Traceback" not in done.stderr, done.stderr
            codes.append(done.returncode)
            if done.returncode == 0:          # the admin's own new file: taken away for the next run
                assert dest.is_file() and not dest.is_symlink() and dest.stat().st_uid == pwd.getpwnam(ADMIN).pw_uid
                with tarfile.open(dest) as tar:
                    assert "clinic.json" in tar.getnames()
                dest.unlink()
    finally:
        stop.touch()
        swapper.wait(timeout=30)
    assert admins_keys.read_text() == KEY
    assert sorted(p.name for p in admins_keys.parent.iterdir()) == ["authorized_keys"]
    if spot == "folder":
        assert codes == [2] * len(codes)      # a colleague's folder or link, or nothing there
    subprocess.run(["rm", "-rf", str(public)], check=True)


def test_owner_and_as_are_for_root_only(install, clinic) -> None:
    archive = home(ADMIN) / "clinic.tar"
    archive.unlink(missing_ok=True)
    assert backup_as_admin(install, clinic, archive).returncode == 0
    for extra in (("--owner", ADMIN), ("--as", ADMIN)):
        dest = home(ADMIN) / "restored"
        done = install.run(ADMIN, "077", "cli", "restore", str(archive), "--data", str(dest), *extra)
        assert "for root only" in refused(done)
        assert not dest.exists()
    done = install.run(ADMIN, "077", "cli", "restore", str(archive), "--data", str(home(ADMIN) / "mine"))
    assert done.returncode == 0, done.stderr
    assert (home(ADMIN) / "mine").stat().st_uid == pwd.getpwnam(ADMIN).pw_uid
    subprocess.run(["rm", "-rf", str(home(ADMIN) / "mine"), str(archive)], check=True)


def test_root_restores_for_the_service_account(install, clinic, tmp_path: Path, capsys) -> None:
    from facilitator.cli import main
    from facilitator.store.datadir import DataDir
    from facilitator.store.maintenance import verify
    raw = subprocess.run(install.argv(ADMIN, "077", "cli", "backup", "-", "--data", str(clinic)),
                         capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        assert "clinic.json" in tar.getnames()
    archive = tmp_path / "clinic.tar"
    archive.write_bytes(raw)
    parent = public_dir("fct-ar-srv-")
    dest = parent / "facilitator"
    capsys.readouterr()
    assert main(["restore", str(archive), "--data", str(dest), "--owner", SERVICE]) == 2   # root is no staff
    assert "--as STAFF" in capsys.readouterr().err
    assert not dest.exists() and list(parent.iterdir()) == []
    capsys.readouterr()
    assert main(["restore", str(archive), "--data", str(dest), "--owner", "fct_ar_nobody", "--as", ADMIN]) == 2
    assert "not an account" in capsys.readouterr().err
    assert main(["restore", str(archive), "--data", str(dest), "--owner", SERVICE, "--as", ADMIN]) == 0, \
        capsys.readouterr().err
    service = pwd.getpwnam(SERVICE)
    for path in [dest, *dest.rglob("*")]:
        info = path.lstat()
        assert (info.st_uid, info.st_gid) == (service.pw_uid, service.pw_gid), path
    assert [p.name for p in parent.iterdir()] == ["facilitator"]
    data = DataDir(dest, user=ADMIN)
    assert verify(data, full=True) == []
    last = sorted((dest / "audit").glob("*.jsonl"))[-1].read_text().splitlines()[-1]
    assert '"user": "fct_ar_admin"' in last and '"by": "root"' in last and '"owner": "fct_ar_svc"' in last
    subprocess.run(["rm", "-rf", str(parent)], check=True)


ARCHIVE_SWAPPER = r'''
stop="$1"; spot="$2"; target="$3"; real="$4"
while [ ! -e "$stop" ]; do
  ln -s "$target" "$spot.link" 2>/dev/null; mv -T "$spot.link" "$spot" 2>/dev/null
  cp "$real" "$spot.copy" 2>/dev/null; mv -T "$spot.copy" "$spot" 2>/dev/null
done
'''


def test_a_restore_from_a_colleagues_swapped_archive_never_reads_the_admins_key(install, clinic,
                                                                                admins_keys) -> None:
    """The old restore race: the archive's path swapped in a loop between a real backup and a
    link to the admin's private key while the admin restores it, again and again."""
    secret = "-----BEGIN OPENSSH PRIVATE KEY----- invented, for a test\n"
    key = admins_keys.parent / "id_ed25519"
    key.write_text(secret)
    account = pwd.getpwnam(ADMIN)
    os.chown(key, account.pw_uid, account.pw_gid)
    key.chmod(0o600)
    public = public_dir("fct-ar-restore-")
    public.chmod(0o1777)
    mine = home(ADMIN) / "clinic.tar"
    mine.unlink(missing_ok=True)
    assert backup_as_admin(install, clinic, mine).returncode == 0
    made = as_user(COLLEAGUE, 'mkdir "$1"', str(public / "colleague"))
    assert made.returncode == 0, made.stderr
    real = public / "colleague" / "real.tar"
    subprocess.run([*as_account(COLLEAGUE), "sh", "-c", 'cat > "$1"', "sh", str(real)], input=mine.read_bytes(),
                   check=True)
    spot, stop = public / "colleague" / "clinic.tar", public / "stop"
    swapper = subprocess.Popen([*as_account(COLLEAGUE), "sh", "-c", ARCHIVE_SWAPPER, "sh", str(stop), str(spot),
                                str(key), str(real)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    codes: list[int] = []
    restored: list[Path] = []
    try:
        for n in range(8):
            dest = home(ADMIN) / f"restored-{n}"
            done = install.run(ADMIN, "077", "cli", "restore", str(spot), "--data", str(dest))
            assert done.returncode in (0, 2) and "Traceback" not in done.stderr, done.stderr
            assert "PRIVATE KEY" not in done.stdout + done.stderr
            codes.append(done.returncode)
            restored.append(dest)
    finally:
        stop.touch()
        swapper.wait(timeout=30)
    for dest in restored:
        for path in dest.rglob("*") if dest.exists() else ():
            assert not path.is_file() or b"PRIVATE KEY" not in path.read_bytes(), path
    assert key.read_text() == secret
    subprocess.run(["rm", "-rf", str(public), str(mine), *map(str, restored)], check=True)
    key.unlink()
