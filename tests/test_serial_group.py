"""Which tests share what, under pytest-xdist and in the clock pass (#23).

The README's test command runs the suite with ``-n auto --dist loadgroup`` less the tests
marked ``accounts``, then those alone in one process. tests/conftest.py puts each ``e2e``
test that is not ``accounts`` in the xdist group ``terminal`` (one worker runs them in turn)
and leaves the other slow tests (kill loops) to any worker; it marks tests/core and the loops
``any_hour``, which the clock pass leaves out. This collects real test files in a real
pytest process and reads back each test's group and marks.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ALONE_MARKERS, ANY_HOUR_MARKER, TERMINAL_GROUP, TERMINAL_MARKER

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"

TERMINAL = ("tests/tui/test_e2e_tmux.py", "tests/e2e/test_hangup.py", "tests/e2e/test_ssh.py")
ANYWHERE = ("tests/core/test_hours.py", "tests/tui/test_idle_lock.py", "tests/store/test_kill.py",
            "tests/store/test_concurrency.py")
ALONE = ("tests/accounts/test_group_member_attacks.py", "tests/e2e/test_sync_forgery.py")   # the runtime fixture
ANY_HOUR = ("tests/core/test_hours.py", "tests/store/test_kill.py", "tests/store/test_import_kill.py")
TIMED = ("tests/tui/test_idle_lock.py", "tests/e2e/test_hangup.py", "tests/store/test_sync_clocks.py")


def collected(*paths: str) -> dict[str, tuple[str, set[str]]]:
    """Each collected test: its xdist group ("-" for none) and its marks."""
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           "-p", "tests._group_probe", *paths],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    found: dict[str, tuple[str, set[str]]] = {}
    for line in done.stdout.splitlines():
        if line.startswith("GROUP "):
            _, group, marks, node = line.split(" ", 3)
            found[node] = (group, set(marks.split(",")) - {""})
    assert found, done.stdout[-2000:]
    return found


def test_terminal_tests_share_one_group_accounts_tests_are_marked_and_the_rest_run_anywhere() -> None:
    assert ALONE_MARKERS == ("accounts",) and TERMINAL_MARKER == "e2e"
    found = collected(*TERMINAL, *ANYWHERE, *ALONE)
    by_file: dict[str, list[tuple[str, set[str]]]] = {}
    for node, entry in found.items():
        by_file.setdefault(node.split("::")[0], []).append(entry)
    assert set(by_file) == {*TERMINAL, *ANYWHERE, *ALONE}
    for path in TERMINAL:
        assert all(group == TERMINAL_GROUP and "accounts" not in marks for group, marks in by_file[path]), path
    for path in ANYWHERE:
        assert all(group == "-" and "accounts" not in marks for group, marks in by_file[path]), path
    for path in ALONE:       # an e2e test among them is in no group: its whole run is one at a time
        assert all("accounts" in marks and group == "-" for group, marks in by_file[path]), path


def test_the_clock_pass_leaves_out_only_the_any_hour_tests() -> None:
    found = collected(*ANY_HOUR, *TIMED)
    for node, (_, marks) in found.items():
        path = node.split("::")[0]
        assert (ANY_HOUR_MARKER in marks) == (path in ANY_HOUR), node


def readme_line(marker: str) -> str:
    lines = README.read_text(encoding="utf-8").splitlines()
    return lines[lines.index(f"<!-- {marker} -->") + 2]


def test_both_commands_ci_runs_put_the_accounts_tests_in_a_run_of_their_own() -> None:
    """The accounts tests run after the others, in one process: beside another worker (or
    interleaved in one) they raced on the fct_* accounts and the machine's config. The rest
    run on every core; the clock pass leaves out sshd and any_hour tests, and nothing else."""
    test = readme_line("test-command")
    assert re.search(r'pytest -q -n auto --dist loadgroup -m "not accounts" && ', test), test
    assert re.search(r'pytest -q -m "accounts"$', test), test
    clock = readme_line("faketime-command")
    assert re.search(r'pytest -q -n auto --dist loadgroup -m "not sshd and not any_hour and not accounts" && ',
                     clock), clock
    assert re.search(r'pytest -q -m "not sshd and not any_hour and accounts"$', clock), clock
