"""Helpers for the command-line tests: run ``facilitator.cli.main`` in-process, build
invented CSV files, and snapshot a clinic directory's bytes to prove "nothing was written".

All names and ids here are invented. The acting user is the OS account (``os_user()``),
which ``init`` makes the clinic's admin, so these tests make their clinics with the CLI
rather than with the shared ``clinic`` fixture (whose user is ``counselor1``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from facilitator.cli import main

TZ = "America/Chicago"
ROSTER_HEADER = "client_id,first_name,last_name,level_of_care,required_hours,admitted,discharged,groups"
ATTENDANCE_HEADER = "date,group,client_id,status,arrived,left"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def one_line_error(self) -> str:
        """Assert stderr is one sentence on one line, with no traceback; return it."""
        assert "Traceback" not in self.err, self.err
        assert self.err.endswith("\n"), repr(self.err)
        assert self.err.count("\n") == 1, f"more than one line on stderr: {self.err!r}"
        line = self.err.strip()
        assert line and line.endswith((".", "?", "!")), repr(line)
        return line


def run_cli(capsys: pytest.CaptureFixture[str], *args: object) -> Result:
    capsys.readouterr()  # drop anything earlier
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return Result(code, out, err)


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every data file's bytes (lock and temp files, which start with '.', left out)."""
    root = Path(root)
    return {str(p.relative_to(root)): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.name.startswith(".")}


def record_files(root: Path) -> list[Path]:
    return sorted(p for p in (Path(root) / "records").rglob("*.json") if not p.name.startswith("."))


def csv_text(header: str, rows: Iterable[Sequence[str]], *, newline: str = "\n") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    for row in rows:
        writer.writerow(row)
    return header + newline + buffer.getvalue()


def csv_body(out: str) -> str:
    """A CSV export's text after its UTF-8 byte-order mark, which it must start with."""
    assert out.startswith("\ufeff"), repr(out[:40])
    return out[1:]


def write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def open_data(root: Path):
    from facilitator.store.clinic import open_clinic
    return open_clinic(root)


@pytest.fixture(autouse=True)
def _no_env_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may fall back to the real user data directory or a debug re-raise."""
    monkeypatch.delenv("FACILITATOR_DATA", raising=False)
    monkeypatch.delenv("FACILITATOR_DEBUG", raising=False)


@pytest.fixture
def empty_clinic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A new clinic made with `facilitator init`; no groups, no clients."""
    root = tmp_path / "clinic"
    result = run_cli(capsys, "init", "--clinic", "Invented Recovery Center", "--timezone", TZ, "--data", root)
    assert result.code == 0, result.err
    return root


@pytest.fixture
def grouped_clinic(empty_clinic: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The new clinic with two groups: 'Evening A' (mon,wed,thu 18:00, 180 min) and 'Morning B'."""
    for args in (("Evening A", "--days", "mon,wed,thu", "--start", "18:00", "--minutes", "180",
                  "--plan", "iop-evening-triggers"),
                 ("Morning B", "--days", "tue,fri", "--start", "10:00", "--minutes", "90")):
        result = run_cli(capsys, "groups", "add", *args, "--data", empty_clinic)
        assert result.code == 0, result.err
    return empty_clinic


ROSTER_ROWS = [
    # id, first, last, level, hours, admitted, discharged, groups
    ("Q001", "Avery", "Inventedname", "IOP", "", "2026-11-01", "", "Evening A"),
    ("Q002", "Blake", "Madeupson", "IOP", "10", "2026-11-01", "", "Evening A;Morning B"),
    ("Q003", "Casey", "Notaperson", "PHP", "", "2026-11-20", "", "Evening A"),
    ("Q004", "Devon", "Fictional", "IOP", "", "2026-10-01", "2026-11-10", "Evening A"),
]


@pytest.fixture
def rostered_clinic(grouped_clinic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """Groups plus four invented clients (Q003 admitted 2026-11-20; Q004 discharged 2026-11-10)."""
    path = write(tmp_path / "roster.csv", csv_text(ROSTER_HEADER, ROSTER_ROWS))
    result = run_cli(capsys, "roster", "import", path, "--data", grouped_clinic)
    assert result.code == 0, result.err
    return grouped_clinic


def assert_rejected_whole(result: Result, path: Path, line_no: int, field: str | None,
                          words: Iterable[str], root: Path, before: dict[str, bytes]) -> None:
    """Exit 2, one sentence naming the file, line and field, nothing on stdout, nothing written."""
    assert result.code == 2, result
    line = result.one_line_error()
    assert line.startswith(f"{path}, line {line_no}"), line
    if field:
        assert f"field '{field}'" in line, line
    for word in words:
        assert word in line, line
    assert result.out == ""
    assert tree_bytes(root) == before
