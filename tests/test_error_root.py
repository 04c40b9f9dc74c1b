"""One error root (issue #23): every error facilitator raises on purpose is a FacilitatorError,
a Refusal the user can act on (exit 2) or a StoreProblem (exit 1), with one sentence; a write the
operating system refuses is NotSaved, naming the file, with nothing written."""

from __future__ import annotations

import errno
import importlib
import inspect
import os
import pkgutil
from datetime import date
from pathlib import Path

import pytest

import facilitator
from facilitator.core.errors import FacilitatorError, InputError, PermissionDenied, Refusal, StoreProblem
from facilitator.core.hours import OtherHours
from facilitator.errors import explain
from facilitator.store import commit, files, otherhours
from facilitator.store.files import DamagedFile, NotSaved, StoreBusy
from facilitator.store.maintenance import verify


def defined_errors() -> list[type[BaseException]]:
    """Every exception class a facilitator module defines (every module imported)."""
    found = {}
    for module in pkgutil.walk_packages(facilitator.__path__, "facilitator."):
        if module.name.endswith("__main__"):
            continue
        loaded = importlib.import_module(module.name)
        for _, cls in inspect.getmembers(loaded, inspect.isclass):
            if issubclass(cls, BaseException) and cls.__module__.startswith("facilitator."):
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return [found[name] for name in sorted(found)]


# Not a user's error but the program's: a write outside an audited change is a bug, and ends
# as "facilitator hit an internal error" (facilitator.errors.explain), never as a sentence to act on.
PROGRAMMING_ERRORS = {"UnauditedWrite"}


def test_every_error_class_is_under_the_root_in_one_branch() -> None:
    errors = [e for e in defined_errors() if e.__qualname__ not in PROGRAMMING_ERRORS]
    assert len(errors) >= 20
    strays = [e.__qualname__ for e in errors if not issubclass(e, FacilitatorError)]
    assert strays == []
    both = [e.__qualname__ for e in errors if issubclass(e, Refusal) and issubclass(e, StoreProblem)]
    assert both == []
    neither = [e.__qualname__ for e in errors
               if e is not FacilitatorError and not issubclass(e, (Refusal, StoreProblem))]
    assert neither == []
    assert "PartlySaved" not in {e.__qualname__ for e in errors}


BRANCHES = [
    ("facilitator.core.errors", "InputError", Refusal, 2),
    ("facilitator.core.errors", "PermissionDenied", Refusal, 2),
    ("facilitator.core.agenda", "AgendaError", Refusal, 2),
    ("facilitator.core.recovery", "PlanConflict", Refusal, 2),
    ("facilitator.cli.parser", "UsageError", Refusal, 2),
    ("facilitator.store.datadir", "NotAClinic", Refusal, 2),
    ("facilitator.store.datadir", "NotStaff", Refusal, 2),
    ("facilitator.store.datadir", "ClinicLocked", Refusal, 2),
    ("facilitator.sync.authority", "Refused", Refusal, 2),
    ("facilitator.tui.clientdata", "NoSuchClient", Refusal, 2),
    ("facilitator.store.files", "DamagedFile", StoreProblem, 1),
    ("facilitator.store.files", "StoreBusy", StoreProblem, 1),
    ("facilitator.store.files", "NotSaved", StoreProblem, 1),
    ("facilitator.store.files", "LockFileRefused", StoreProblem, 1),
    ("facilitator.store.files", "NotRegularFile", StoreProblem, 1),
    ("facilitator.store.files", "TooLarge", StoreProblem, 1),
    ("facilitator.store.integrity", "WitnessBroken", StoreProblem, 1),
    ("facilitator.sync.files", "SyncRefused", StoreProblem, 1),
    ("facilitator.sync.protocol", "ProtocolError", StoreProblem, 1),
    ("facilitator.sync.protocol", "VersionMismatch", StoreProblem, 2),   # upgrade one side: as today
    ("facilitator.sync.client", "SyncFailed", StoreProblem, 1),          # 2 when built so (setup)
]


@pytest.mark.parametrize(("module", "name", "branch", "code"), BRANCHES)
def test_each_class_keeps_its_name_its_branch_and_todays_exit_code(module, name, branch, code) -> None:
    cls = getattr(importlib.import_module(module), name)
    assert issubclass(cls, branch)
    assert cls.exit_code == code


def test_the_sentence_is_the_string_and_the_code_follows_the_branch() -> None:
    typed = InputError("'13' is not a month", file="roster.csv", line=4, field="admitted")
    assert typed.sentence == str(typed) == "roster.csv, line 4, field 'admitted': '13' is not a month."
    assert explain(typed) == (2, typed.sentence)
    assert isinstance(typed, ValueError)               # callers that catch ValueError still do
    denied = PermissionDenied("sup1 is a supervisor; only admins change settings")
    assert explain(denied) == (2, "sup1 is a supervisor; only admins change settings")
    busy = StoreBusy(Path("/srv/clinic/clinic.json"))
    assert explain(busy)[0] == 1 and "is locked by another facilitator process" in busy.sentence
    damaged = DamagedFile(Path("/srv/clinic/clinic.json"), "it is not valid JSON")
    assert explain(damaged) == (1, damaged.sentence) and "left untouched" in damaged.sentence


@pytest.mark.parametrize(("code", "words"), [
    (errno.ENOSPC, "The disk is full, so this change to hours/2026-11.json was not saved"),
    (errno.EDQUOT, "The disk is full, so this change to hours/2026-11.json was not saved"),
    (errno.EACCES, "Permission denied for hours/2026-11.json, so this change was not saved"),
    (errno.EROFS, "hours/2026-11.json is on a read-only disk, so this change was not saved"),
    (errno.EIO, "Could not write hours/2026-11.json (input/output error), so this change was not saved"),
])
def test_a_write_the_system_refuses_is_not_saved_naming_the_file_and_writes_nothing(
        clinic, monkeypatch, code, words) -> None:
    otherhours.log(clinic, OtherHours("T001", date(2026, 11, 20), 50, "individual"))
    hours = clinic.root / "hours" / "2026-11.json"
    saved = hours.read_bytes()
    log = {p.name: p.read_bytes() for p in (clinic.root / "audit").glob("*.jsonl")}

    def refused(path, data):
        raise OSError(code, os.strerror(code))
    monkeypatch.setattr(files, "write_temp", refused)
    monkeypatch.setattr(commit, "write_temp", refused)
    with pytest.raises(NotSaved) as raised:
        otherhours.log(clinic, OtherHours("T002", date(2026, 11, 21), 30, "family"))
    monkeypatch.undo()
    problem = raised.value
    assert problem.sentence.startswith(words)
    assert isinstance(problem, OSError) and problem.errno == code and problem.filename == "hours/2026-11.json"
    assert isinstance(problem.__cause__, OSError) and not isinstance(problem.__cause__, NotSaved)
    assert explain(problem) == (1, problem.sentence)
    for name in ("Avery", "Testperson", "Blake", "Sampleton"):    # ids and paths only, no names
        assert name not in problem.sentence
    assert hours.read_bytes() == saved
    assert {p.name: p.read_bytes() for p in (clinic.root / "audit").glob("*.jsonl")} == log
    assert list(clinic.root.rglob(".*.tmp")) == [] and verify(clinic) == []


def test_a_missing_file_is_not_turned_into_not_saved(clinic, monkeypatch) -> None:
    """Only the system's refusals of a write are NotSaved; a FileNotFoundError keeps its type
    (callers catch it to mean "not there")."""
    def gone(path, data):
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(path))
    monkeypatch.setattr(commit, "write_temp", gone)
    monkeypatch.setattr(files, "write_temp", gone)
    with pytest.raises(FileNotFoundError):
        otherhours.log(clinic, OtherHours("T002", date(2026, 11, 21), 30, "family"))


HOURS = ["hours", "add", "T001", "--date", "2026-11-20", "--minutes", "50", "--kind", "individual"]


@pytest.mark.parametrize(("case", "code", "words"), [
    ("typo", 2, "is not a number of minutes"),        # InputError
    ("not staff", 2, "is not a staff member"),         # NotStaff: this process's account is not on the list
    ("damaged", 1, "is damaged"),                      # DamagedFile
])
def test_the_command_line_catches_the_root_once(tmp_path, clinic, capsys, case, code, words) -> None:
    """Each is one sentence on one line with its branch's exit code, no traceback, and nothing
    written."""
    from facilitator.cli import main
    root = clinic.root
    argv = list(HOURS)
    if case == "typo":
        root = tmp_path / "mine"                          # a clinic this process's account made
        assert main(["init", "--clinic", "Mine", "--timezone", "America/Chicago", "--data", str(root)]) == 0
        argv[6] = "5O"
    elif case == "damaged":
        (root / "clinic.json").write_bytes(b'{"_meta": ')
    capsys.readouterr()
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")}
    assert main([*argv, "--data", str(root)]) == code
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and err.count("\n") == 1, err
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")} == before


def test_no_screen_keeps_a_list_of_error_types() -> None:
    """Screens catch the root (``tui.failures.FAILURE``): no ``except (A, B)`` naming one of
    facilitator's errors, and no module-level tuple of them, anywhere in tui/ but failures.py."""
    import ast
    names = {e.__name__ for e in defined_errors()} | {"FacilitatorError", "Refusal", "StoreProblem"}
    folder = Path(facilitator.__file__).parent / "tui"
    lists = []
    for source in sorted(folder.rglob("*.py")):
        if source.name == "failures.py":
            continue
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            caught = node.type if isinstance(node, ast.ExceptHandler) else \
                node.value if isinstance(node, ast.Assign) else None
            if isinstance(caught, ast.Tuple):
                named = {getattr(e, "id", getattr(e, "attr", None)) for e in caught.elts}
                if named & names:
                    lists.append(f"{source.name}:{node.lineno}")
    assert lists == []
