"""Whatever a roster or attendance file holds, the CLI exits 0 or 2 with one line, never a
traceback, and a rejected file changes nothing."""

from __future__ import annotations

import contextlib
import csv
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from facilitator.cli import main
from tests.cli.conftest import ATTENDANCE_HEADER, ROSTER_HEADER, TZ, tree_bytes

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def fuzz_clinic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz") / "clinic"
    steps = [
        ["init", "--clinic", "Invented Fuzz Clinic", "--timezone", TZ],
        ["groups", "add", "Evening A", "--days", "mon,wed", "--start", "18:00", "--minutes", "180"],
    ]
    with tempfile.TemporaryDirectory() as tmp:
        roster = Path(tmp) / "r.csv"
        roster.write_text(ROSTER_HEADER + "\nQ001,Avery,Inventedname,IOP,,2026-11-01,,Evening A\n")
        steps.append(["roster", "import", str(roster)])
        for argv in steps:
            code, _, err = call([*argv, "--data", str(root)])
            assert code == 0, err
    return root


def call(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def check_import(root: Path, noun: str, content: bytes) -> None:
    with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as handle:
        handle.write(content)
        path = Path(handle.name)
    try:
        before = tree_bytes(root)
        code, out, err = call([noun, "import", str(path), "--data", str(root)])
    finally:
        path.unlink()
    assert code in (0, 2), (code, err)
    event(f"exit {code}" + (f": {err.split(': ', 1)[-1][:25]}" if code else ""))
    assert "Traceback" not in err
    assert "internal error" not in err, err
    if code == 2:
        assert err.count("\n") == 1, repr(err)
        assert err.startswith(str(path)), err
        assert out == ""
        assert tree_bytes(root) == before
    else:
        assert err == ""


ROSTER_VALUES = st.one_of(
    st.sampled_from(["", "Q001", "Q002", "IOP", "PHP", "OP", "IOP-adolescent", "9", "-1", "nan", "1e3",
                     "2026-11-01", "2026-02-30", "2027-01-01", "Evening A", "Evening A;Nope", "Avery",
                     "=1+1", "@x", " ", "\"", ";", "Ren\u00e9e", "\ufeff"]),
    st.text(max_size=12),
)
ATTENDANCE_VALUES = st.one_of(
    st.sampled_from(["", "2026-11-02", "2026-10-01", "2026-11-31", "Evening A", "Nope", "Q001", "Q999",
                     "present", "late", "left_early", "absent", "excused", "telehealth", "tardy",
                     "18:00", "18:20", "6:61", "21:00", "00:00", "23:59", "24:00"]),
    st.text(max_size=8),
)


def structured(header: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    width = header.count(",") + 1

    def render(rows: list[list[str]], crlf: bool, bom: bool) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n" if crlf else "\n").writerows(rows)
        text = ("\ufeff" if bom else "") + header + ("\r\n" if crlf else "\n") + buffer.getvalue()
        return text.encode("utf-8", "surrogatepass")

    # mostly the right number of fields, so that rows reach the field checks
    row = st.one_of(st.lists(values, min_size=width, max_size=width),
                    st.lists(values, min_size=width, max_size=width),
                    st.lists(values, min_size=width - 1, max_size=width + 1))
    return st.builds(render, st.lists(row, max_size=5), st.booleans(), st.booleans())


@FUZZ
@given(content=st.binary(max_size=600))
def test_roster_random_bytes(fuzz_clinic: Path, content: bytes) -> None:
    check_import(fuzz_clinic, "roster", content)


@FUZZ
@given(text=st.text(max_size=400))
def test_roster_random_text(fuzz_clinic: Path, text: str) -> None:
    check_import(fuzz_clinic, "roster", text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(text=st.text(max_size=300))
def test_roster_random_text_after_a_good_header(fuzz_clinic: Path, text: str) -> None:
    check_import(fuzz_clinic, "roster", (ROSTER_HEADER + "\n" + text).encode("utf-8", "surrogatepass"))


@FUZZ
@given(content=structured(ROSTER_HEADER, ROSTER_VALUES))
def test_roster_structured_rows(fuzz_clinic: Path, content: bytes) -> None:
    check_import(fuzz_clinic, "roster", content)


@FUZZ
@given(content=structured(ATTENDANCE_HEADER, ATTENDANCE_VALUES))
def test_attendance_structured_rows(fuzz_clinic: Path, content: bytes) -> None:
    check_import(fuzz_clinic, "attendance", content)
