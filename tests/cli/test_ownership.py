"""A data directory is its OS account's alone (issue #21): made 0700 whatever the umask,
`verify` names whatever another account could use, and a clinic left on the old group-shared
model (setgid or group-writable folder) is refused in one sentence naming `host adopt`, with
no mode changed and nothing written. (The same with real other accounts: tests/accounts/.)"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from facilitator.store.datadir import DataDir
from tests.cli.conftest import TZ, Result, run_cli, tree_bytes
from tests.conftest import FakeClock

ADOPT = "`facilitator host adopt --data {root} --service-user facilitator`"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def modes(root: Path) -> dict[str, int]:
    """Every path's full mode (setgid bit included), the top folder's as ``.``."""
    return {str(p.relative_to(root)): p.lstat().st_mode for p in [root, *sorted(root.rglob("*"))]}


def verify(capsys: pytest.CaptureFixture[str], root: Path) -> Result:
    return run_cli(capsys, "verify", "--data", root)


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077])
def test_init_makes_the_clinic_folder_0700_whatever_the_umask(tmp_path, capsys, umask):
    root = tmp_path / "new" / "clinic"
    old = os.umask(umask)
    try:
        result = run_cli(capsys, "init", "--clinic", "Invented Center", "--timezone", TZ, "--data", root)
    finally:
        os.umask(old)
    assert result.code == 0, result.err
    assert mode(root) == 0o700
    assert verify(capsys, root).code == 0


def test_init_into_an_existing_empty_folder_makes_it_0700(tmp_path, capsys):
    root = tmp_path / "made-by-hand"
    root.mkdir()
    os.chmod(root, 0o2775)                 # as an old host set-up left it: setgid, the group's
    result = run_cli(capsys, "init", "--clinic", "Invented Center", "--timezone", TZ, "--data", root)
    assert result.code == 0, result.err
    assert mode(root) == 0o700 and not root.stat().st_mode & stat.S_ISGID


def test_init_has_no_group_option_and_fix_permissions_is_gone(tmp_path, capsys):
    root = tmp_path / "clinic"
    result = run_cli(capsys, "init", "--clinic", "Invented Center", "--timezone", TZ, "--group", "staff",
                     "--data", root)
    assert result.code == 2 and "--group" in result.one_line_error()
    assert not root.exists()
    result = run_cli(capsys, "fix-permissions", "--group", "staff", "--data", root)
    assert result.code == 2 and "fix-permissions" in result.one_line_error()


@pytest.mark.parametrize("top", [0o750, 0o755, 0o710, 0o701])
def test_verify_names_a_clinic_folder_another_account_may_enter(empty_clinic, capsys, top):
    os.chmod(empty_clinic, top)
    result = verify(capsys, empty_clinic)
    assert result.code == 1
    assert (f"{empty_clinic} can be entered by other accounts on this machine (mode {top:o}); a data "
            f"directory is its own account's alone: run `chmod 700 {empty_clinic}`.") in result.out
    os.chmod(empty_clinic, 0o700)
    assert verify(capsys, empty_clinic).code == 0


def test_verify_names_a_file_any_account_may_read(empty_clinic, capsys):
    os.chmod(empty_clinic / "clinic.json", 0o644)
    result = verify(capsys, empty_clinic)
    assert result.code == 1
    assert f"{empty_clinic / 'clinic.json'} can be read by any account that reaches it (mode 644)" in result.out


@pytest.mark.parametrize("plant", ["symlink", "fifo"])
@pytest.mark.parametrize("where", [".clinic.json.lock", "audit/.log.lock", "records/planted"])
def test_verify_names_a_link_or_fifo_planted_anywhere_in_the_clinic(empty_clinic, capsys, tmp_path, plant, where):
    path = empty_clinic / where
    path.unlink(missing_ok=True)
    if plant == "symlink":
        (tmp_path / "elsewhere").write_text("someone else's file\n")
        path.symlink_to(tmp_path / "elsewhere")
    else:
        os.mkfifo(path, 0o600)
    result = verify(capsys, empty_clinic)
    assert result.code == 1
    said = "is a symbolic link; a clinic folder holds none" if plant == "symlink" else "is not a regular file or folder"
    assert f"{path} {said}" in result.out
    if plant == "symlink":
        assert (tmp_path / "elsewhere").read_text() == "someone else's file\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another account")
def test_verify_names_a_path_another_account_owns(empty_clinic, capsys):
    planted = empty_clinic / "records" / "2026"
    planted.mkdir(mode=0o750)
    os.chown(planted, 65534, 65534)       # nobody: e.g. root ran a command in the clinic as itself
    result = verify(capsys, empty_clinic)
    assert result.code == 1
    assert f"{planted} belongs to the account " in result.out
    assert "whose clinic this is; find out who put it there" in result.out


@pytest.mark.parametrize("shared", [0o2770, 0o770, 0o2750])
@pytest.mark.parametrize("command", [("verify",), ("report", "week", "--week", "2026-W48"),
                                     ("staff", "add", "fct_nobody", "--name", "New Person", "--role",
                                      "counselor"), ("settings", "show")])
def test_a_clinic_on_the_shared_group_model_is_refused_and_left_as_it_was(grouped_clinic, capsys,
                                                                         shared, command):
    os.chmod(grouped_clinic, shared)
    for path in grouped_clinic.rglob("*"):          # as fix-permissions left every file
        os.chmod(path, 0o2770 if path.is_dir() else 0o660)
    before_bytes, before_modes = tree_bytes(grouped_clinic), modes(grouped_clinic)

    result = run_cli(capsys, *command, "--data", grouped_clinic)

    assert result.code == 2
    line = result.one_line_error()
    assert line.startswith(f"{grouped_clinic} is a clinic shared with the group ")
    assert "lets every member rewrite any record" in line
    assert ADOPT.format(root=grouped_clinic) in line
    # Not a byte, not a mode, not even a lock or temp file (modes() lists every path).
    assert tree_bytes(grouped_clinic) == before_bytes and modes(grouped_clinic) == before_modes


def test_the_store_refuses_a_shared_clinic_for_every_caller_the_app_and_sync_too(grouped_clinic):
    from facilitator.store.ownership import SharedClinic
    os.chmod(grouped_clinic, 0o2770)
    with pytest.raises(SharedClinic) as refused:
        DataDir.open(grouped_clinic, user="anyone", clock=FakeClock())
    assert refused.value.exit_code == 2
    assert mode(grouped_clinic) == 0o2770


def test_a_clinic_folder_every_account_may_write_in_is_refused_and_left_as_it_was(grouped_clinic, capsys):
    os.chmod(grouped_clinic, 0o707)              # not the group's: everyone's
    before_bytes, before_modes = tree_bytes(grouped_clinic), modes(grouped_clinic)
    result = run_cli(capsys, "report", "week", "--week", "2026-W48", "--data", grouped_clinic)
    assert result.code == 2
    assert result.one_line_error() == (
        f"{grouped_clinic} can be written by every account on this machine, so anyone could replace its "
        f"records and facilitator will not use it; nothing was changed: as its owner, run "
        f"`chmod 700 {grouped_clinic}`.")
    assert tree_bytes(grouped_clinic) == before_bytes and modes(grouped_clinic) == before_modes
    os.chmod(grouped_clinic, 0o700)
    assert run_cli(capsys, "report", "week", "--week", "2026-W48", "--data", grouped_clinic).code == 0


def test_a_setgid_folder_that_holds_no_clinic_is_named_as_no_clinic(tmp_path, capsys):
    root = tmp_path / "not-a-clinic"
    root.mkdir()
    os.chmod(root, 0o2777)
    result = run_cli(capsys, "report", "week", "--week", "2026-W48", "--data", root)
    assert result.code == 2
    assert result.one_line_error().startswith(f"{root} is not a facilitator clinic (it has no clinic.json)")
    assert list(root.iterdir()) == [] and stat.S_IMODE(root.stat().st_mode) == 0o2777


@pytest.mark.parametrize(("parent_mode", "named"), [(0o777, True), (0o775, True), (0o1777, False),
                                                    (0o755, False)])
def test_verify_names_a_parent_folder_another_account_may_change(tmp_path, capsys, parent_mode, named):
    parent = tmp_path / "srv"
    root = parent / "clinic"
    assert run_cli(capsys, "init", "--clinic", "Invented Center", "--timezone", TZ, "--data", root).code == 0
    os.chmod(parent, parent_mode)      # 1777: sticky, like /tmp: no one renames what is not theirs
    result = verify(capsys, root)
    said = f"{parent}, the folder that holds the clinic, can be changed by another account"
    assert (said in result.out) is named
    assert result.code == (1 if named else 0)
