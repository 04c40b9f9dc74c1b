"""Lock files a clumsy or hostile group member replaced: refused by name, nothing truncated."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from facilitator.store.files import LockFileRefused, atomic_write, lock_path, locked


def test_a_lock_file_replaced_by_a_symlink_is_refused_and_its_target_untouched(tmp_path: Path):
    victim = tmp_path / "someone-elses.txt"
    victim.write_text("export PATH=$PATH\n")
    data = tmp_path / "clinic.json"
    atomic_write(data, b"{}")
    os.symlink(victim, lock_path(data))
    with pytest.raises(LockFileRefused) as caught:
        with locked(data):
            atomic_write(data, b"changed")
    sentence = str(caught.value)
    assert sentence.startswith(f"{lock_path(data)} is a symbolic link")
    assert "\n" not in sentence
    assert victim.read_text() == "export PATH=$PATH\n"
    assert data.read_bytes() == b"{}"


@pytest.mark.parametrize("make", [os.mkfifo, os.mkdir])
def test_a_lock_file_that_is_a_pipe_or_a_folder_is_refused(tmp_path: Path, make):
    data = tmp_path / "pins.json"
    make(lock_path(data))
    with pytest.raises(LockFileRefused, match="is not a regular file"):
        with locked(data):
            pass


def test_a_refused_lock_file_is_one_sentence_from_the_cli(tmp_path: Path, capsys):
    from facilitator.cli import main
    root = tmp_path / "clinic"
    assert main(["init", "--clinic", "Test", "--timezone", "America/Chicago", "--data", str(root)]) == 0
    victim = tmp_path / "victim"
    victim.write_text("keep")
    lock = root / ".clinic.json.lock"
    lock.unlink()
    lock.symlink_to(victim)
    capsys.readouterr()
    assert main(["settings", "set", "idle-minutes", "7", "--data", str(root)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(lock) in err and "symbolic link" in err
    assert victim.read_text() == "keep"
