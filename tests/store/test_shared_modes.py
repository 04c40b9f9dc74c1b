"""The two permission models at the store level, whatever the umask: private (0640/0750) and
shared (a setgid clinic folder: everything 0660/2770, the folder's group). One account here;
three real accounts in tests/accounts/test_shared_clinic.py."""

from __future__ import annotations

import grp
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from facilitator.store.audit import AuditLog
from facilitator.store.files import atomic_write, lock_path, locked, make_dirs
from facilitator.store.sharing import fix_permissions, permission_problems

WHEN = datetime(2026, 11, 18, 18, 0, tzinfo=UTC)


@pytest.fixture(params=[0o077, 0o022, 0o002])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def write_everything(root: Path) -> None:
    make_dirs(root / "records" / "2026" / "11")
    target = root / "records" / "2026" / "11" / "2026-11-18-1800-x.json"
    with locked(target):
        atomic_write(target, b"{}")
    with locked(target):
        atomic_write(target, b"{} ")              # a replaced file
    AuditLog(root / "audit").append(at=WHEN, user="u", action="a", record="r")


def modes(root: Path) -> dict[str, int]:
    found = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files + ([""] if folder == str(root) else []):
            path = Path(folder) / name
            found[str(path.relative_to(root))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def test_a_private_clinic_is_0640_and_0750_whatever_the_umask(tmp_path, umask):
    root = tmp_path / "clinic"
    make_dirs(root)
    write_everything(root)
    for rel, mode in modes(root).items():
        wanted = 0o750 if (root / rel).is_dir() else 0o640
        assert mode == wanted, (rel, oct(mode))
    assert permission_problems(root) == []


def test_a_setgid_clinic_folder_shares_everything_with_its_group(tmp_path, umask):
    root = tmp_path / "clinic"
    root.mkdir()
    gid = os.getgroups()[0] if os.getgroups() else os.getgid()
    os.chown(root, -1, gid)
    os.chmod(root, 0o2770)
    write_everything(root)
    found = modes(root)
    assert ".2026-11-18-1800-x.json.lock" in {Path(r).name for r in found}
    assert "audit/.log.lock" in found
    for rel, mode in found.items():
        path = root / rel
        wanted = 0o2770 if path.is_dir() else 0o660
        assert mode == wanted, (rel, oct(mode))
        assert path.lstat().st_gid == gid, rel
    assert permission_problems(root) == []


def test_fix_permissions_converts_and_verify_names_each_wrong_path(tmp_path):
    root = tmp_path / "clinic"
    make_dirs(root)
    write_everything(root)                        # private
    group = grp.getgrgid(os.getgid()).gr_name
    assert fix_permissions(root, group) > 0
    assert permission_problems(root) == []
    assert fix_permissions(root, group) == 0      # idempotent
    os.chmod(root / "audit", 0o750)
    os.symlink("/etc/passwd", lock_path(root / "clinic.json"))
    problems = permission_problems(root)
    assert any(p.startswith(f"{root / 'audit'} has mode 750, not 2770") for p in problems)
    assert any(p.startswith(f"{lock_path(root / 'clinic.json')} is a symbolic link") for p in problems)
    assert all(p.count(".") >= 1 and "\n" not in p for p in problems)


def test_init_with_an_unknown_group_is_one_sentence_and_makes_nothing(tmp_path, capsys):
    from facilitator.cli import main
    root = tmp_path / "clinic"
    code = main(["init", "--clinic", "T", "--timezone", "UTC", "--group", "fct_no_such_group",
                 "--data", str(root)])
    err = capsys.readouterr().err
    assert code == 2 and "no group named 'fct_no_such_group'" in err and err.count("\n") == 1
    assert not root.exists()


def test_a_new_private_clinic_does_not_inherit_a_setgid_folder_around_it(tmp_path):
    from facilitator.core.clinic import ClinicSettings
    from facilitator.store.datadir import DataDir
    around = tmp_path / "srv"
    around.mkdir()
    os.chmod(around, 0o2775)
    data = DataDir.init(around / "clinic", ClinicSettings(name="T", timezone="UTC"), user="u",
                        display_name="U")
    assert stat.S_IMODE((around / "clinic").stat().st_mode) == 0o750
    assert stat.S_IMODE(data.clinic_file.path.stat().st_mode) == 0o640
