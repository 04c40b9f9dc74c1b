"""The tests that must not overlap run one at a time under pytest-xdist.

The README's test command runs the suite with ``-n auto --dist loadgroup``; loadgroup runs
every test of one xdist group on one worker, in turn. tests/conftest.py puts each test marked
e2e, sshd, accounts or slow (the last two set by the same hook) in the group ``serial``.
This collects real test files in a real pytest process and reads back each test's group.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import SERIAL_GROUP, SERIAL_MARKERS

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"

SERIAL = ("tests/e2e/test_ssh.py", "tests/tui/test_e2e_tmux.py", "tests/store/test_kill.py",
          "tests/accounts/test_group_member_attacks.py", "tests/e2e/test_sync_forgery.py")
PARALLEL = ("tests/core/test_hours.py", "tests/tui/test_idle_lock.py")
MIXED = "tests/store/test_backup.py"      # one slow test among quick ones


def groups(*paths: str) -> dict[str, str]:
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           "-p", "tests._group_probe", *paths],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    found: dict[str, str] = {}
    for line in done.stdout.splitlines():
        if line.startswith("GROUP "):
            _, group, node = line.split(" ", 2)
            found[node] = group
    assert found, done.stdout[-2000:]
    return found


def test_the_marked_tests_share_one_group_and_no_other_test_is_in_it() -> None:
    assert set(SERIAL_MARKERS) == {"e2e", "sshd", "accounts", "slow"}
    found = groups(*SERIAL, *PARALLEL, MIXED)
    for node, group in found.items():
        path = node.split("::")[0]
        if path in SERIAL:
            assert group == SERIAL_GROUP, node
        elif path in PARALLEL:
            assert group == "-", node
    in_mixed = {node.split("::")[1]: group for node, group in found.items() if node.startswith(MIXED)}
    assert in_mixed["test_backup_while_another_process_writes"] == SERIAL_GROUP
    assert in_mixed["test_a_counselor_may_not_back_up"] == "-"
    assert set(SERIAL) | set(PARALLEL) <= {node.split("::")[0] for node in found}


def readme_line(marker: str) -> str:
    lines = README.read_text(encoding="utf-8").splitlines()
    return lines[lines.index(f"<!-- {marker} -->") + 2]


def test_both_commands_ci_runs_put_the_serial_tests_in_a_run_of_their_own() -> None:
    """The tests with the serial marks run after the others, in one process: beside another
    worker (or interleaved in one) the OS-account and host tests raced on the fct_* accounts
    and the machine's config. The rest run on every core."""
    serial = " or ".join(SERIAL_MARKERS)
    for marker in ("test-command", "faketime-command"):
        line = readme_line(marker)
        rest = r"pytest -q -n auto --dist loadgroup -m \"(not sshd and )?not \(" + serial + r"\)\""
        assert re.search(rest, line), line
        assert re.search(r"pytest -q -m \"(not sshd and )?\(" + serial + r"\)\"", line), line
