"""A clinic on a host (issue #21): one service account owns it, staff are known by their keys.

Two halves. As root (``host init``, ``host adopt``): the service account, the data directory's
owner and modes, the system configuration file; root never writes inside the clinic. As the
service account (a child process with root's privileges dropped): the clinic itself, the
settings ``service_user``/``ssh_entry`` (set only here, never by ``settings set``), the staff
keys and ``authorized_keys``, each an audited change made as the admin named on the command line.
"""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from facilitator.core.clinic import ClinicSettings
from facilitator.core.errors import InputError, PermissionDenied
from facilitator.store.files import DamagedFile, fsync_dir

if TYPE_CHECKING:
    from facilitator.store.datadir import DataDir

DATA_DIR_MODE = 0o700      # the clinic's top folder: the service account's alone
ADOPTED_DIR_MODE = 0o750   # folders below it and files, as on a laptop (store.files)
ADOPTED_FILE_MODE = 0o640


def set_host(data: DataDir, service_user: str, ssh_entry: str) -> ClinicSettings:
    """Store the service account and the forced command's absolute path (checked as the strict
    reader checks them); one audited change. The caller rewrites authorized_keys after it."""
    data.require("settings.change")
    with data.change("settings.host", "settings", {"service_user": service_user}) as change, \
            data.clinic_file.transaction() as db:
        table = db.table("settings")
        docs = table.all()
        if len(docs) != 1:
            raise DamagedFile(data.clinic_file.path, "it has no clinic settings")
        current = ClinicSettings.from_dict(docs[0])
        updated = current.with_changes(service_user=service_user, ssh_entry=ssh_entry)
        if updated == current:
            change.cancel()
            return current
        table.update({"service_user": service_user, "ssh_entry": ssh_entry}, doc_ids=[docs[0].doc_id])
    return updated


# --- as root -------------------------------------------------------------------------------

def require_root(command: str) -> None:
    if os.geteuid() != 0:
        raise PermissionDenied(f"facilitator {command} must be run as root (e.g. sudo facilitator {command} ...); "
                               f"nothing was changed.")


def service_account(name: str) -> pwd.struct_passwd | None:
    try:
        found = pwd.getpwnam(name)
    except KeyError:
        return None
    if found.pw_uid == 0:
        raise InputError(f"{name} is root's account; the service account must be its own", field="--service-user")
    return found


def ensure_service_account(name: str) -> tuple[pwd.struct_passwd, bool]:
    """The service account, made if missing: a system account with a home and /bin/sh, no
    password but not locked ("*": sshd refuses a locked account even with a key)."""
    found = service_account(name)
    if found is not None:
        return found, False
    subprocess.run(["useradd", "--system", "--create-home", "--shell", "/bin/sh", "--password", "*",
                    "--comment", "facilitator clinic service", name],
                   check=True, capture_output=True, text=True)
    made = service_account(name)
    assert made is not None      # useradd succeeded
    return made, True


def check_new_data_dir(path: Path) -> bool:
    """True if ``path`` exists (then an empty folder, not a link); refused otherwise."""
    try:
        found = path.lstat()
    except FileNotFoundError:
        return False
    if not stat.S_ISDIR(found.st_mode):
        raise InputError("exists and is not a folder; choose a new or empty folder", file=str(path))
    if any(path.iterdir()):
        raise InputError("exists and is not empty; choose a new or empty folder (host adopt takes over "
                         "an existing clinic)", file=str(path))
    return True


def make_data_dir(path: Path, account: pwd.struct_passwd) -> bool:
    """The clinic's folder: the service account's, 0700, no setgid bit (parents made 0755).
    True if it existed (empty)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    existed = False
    try:
        os.mkdir(path, DATA_DIR_MODE)
    except FileExistsError:
        existed = check_new_data_dir(path)
    _own(path, path.lstat(), account, DATA_DIR_MODE)
    return existed


def write_site_config(config: Path, data: Path) -> None:
    """``data = "DIR"`` in the system configuration file (0644, atomically). ``DIR`` holds no
    quote, backslash or control character (``core.sshkeys.check_path``), so it needs no escape."""
    config.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    temp = config.with_name(f".{config.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(f'# Written by facilitator host init: the clinic every account on this host uses.\n'
                  f'data = "{data}"\n')
        out.flush()
        os.fsync(out.fileno())
    os.chmod(temp, 0o644)
    os.replace(temp, config)
    fsync_dir(config.parent)


def _refusal(path: Path, found: os.stat_result) -> str | None:
    """Why ``host adopt`` will not take ``path`` over: a link, a special file, a hard link."""
    if stat.S_ISLNK(found.st_mode):
        return "is a symbolic link"
    if not (stat.S_ISDIR(found.st_mode) or stat.S_ISREG(found.st_mode)):
        return "is not a regular file or folder"
    if stat.S_ISREG(found.st_mode) and found.st_nlink > 1:
        return "is a hard link to a file elsewhere"
    return None


def clinic_paths(root: Path) -> list[tuple[Path, os.stat_result]]:
    """Every path under ``root`` (never following a link), each refused as ``_refusal`` says."""
    found: list[tuple[Path, os.stat_result]] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            info = path.lstat()
            why = _refusal(path, info)
            if why:
                raise InputError(f"{why}; facilitator host adopt takes over only the clinic's own files "
                                 f"and folders: remove it, then run host adopt again", file=str(path))
            found.append((path, info))
    return found


def take_over(root: Path, account: pwd.struct_passwd) -> int:
    """Make every path under ``root`` the service account's: the top folder 0700 first (no
    one else can then enter it), then folders 0750 and files 0640, setgid bits gone. Returns
    how many paths changed."""
    top = root.lstat()
    if not stat.S_ISDIR(top.st_mode):
        raise InputError("is not a folder", file=str(root))
    clinic_paths(root)                 # refused before anything changes
    changed = _own(root, top, account, DATA_DIR_MODE)
    for path, info in clinic_paths(root):      # again, now that no one else can change them
        mode = ADOPTED_DIR_MODE if stat.S_ISDIR(info.st_mode) else ADOPTED_FILE_MODE
        changed += _own(path, info, account, mode)
    return changed


def _own(path: Path, info: os.stat_result, account: pwd.struct_passwd, mode: int) -> int:
    """Give ``path`` to the service account with ``mode``, through a descriptor opened without
    following a link, and only if it is still the file ``info`` describes (not swapped since)."""
    if (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (account.pw_uid, account.pw_gid, mode):
        return 0
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        now = os.fstat(fd)
        if (now.st_dev, now.st_ino) != (info.st_dev, info.st_ino):
            raise InputError("changed while facilitator was taking it over; nothing more was changed",
                             file=str(path))
        os.fchown(fd, account.pw_uid, account.pw_gid)
        os.fchmod(fd, mode)
    finally:
        os.close(fd)
    return 1


def account_keys(user: str) -> tuple[list[str], list[str]] | None:
    """The keys in the OS account ``user``'s ``~/.ssh/authorized_keys`` (options dropped), and
    why each other line was refused; None if there is no such account on this host."""
    from facilitator.core.sshkeys import authorized_keys_entries
    from facilitator.store.files import NotRegularFile, TooLarge, read_regular
    try:
        home = Path(pwd.getpwnam(user).pw_dir)
    except KeyError:
        return None
    path = home / ".ssh" / "authorized_keys"
    try:
        text = read_regular(path, limit=1 << 20).decode("utf-8", errors="replace")
    except FileNotFoundError:
        return [], []
    except (NotRegularFile, TooLarge, OSError) as err:
        return [], [f"{path}: cannot be read ({err})"]
    keys, refused = [], []
    for number, found in authorized_keys_entries(text):
        if isinstance(found, str):
            keys.append(found)
        else:
            refused.append(f"{path}, line {number}: {found.message}")
    return keys, refused


# --- as the service account ---------------------------------------------------------------

def init_as_service(root: Path, settings: ClinicSettings, admin: str, admin_name: str, key: str) -> Path | None:
    """The clinic, its first admin with their key, and authorized_keys: run as the service
    account (``settings.service_user``)."""
    from facilitator.store.datadir import DataDir
    from facilitator.store.hostkeys import write_authorized_keys
    from facilitator.store.staff import add_key
    _check_entry(settings.ssh_entry)
    data = DataDir.init(root, settings, user=admin, display_name=admin_name)
    add_key(data, admin, key)
    return write_authorized_keys(data)


def adopt_as_service(root: Path, admin: str, service_user: str, entry: str,
                     keys: dict[str, list[str]]) -> dict[str, list[str]]:
    """Set the service account and the forced command, add each member's keys (one audited
    change each; a key already theirs is skipped, another member's is refused), rewrite
    authorized_keys. Returns the keys added by member, and each refusal."""
    from facilitator.store.clinic import open_clinic
    from facilitator.store.hostkeys import write_authorized_keys
    from facilitator.store.staff import add_key
    _check_entry(entry)
    data = open_clinic(root, user=admin)
    set_host(data, service_user, entry)
    added: dict[str, list[str]] = {"refused": []}
    for user, found in sorted(keys.items()):
        for key in found:
            if key in data.snapshot().staff[user].keys:
                continue
            try:
                add_key(data, user, key)
            except InputError as err:
                added["refused"].append(f"{user}: {err}")
            else:
                added.setdefault(user, []).append(key)
    write_authorized_keys(data)
    return added


def _check_entry(entry: str | None) -> None:
    if entry is None or not os.access(entry, os.X_OK):
        raise InputError(f"the service account cannot run {entry}; install facilitator where every "
                         f"account can read and run it", field="facilitator-ssh")
