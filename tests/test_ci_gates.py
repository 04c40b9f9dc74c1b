"""The code gates (#23): `.ci/run` runs the README's gates line (ruff, mypy) before any
test, and a failing gate ends the run. Each case runs the real `.ci/run` on a copy with a
README whose marked lines are tiny commands that leave a file behind when they run."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _marked(readme: str, mark: str) -> str:
    lines = readme.splitlines()
    at = lines.index(f"<!-- {mark} -->")
    assert lines[at + 1].startswith("```")
    return lines[at + 2]


def test_the_readme_gates_line_installs_the_test_extras_then_runs_ruff_and_mypy() -> None:
    line = _marked((ROOT / "README.md").read_text(encoding="utf-8"), "gates-command")
    steps = [step.strip() for step in line.split("&&")]
    assert steps[-2:] == [".venv/bin/ruff check .", ".venv/bin/mypy"]
    assert any("pip install -e '.[test]'" in step for step in steps[:-2])
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "[tool.ruff]" in pyproject and "[tool.mypy]" in pyproject


def _ci_copy(tmp_path: Path, gates: str) -> Path:
    (tmp_path / ".ci").mkdir()
    shutil.copy(ROOT / ".ci" / "run", tmp_path / ".ci" / "run")
    blocks = {"gates-command": gates, "test-command": "touch tests-ran",
              "faketime-command": "touch faketime-ran", "faketime-instants": "2026-11-27 14:30:00"}
    (tmp_path / "README.md").write_text("".join(f"<!-- {mark} -->\n```sh\n{line}\n```\n\n"
                                                for mark, line in blocks.items()), encoding="utf-8")
    tools = tmp_path / "bin"               # `.ci/run` asks that faketime be installed
    tools.mkdir()
    (tools / "faketime").write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    (tools / "faketime").chmod(stat.S_IRWXU)
    return tools


def _run_ci(tmp_path: Path, tools: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PATH=f"{tools}{os.pathsep}{os.environ['PATH']}", FACILITATOR_TEST_AT="2026-11-27 14:30:00")
    return subprocess.run(["bash", str(tmp_path / ".ci" / "run")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)


def test_a_failing_gate_ends_the_run_before_any_test(tmp_path: Path) -> None:
    tools = _ci_copy(tmp_path, "touch gates-ran && false")
    done = _run_ci(tmp_path, tools)
    assert done.returncode == 1
    assert "a code gate failed" in done.stderr
    assert (tmp_path / "gates-ran").exists()
    assert not (tmp_path / "tests-ran").exists() and not (tmp_path / "faketime-ran").exists()


def test_passing_gates_run_first_then_the_tests(tmp_path: Path) -> None:
    tools = _ci_copy(tmp_path, "touch gates-ran")
    done = _run_ci(tmp_path, tools)
    assert done.returncode == 0, done.stderr
    order = [line for line in done.stdout.splitlines() if line.startswith("+ ")]
    assert order[:2] == ["+ touch gates-ran", "+ touch tests-ran"]
    assert (tmp_path / "tests-ran").exists() and (tmp_path / "faketime-ran").exists()
