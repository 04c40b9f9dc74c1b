"""`facilitator backup FILE|-`, `verify --archive FILE|-`, `restore ARCHIVE --data DIR` (#21):
no facilitator command writes into a folder it did not create, and a hostile archive is
refused in one sentence naming the member, before anything is extracted where it stays.

The acting user is the OS account, the clinic's admin (tests/cli/conftest.py). The attacks
that need a second OS account are in tests/accounts/test_archive_accounts.py."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pytest

from facilitator.store import archive
from tests.cli.conftest import ATTENDANCE_HEADER, run_cli, tree_bytes, write


def facilitator(*args: object, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "facilitator.cli", *map(str, args)], input=stdin,
                          capture_output=True, timeout=300)


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch) -> Path:
    """The temp folder verify and backup make their private folders in, to see them removed."""
    where = tmp_path / "tmpdir"
    where.mkdir(mode=0o700)
    monkeypatch.setattr(tempfile, "tempdir", str(where))
    return where


@pytest.fixture
def clinic(rostered_clinic: Path, tmp_path: Path, capsys) -> Path:
    path = write(tmp_path / "att.csv", "\n".join([
        ATTENDANCE_HEADER, "2026-11-02,Evening A,Q001,present,,", "2026-11-03,Morning B,Q002,present,,"]) + "\n")
    assert run_cli(capsys, "attendance", "import", path, "--data", rostered_clinic).code == 0
    return rostered_clinic


@pytest.fixture
def archive_file(clinic: Path, tmp_path: Path, capsys) -> Path:
    dest = tmp_path / "backups" / "clinic.tar"
    dest.parent.mkdir()
    result = run_cli(capsys, "backup", dest, "--data", clinic)
    assert result.code == 0, result.err
    return dest


# -- backup ----------------------------------------------------------------------------------------
def test_backup_to_a_new_file_then_verify_the_archive(archive_file: Path, private_tmp: Path, capsys) -> None:
    assert stat.S_IMODE(archive_file.stat().st_mode) == 0o600
    result = run_cli(capsys, "verify", "--archive", archive_file)
    assert result.code == 0, result.out + result.err
    assert result.out == f"verify: every file parses and the audit chain holds in {archive_file}.\n"
    assert list(private_tmp.iterdir()) == []                      # the private folder is gone


@pytest.mark.parametrize("dest", [["-"], []])
def test_backup_to_standard_output_is_the_same_archive_and_verifies_from_stdin(clinic: Path, dest) -> None:
    done = facilitator("backup", *dest, "--data", clinic)      # without FILE: standard output
    assert done.returncode == 0, done.stderr
    assert done.stderr.decode().startswith("Backed up ") and "standard output" in done.stderr.decode()
    with tarfile.open(fileobj=io.BytesIO(done.stdout), mode="r:") as tar:
        assert "clinic.json" in tar.getnames()
    checked = facilitator("verify", "--archive", "-", stdin=done.stdout)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.decode() == "verify: every file parses and the audit chain holds in standard input.\n"


def test_a_reader_that_goes_away_cuts_the_backup_in_one_sentence(clinic: Path, tmp_path: Path) -> None:
    # Records enough that the archive outgrows a pipe's buffer (64 KB) before the reader leaves.
    for n in range(40):
        write(clinic / "plans" / f"filler-{n:02d}.toml", f'title = "Filler {n}"\n' + "# x\n" * 2000)
    before = (sorted((clinic / "audit").glob("*.jsonl"))[-1]).read_bytes()
    backup = subprocess.Popen([sys.executable, "-m", "facilitator.cli", "backup", "-", "--data", str(clinic)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert backup.stdout is not None and backup.stderr is not None
    assert len(backup.stdout.read(512)) == 512
    backup.stdout.close()                     # the reader goes away
    err = backup.stderr.read()
    assert backup.wait(timeout=120) == 1
    assert err.count(b"\n") == 1 and b"closed the pipe" in err, err
    assert b"clinic.backup" not in sorted((clinic / "audit").glob("*.jsonl"))[-1].read_bytes()[len(before):]


@pytest.mark.parametrize("case", ["existing-file", "existing-folder", "link-to-a-file", "dangling-link",
                                  "missing-folder", "group-writable-folder", "inside-the-clinic"])
def test_backup_writes_only_a_new_file_in_a_folder_no_one_else_may_change(clinic: Path, tmp_path: Path,
                                                                          capsys, case: str) -> None:
    target = tmp_path / "elsewhere" / "authorized_keys"
    target.parent.mkdir()
    target.write_text("ssh-ed25519 AAAA the admin's key\n")
    dest = tmp_path / "dest.tar"
    if case == "existing-file":
        dest.write_text("keep me")
    elif case == "existing-folder":
        dest.mkdir()
    elif case == "link-to-a-file":
        dest.symlink_to(target)
    elif case == "dangling-link":
        dest.symlink_to(tmp_path / "elsewhere" / "new-file")
    elif case == "missing-folder":
        dest = tmp_path / "nowhere" / "dest.tar"
    elif case == "group-writable-folder":
        (tmp_path / "shared").mkdir()
        os.chmod(tmp_path / "shared", 0o2770)
        dest = tmp_path / "shared" / "dest.tar"
    else:
        dest = clinic / "records" / "dest.tar"
    before = tree_bytes(tmp_path)
    result = run_cli(capsys, "backup", dest, "--data", clinic)
    assert result.code == 2
    result.one_line_error()
    assert tree_bytes(tmp_path) == before
    assert target.read_text() == "ssh-ed25519 AAAA the admin's key\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["authorized_keys"]


def test_backup_refuses_a_terminal_as_standard_output(clinic: Path) -> None:
    import pty
    leader, follower = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "facilitator.cli", "backup", "-", "--data", str(clinic)],
                              stdout=follower, stderr=subprocess.PIPE, timeout=120)
    finally:
        os.close(follower)
        os.close(leader)
    assert done.returncode == 2
    assert b"standard output is a terminal" in done.stderr


# -- hostile archives ------------------------------------------------------------------------------
def member(name: str, kind: bytes = tarfile.REGTYPE, data: bytes = b"x", **attrs: object) -> tuple:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    info.mode = 0o600
    for key, value in attrs.items():
        setattr(info, key, value)
    return info, data if kind == tarfile.REGTYPE else None


def tar_of(path: Path, members: list[tuple]) -> Path:
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def sparse_tar(path: Path, sizes: list[int]) -> Path:
    """Members of the given sizes whose data is a hole in the file: costs no disk."""
    with open(path, "wb") as out:
        for n, size in enumerate(sizes):
            info = tarfile.TarInfo(f"records/big-{n}.json")
            info.size, info.mode = size, 0o600
            out.write(info.tobuf(format=tarfile.PAX_FORMAT))
            out.seek(out.tell() + size + (-size % 512))
        out.write(b"\0" * 1024)
    return path


def many_members_tar(path: Path, count: int) -> Path:
    """``count`` empty members: one ustar header patched per name (its checksum recomputed),
    as `tarfile` would write each, in a fraction of the time."""
    template = tarfile.TarInfo("records/000000.json")
    template.mode = 0o600
    header = bytearray(template.tobuf(format=tarfile.USTAR_FORMAT))
    blocks = []
    for n in range(count):
        header[0:19] = f"records/{n:06d}.json".encode()
        header[148:156] = b" " * 8
        header[148:156] = b"%06o\0 " % sum(header)
        blocks.append(bytes(header))
    with open(path, "wb") as out:
        out.write(b"".join(blocks))
        out.write(b"\0" * 1024)
    return path


def hostile(tmp_path: Path, case: str) -> tuple[Path, str]:
    """An archive and the member its refusal must name."""
    path = tmp_path / f"{case}.tar"
    ok = member("clinic.json", data=b"{}")
    if case == "dot-dot":
        return tar_of(path, [ok, member("../escaped.txt")]), "../escaped.txt"
    if case == "absolute":
        return tar_of(path, [ok, member("/etc/x")]), "/etc/x"
    if case == "symlink-then-file":
        return tar_of(path, [ok, member("records", tarfile.SYMTYPE, linkname=str(tmp_path / "outside")),
                             member("records/a.json")]), "records"
    if case == "hard-link-to-shadow":
        return tar_of(path, [ok, member("shadow", tarfile.LNKTYPE, linkname="/etc/shadow")]), "shadow"
    if case == "device":
        return tar_of(path, [ok, member("zero", tarfile.CHRTYPE, devmajor=1, devminor=5)]), "zero"
    if case == "fifo":
        return tar_of(path, [ok, member("pipe", tarfile.FIFOTYPE)]), "pipe"
    if case == "setuid":
        return tar_of(path, [ok, member("records/run.json", mode=0o4755)]), "records/run.json"
    if case == "hidden":
        return tar_of(path, [ok, member("audit/.log.lock")]), "audit/.log.lock"
    if case == "twice":
        return tar_of(path, [ok, member("clinic.json", data=b"[]")]), "clinic.json"
    if case == "sparse-10-GB":
        return sparse_tar(path, [10 * 2**30]), "records/big-0.json"
    if case == "total-over-the-cap":
        count = archive.MAX_TOTAL_BYTES // archive.MAX_MEMBER_BYTES + 1
        return sparse_tar(path, [archive.MAX_MEMBER_BYTES] * count), f"records/big-{count - 1}.json"
    if case == "100000-members":
        return many_members_tar(path, 100_000), f"records/{archive.MAX_MEMBERS:06d}.json"
    raise AssertionError(case)


HOSTILE = ["dot-dot", "absolute", "symlink-then-file", "hard-link-to-shadow", "device", "fifo", "setuid",
           "hidden", "twice", "sparse-10-GB", "total-over-the-cap", "100000-members"]


@pytest.mark.parametrize("case", HOSTILE)
def test_verify_refuses_a_hostile_archive_naming_the_member(tmp_path: Path, private_tmp: Path, capsys,
                                                            case: str) -> None:
    path, name = hostile(tmp_path, case)
    outside = tmp_path / "outside"
    result = run_cli(capsys, "verify", "--archive", path)
    assert result.code == 2, result.out + result.err
    line = result.one_line_error()
    assert repr(name) in line and str(path) in line, line
    assert list(private_tmp.iterdir()) == []
    assert not outside.exists() and not (tmp_path / "escaped.txt").exists()


@pytest.mark.parametrize("case", ["dot-dot", "symlink-then-file", "hard-link-to-shadow", "sparse-10-GB"])
def test_verify_refuses_a_hostile_archive_on_standard_input(tmp_path: Path, case: str) -> None:
    path, name = hostile(tmp_path, case)
    # Through a pipe (`cat`), not a seekable file: the 10 GB member is refused at its header.
    cat = subprocess.Popen(["cat", str(path)], stdout=subprocess.PIPE)
    try:
        done = subprocess.run([sys.executable, "-m", "facilitator.cli", "verify", "--archive", "-"],
                              stdin=cat.stdout, capture_output=True, timeout=120)
    finally:
        cat.stdout.close()                  # type: ignore[union-attr]
        cat.kill()
        cat.wait()
    assert done.returncode == 2, done.stderr
    assert repr(name).encode() in done.stderr and done.stderr.count(b"\n") == 1, done.stderr


@pytest.mark.parametrize("case", ["empty", "not-a-tar", "gzip", "truncated", "no-clinic"])
def test_verify_refuses_what_is_not_a_backup(archive_file: Path, tmp_path: Path, private_tmp: Path, capsys,
                                             case: str) -> None:
    import gzip
    path = tmp_path / "bad.tar"
    raw = archive_file.read_bytes()
    path.write_bytes({"empty": b"", "not-a-tar": b"hello, world\n" * 100, "gzip": gzip.compress(raw),
                      "truncated": raw[:1500],
                      "no-clinic": b""}[case])
    if case == "no-clinic":
        tar_of(path, [member("records/a.json")])
    result = run_cli(capsys, "verify", "--archive", path)
    assert result.code == 2, result.out + result.err
    result.one_line_error()
    assert list(private_tmp.iterdir()) == []


def rewritten(source: Path, target: Path, change) -> Path:
    """``source`` with each regular member's bytes passed through ``change(name, data)``."""
    with tarfile.open(source) as tar:
        members = [(m, tar.extractfile(m).read() if m.isreg() else None)   # type: ignore[union-attr]
                   for m in tar.getmembers()]
    for info, data in members:
        if data is not None:
            new = change(info.name, data)
            info.size = len(new)
            members[members.index((info, data))] = (info, new)
    return tar_of(target, members)


def test_verify_names_a_problem_inside_the_archive(archive_file: Path, tmp_path: Path, capsys) -> None:
    """A clinic.json changed after the log bound it: exit 1, the line names ARCHIVE:clinic.json."""
    forged = rewritten(archive_file, tmp_path / "forged.tar",
                       lambda name, data: data.replace(b"Evening A", b"Evening Z") if name == "clinic.json" else data)
    result = run_cli(capsys, "verify", "--archive", forged)
    assert result.code == 1, result.out + result.err
    assert f"{forged}:clinic.json" in result.out
    assert result.err == f"verify: {len(result.out.splitlines())} problem(s) in {forged}.\n"


@pytest.mark.parametrize("case", ["dot-dot", "absolute", "symlink-then-file", "hard-link-to-shadow", "device",
                                  "setuid", "sparse-10-GB"])
def test_the_screening_alone_refuses_them_where_python_lacks_the_data_filter(
        tmp_path: Path, private_tmp: Path, capsys, monkeypatch, case: str) -> None:
    """Debian 12's Python 3.11.2 has no `filter=` (PEP 706 came in 3.11.4): there, restore and
    verify extract without it, and the screening must hold on its own."""
    monkeypatch.setattr(archive, "FILTER", {})
    path, name = hostile(tmp_path, case)
    result = run_cli(capsys, "restore", path, "--data", tmp_path / "restored")
    assert result.code == 2
    assert repr(name) in result.one_line_error()
    assert not (tmp_path / "restored").exists() and not (tmp_path / "escaped.txt").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".restored")]


def test_verify_archive_checks_a_head_written_down_elsewhere(clinic: Path, tmp_path: Path, capsys) -> None:
    head = run_cli(capsys, "audit", "head", "--data", clinic).out.strip()   # written down, then a backup
    archive_file = tmp_path / "later.tar"
    assert run_cli(capsys, "backup", archive_file, "--data", clinic).code == 0
    assert run_cli(capsys, "verify", "--archive", archive_file, "--head", head).code == 0
    month, _, digest = head.rpartition(" ")
    result = run_cli(capsys, "verify", "--archive", archive_file, "--head", f"{month} {'0' * len(digest)}")
    assert result.code == 1, result.out + result.err


def test_a_member_named_with_terminal_escapes_is_refused_and_shown_escaped(tmp_path: Path, capsys) -> None:
    path = tar_of(tmp_path / "escapes.tar", [member("clinic.json", data=b"{}"),
                                             member("records/\x1b]0;owned\x07.json")])
    result = run_cli(capsys, "verify", "--archive", path)
    assert result.code == 2
    line = result.one_line_error()
    assert "\x1b" not in result.err and "\x07" not in result.err
    assert "control character" in line and "owned" in line
