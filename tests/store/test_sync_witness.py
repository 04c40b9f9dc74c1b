"""Each sync exchanges chain heads, and each side keeps the other's (issue 12, point 3).

Real processes: `facilitator sync` on the laptop talks to `facilitator sync --serve` over
pipes (``LOCAL_SSH``, as sshd would run it). After a sync the laptop keeps the host's head;
a host log that is then cut short or rewritten consistently no longer holds it, so the next
sync fails loudly, and the host's own `verify` fails too (it keeps its head as the laptop saw it).
"""

from __future__ import annotations

import subprocess

import pytest

from facilitator.store.audit import witnesses
from tests.cli.test_tamper import audit_lines, rechain, write_audit
from tests.store._sync_support import BIN, make_demo, open_as, run_sync, synced, synced_pair

REPORTS = 40


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory):
    root = make_demo(tmp_path_factory.mktemp("template") / "clinic")
    host = open_as(root)
    for _ in range(REPORTS):                 # lines that bind no file: only a witness protects them
        host.record_audit("report.week", "week:2026-W48", {"clients": 3})
    return root


@pytest.fixture
def pair(tmp_path, demo_template):
    return synced_pair(demo_template, tmp_path)


def verify_code(root) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), "verify", "--data", str(root)], capture_output=True, text=True)


def test_after_a_sync_each_side_keeps_the_others_head_and_both_verify(pair) -> None:
    laptop, host = pair
    head = subprocess.run([str(BIN), "audit", "head", "--data", str(host)], capture_output=True, text=True)
    kept = [doc for chain, doc in witnesses(laptop).items() if chain.startswith("host:")]
    assert len(kept) == 1 and head.stdout.startswith(f"{kept[0]['month']} #{kept[0]['seq']} {kept[0]['hash'][:16]}")
    assert witnesses(host)["self"]["seq"] == kept[0]["seq"]
    assert verify_code(host).returncode == 0 and verify_code(laptop).returncode == 0
    assert synced(laptop, host).startswith("Nothing to move")      # the head still extends


def cut(host, how: str) -> None:
    lines = audit_lines(host)
    if how == "last line":
        write_audit(host, lines[:-1])
    elif how == "last 5 lines":
        write_audit(host, lines[:-5])
    else:                                    # rewritten consistently, 34 report lines dropped
        reports = [i for i, (_, line) in enumerate(lines) if b'"report.week"' in line][:34]
        write_audit(host, rechain([x for i, x in enumerate(lines) if i not in set(reports)]))


@pytest.mark.parametrize("how", ["last line", "last 5 lines", "rewritten"])
def test_a_host_log_cut_or_rewritten_fails_the_next_sync_loudly(pair, how: str) -> None:
    laptop, host = pair
    before = {p: p.read_bytes() for p in (host / "records").rglob("*.json")}
    cut(host, how)
    done = run_sync(laptop, host)
    assert done.returncode == 1, done.stdout + done.stderr
    line = done.stderr.strip()
    assert "the clinic host's audit log no longer extends the witnessed head" in line
    assert "compliance officer" in line and line.count("\n") == 0
    assert {p: p.read_bytes() for p in (host / "records").rglob("*.json")} == before   # nothing moved
    check = verify_code(host)
    assert check.returncode == 1 and "witnessed by laptop" in check.stdout
