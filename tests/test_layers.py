"""The house's layers, as contracts: cli above tui above sync above store above core, and no
import cycle anywhere in ``facilitator/``.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``) and are checked here with
import-linter, in a fresh interpreter. Its graph counts every import: inside functions and
under ``TYPE_CHECKING`` too. To prove each contract can break, a copy of the package with one
bad import per contract is linted as well, and every contract must be reported broken by
that very import. tests/test_import_hygiene.py still checks, by importing, that the core
loads neither Textual nor TinyDB.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import grimp
import pytest

REPO = Path(__file__).resolve().parents[1]
LINT = [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()",
        "--no-cache", "--no-logo", "--config", str(REPO / "pyproject.toml")]


def lint(pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)   # ahead of the editable install
    return subprocess.run(LINT, cwd=pythonpath or REPO, env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_import_contracts_hold() -> None:
    done = lint()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


# contract name (as in pyproject.toml) -> (module file, import it gains, the chain reported)
BAD_IMPORTS = {
    "cli above tui above sync above store above core":
        ("store/files.py", "facilitator.sync.files", "facilitator.store.files -> facilitator.sync.files"),
    "Of the command line, only the app family opens the TUI":
        ("cli/clinic.py", "facilitator.tui.home", "facilitator.cli.clinic -> facilitator.tui.home"),
    "Command families do not import each other":
        ("cli/reports.py", "facilitator.cli.audit", "facilitator.cli.reports -> facilitator.cli.audit"),
    "The laptop's and the host's sides of sync share only protocol, files and merge":
        ("sync/server.py", "facilitator.sync.client", "facilitator.sync.server -> facilitator.sync.client"),
    "Everything below the TUI runs without Textual or Rich":
        ("store/pins.py", "textual.widgets", "facilitator.store.pins -> textual"),
    "The core is pure: no storage, locking or platform-directory library":
        ("core/weeks.py", "tinydb", "facilitator.core.weeks -> tinydb"),
    "No package or module imports its way back to itself":
        ("tui/widgets/attendance.py", "facilitator.tui.session", "- .widgets -> .session (1 import)"),
}


def test_every_contract_breaks_on_a_bad_import(tmp_path: Path) -> None:
    """A copy of the package, each contract's bad import added inside a function (as a lazy
    import would be): every contract is reported broken, naming that import."""
    shutil.copytree(REPO / "facilitator", tmp_path / "facilitator",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for relative, module, _ in BAD_IMPORTS.values():
        with (tmp_path / "facilitator" / relative).open("a") as file:
            file.write(f"\n\ndef _layer_breaker():\n    import {module}  # noqa: F401\n")
    done = lint(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert str(tmp_path) in grimp_origin(tmp_path), "linted the installed package, not the copy"
    report = done.stdout.split("Broken contracts", 1)[-1]
    names = list(BAD_IMPORTS)
    for name, (_, _, chain) in BAD_IMPORTS.items():
        assert f"{name} BROKEN" in done.stdout, done.stdout
        section = report.split(f"\n{name}\n", 1)[1]
        for other in names:
            section = section.split(f"\n{other}\n", 1)[0]
        assert chain in section, f"{name}:\n{section}"


def grimp_origin(path: Path) -> str:
    """Where a fresh interpreter with ``path`` first finds ``facilitator``."""
    return subprocess.run([sys.executable, "-c", "import facilitator; print(facilitator.__file__)"],
                          cwd=path, env={**os.environ, "PYTHONPATH": str(path)}, capture_output=True,
                          text=True, check=True).stdout


# --- no cycles, module by module -------------------------------------------------------------

def cycles(graph: grimp.ImportGraph, modules: Iterable[str]) -> list[list[str]]:
    """Every set of modules that import one another round in a circle (Tarjan's strongly
    connected components, without recursion), and every module that imports itself."""
    modules = sorted(modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in modules:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or graph.direct_import_exists(importer=node, imported=node):
                    found.append(sorted(component))
    return found


def test_no_import_cycle_anywhere_in_facilitator() -> None:
    graph = grimp.build_graph("facilitator", cache_dir=None)
    found = cycles(graph, graph.modules)
    assert found == [], "modules importing one another in a circle:\n" + "\n".join(
        " <-> ".join(component) for component in found)


@pytest.mark.parametrize(("imports", "expected"), [
    ([("a", "b"), ("b", "c")], []),
    ([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")], [["a", "b", "c"]]),
    ([("a", "b"), ("b", "a"), ("c", "d"), ("d", "e"), ("e", "d")], [["a", "b"], ["d", "e"]]),
    ([("a", "a")], [["a"]]),
])
def test_the_cycle_finder_finds_cycles(imports: list[tuple[str, str]], expected: list[list[str]]) -> None:
    graph = grimp.ImportGraph()
    for importer, imported in imports:
        graph.add_import(importer=importer, imported=imported)
    assert sorted(cycles(graph, graph.modules)) == expected
