"""The counselor's evening group, keys only, in a real 80x24 terminal (tmux), shared by the
day tests: ``tests/tui/test_day_e2e_tmux.py`` (one local account) and
``tests/accounts/test_day_over_ssh.py`` (a counselor's account, then a supervisor's over ssh).

- ``Terminal``: a tmux pane; ``capture`` keeps each screen under a label.
- ``run_the_group``: a 10-client group with late, telehealth and absent marks, varied picks,
  a line of text, group notes on two blocks; end it and sign every drafted note. Returns the
  keys from ending to the last signature.
- ``problems_in`` / ``data_words``: lines cut mid-word and engineer's words on a capture.
- ``assert_the_group_stored``: what that run must have stored.
"""

from __future__ import annotations

import re
import subprocess
import time

from facilitator.core.rules import Status
from tests.tui.test_screens_80x24 import ENGINEER_WORDS

SESSION_ID = "2026-11-23-1800-evening-iop"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


class Terminal:
    def __init__(self, name: str) -> None:
        self.name = name
        self.captures: dict[str, str] = {}

    def screen(self) -> str:
        return tmux("capture-pane", "-p", "-t", self.name)

    def wait_for(self, text: str, seconds: float = 15) -> str:
        deadline = time.monotonic() + seconds
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} did not appear; the screen was:\n{screen}")

    def keys(self, *keys: str, literal: bool = False) -> None:
        tmux("send-keys", "-t", self.name, *(("-l",) if literal else ()), *keys)
        time.sleep(0.35)

    def capture(self, label: str, wait_for: str | None = None, seconds: float = 15) -> str:
        screen = self.wait_for(wait_for, seconds) if wait_for else self.screen()
        self.captures[label] = screen
        return screen


def run_the_group(term: Terminal) -> int:
    """From the home screen (today's evening group first): run it, end it, sign every note."""
    term.capture("home", "Roster")
    assert "not started" in term.captures["home"]
    term.keys("Enter")                             # today's evening group, 2 minutes early
    term.capture("session", "present 0/10")
    term.keys("n")                                 # the agenda clock starts: 17:58
    term.wait_for("1/6")
    term.keys("d")                                 # a pick on an unmarked client: refused
    term.capture("pick refused", "is not marked:")
    term.keys("l", "h", "a", "P")                  # late, telehealth, absent, the rest present
    term.wait_for("present 9/10")
    for _ in range(12):
        term.keys("Up")
    picks = ["12", "3", "", "9", "45", "6", "78", "d", "0", "16"]
    for index, keys in enumerate(picks):
        if keys:
            term.keys("Tab")                       # digits tick words in the participation pane
        for key in keys:
            term.keys(key)
        if index == 0:                             # a line about the first client
            term.keys("Tab")
            term.keys("Named the bus stop as a trigger", literal=True)
            term.keys("Tab")                       # the block's group note
            term.keys("Each member rated cravings 0-10", literal=True)
            time.sleep(1.5)
            term.capture("participation")
            term.keys("Enter")
        elif keys:
            term.keys("Escape")                    # back to the list
        term.keys("Down")
    term.keys("n")                                 # the next block, with its own group note
    term.wait_for("2/6")
    term.keys("Tab", "Tab", "Tab")
    term.keys("Walked through the craving curve", literal=True)
    time.sleep(1.5)
    term.keys("Enter")
    keys_to_sign = 0
    term.keys("E")
    term.capture("end question", "End the session now?")
    term.keys("y")
    keys_to_sign += 2
    term.capture("end screen", "9 attended")
    for _ in range(9):
        term.keys("S")
        term.wait_for("unchanged and lock it?")
        term.keys("y")
        keys_to_sign += 2
    term.capture("all signed", "all signed")
    return keys_to_sign


UI_WORDS = {"act", "plan", "min", "left", "run"}     # column headers, not data


def problems_in(label: str, screen: str, words: set[str]) -> list[str]:
    """Engineer's words anywhere; a line (not the footer) running to the right edge whose last
    word is a strict beginning of one of the data's words (a name, group, plan or block title
    cut without "…": "Relapse Prevent", "Triggers: outside and ins")."""
    found = [f"{label}: {word!r}" for word in ENGINEER_WORDS if word in screen]
    lines = screen.rstrip("\n").split("\n")
    for line in lines[:-1]:
        body = line.rstrip(" │▎▊")
        last = re.search(r"(\w\w+)$", body)          # one letter is a key or an s: not a cut
        if len(body) < 76 or last is None:            # text that stops short was not cut
            continue
        tail = last.group(1)
        if tail not in words and tail not in UI_WORDS and any(w.startswith(tail) for w in words):
            found.append(f"{label}: cut mid-word: {body!r}")
    return found


def data_words(data) -> set[str]:
    """Every word of the names, groups, plans, blocks and staff that a screen might show cut."""
    from facilitator.store.plans import PlanLibrary, shipped_plans_dir
    snapshot = data.snapshot()
    texts = [c.name for c in snapshot.clients.values()] + list(snapshot.groups)
    texts += [m.display_name for m in snapshot.staff.values()]
    for plan in PlanLibrary.load(shipped_plans_dir(), data.plans_dir).plans.values():
        texts += [plan.title] + [b.title for b in plan.blocks]
    return {w for text in texts for w in re.findall(r"\w+", text)}


def assert_screens_clean(captures: dict[str, str], words: set[str]) -> None:
    found = [p for label, screen in captures.items() for p in problems_in(label, screen, words)]
    assert not found, "\n".join(found) + "\n\n" + "\n---\n".join(captures.values())


def assert_the_group_stored(data) -> dict:
    """The marks, picks and signed notes ``run_the_group`` made; returns the notes."""
    file = data.session_file(SESSION_ID)
    record = file.read()
    statuses = sorted(e.status.value for e in record.attendance.values())
    assert statuses.count("present") == 7 and {"late", "telehealth", "absent"} <= set(statuses)
    absent = next(c for c, e in record.attendance.items() if e.status is Status.ABSENT)
    assert record.attendance[absent].all_picks == ()
    notes = file.notes()
    assert len(notes) == 9 and absent not in notes
    assert all(n.signed and n.content_hash for n in notes.values())
    bodies = [n.body for n in notes.values()]
    assert all("Group note: Each member rated cravings 0-10" in b for b in bodies)
    assert all("Group note: Walked through the craving curve" in b for b in bodies)
    assert sum("Counselor notes: Named the bus stop as a trigger" in b for b in bodies) == 1
    assert len({tuple(sorted(e.all_picks)) for c, e in record.attendance.items() if c != absent}) >= 8
    return notes
