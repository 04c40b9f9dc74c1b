"""Participation for the highlighted client (participation words + a line of text) and the
block's group note. The words shown and ticked are the running block's (issue #20: a word
belongs to the block it was made in; before the agenda starts, the session's).

Autosave: text is saved 0.8 s after typing stops, and at least every second while typing
goes on; picks are saved at once; switching clients or blocks saves first. The pane calls
``save_participation`` / ``save_note`` (given by the screen), which return True once the write
is asked (the session screen queues it off the loop, tui/writes.py); a write that then fails
calls ``not_saved`` and the autosave tries again. While ``saving()`` says writes are still
queued, what is shown is not reloaded over what was typed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Input

from facilitator.core.rules import PARTICIPATION_PICKS
from facilitator.tui.widgets.plain import Label, Static
from facilitator.tui.widgets.quiet import put

QUIET_SECONDS = 0.8    # save after typing stops this long
MAX_UNSAVED_SECONDS = 1.0  # and never let typing go unsaved longer than this
PICK_KEYS = "1234567890duo"   # every pick has a key: d distracted, u disruptive, o left early


class PicksBar(Widget, can_focus=True):
    """The participation picks as toggles: 1-9, 0, d, u, o (every pick has a key); ←/→ and space too."""

    DEFAULT_CSS = """
    PicksBar { height: auto; width: 1fr; }
    PicksBar > .picksbar--on { background: $success-muted; color: $text-success; text-style: bold; }
    PicksBar > .picksbar--cursor { text-style: reverse; }
    PicksBar > .picksbar--key { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar = {"picksbar--on", "picksbar--cursor", "picksbar--key"}
    BINDINGS: ClassVar = [
        *[Binding(key, f"toggle({i}, {key.isdigit()})", "Participation word" if i == 0 else "", show=False,
                  id=f"picks.{key}", tooltip="1-9, 0, d, u, o tick a participation word for this block "
                                             "(digits once the agenda has started)")
          for i, key in enumerate(PICK_KEYS)],
        Binding("left", "move(-1)", show=False),
        Binding("right", "move(1)", show=False),
        Binding("space", "toggle_cursor", "Toggle", id="picks.toggle",
                tooltip="Tick or untick the participation word under the cursor (←/→ move)"),
    ]

    def __init__(self, on_toggle: Callable[[str], None],
                 digits_refused: Callable[[], str | None] | None = None,
                 saving: Callable[[], bool] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.saving = saving or (lambda: False)
        self.retry_text = False      # a queued save of the line failed: save it again
        self.retry_note = False
        self.picks: tuple[str, ...] = ()
        self.cursor = 0
        self.on_toggle = on_toggle
        # Why a digit may not tick a word now (the agenda has not started), or None.
        self.digits_refused = digits_refused

    def set_picks(self, picks: tuple[str, ...]) -> None:
        if picks == self.picks:
            return          # (re-shown every second by the session screen's clock)
        self.picks = picks
        self.refresh(layout=True)

    def _items(self) -> list[tuple[str, str, bool]]:
        return [(PICK_KEYS[i] if i < len(PICK_KEYS) else "·", key.replace("_", " "), key in self.picks)
                for i, (key, _) in enumerate(PARTICIPATION_PICKS)]

    def _lines(self, width: int) -> list[list[tuple[int, str, str, bool]]]:
        lines: list[list[tuple[int, str, str, bool]]] = [[]]
        used = 0
        for i, (key, label, on) in enumerate(self._items()):
            size = len(label) + 3
            if used and used + size > width:
                lines.append([])
                used = 0
            lines[-1].append((i, key, label, on))
            used += size
        return lines

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Text:
        on_style = self.get_component_rich_style("picksbar--on")
        cursor_style = self.get_component_rich_style("picksbar--cursor")
        key_style = self.get_component_rich_style("picksbar--key")
        text = Text(no_wrap=True)
        for n, line in enumerate(self._lines(self.size.width or 80)):
            if n:
                text.append("\n")
            for i, key, label, on in line:
                text.append(key, style=key_style)
                style = on_style if on else Style()
                if self.has_focus and i == self.cursor:
                    style += cursor_style
                text.append(f"{'✓' if on else ' '}{label}", style=style)
                text.append(" ")
        return text

    def action_toggle(self, index: int, digit: bool = False) -> None:  # type: ignore[override]  # a pick, not DOMNode's attribute toggle
        if digit and self.digits_refused is not None:
            refusal = self.digits_refused()
            if refusal:
                self.notify(refusal, severity="warning", markup=False)
                return
        if 0 <= index < len(PARTICIPATION_PICKS):
            self.cursor = index
            self.on_toggle(PARTICIPATION_PICKS[index][0])

    def action_toggle_cursor(self) -> None:
        self.action_toggle(self.cursor)

    def action_move(self, step: int) -> None:
        self.cursor = (self.cursor + step) % len(PARTICIPATION_PICKS)
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


class ParticipationPane(Vertical):
    BINDINGS: ClassVar = [
        Binding("escape", "screen.focus_attendance", "Back to list", id="participation.back",
                tooltip="Back to the attendance list (what you typed is saved)"),
    ]
    DEFAULT_CSS = """
    ParticipationPane {
        border: round $foreground 30%;  /* visible in light and dark themes alike */
        border-title-color: $text-muted;
        border-subtitle-color: $text-muted;
        height: auto;
        padding: 0;
    }
    ParticipationPane:focus-within {
        border: round $accent;
        border-title-color: $text-accent;
        border-title-style: bold;
    }
    ParticipationPane.-unsaved, ParticipationPane.-names { border-subtitle-color: $text-warning; }
    ParticipationPane Horizontal { height: 1; }
    ParticipationPane Horizontal > Label { width: 7; color: $text-muted; }
    ParticipationPane Input { width: 1fr; }
    ParticipationPane #participation-hidden { display: none; color: $text-muted; }
    ParticipationPane.-privacy #participation-hidden { display: block; }
    ParticipationPane.-privacy PicksBar, ParticipationPane.-privacy Horizontal { display: none; }
    ParticipationPane #participation-goals { color: $text-muted; height: auto; }
    ParticipationPane.-privacy #participation-goals, ParticipationPane #participation-goals.-empty {
        display: none;
    }
    """

    def __init__(self, save_participation: Callable[[str, tuple[str, ...], str, int | None], bool],
                 save_note: Callable[[int, str], bool],
                 check_names: Callable[[str, str | None], str] | None = None,
                 digits_refused: Callable[[], str | None] | None = None,
                 saving: Callable[[], bool] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.saving = saving or (lambda: False)
        self.retry_text = False      # a queued save of the line failed: save it again
        self.retry_note = False
        self.digits_refused = digits_refused
        self.save_participation = save_participation
        self.save_note = save_note
        # (text, client id or None for the group note) -> "names another group member (M.N.)"
        self.check_names = check_names
        self.names_flag = ""
        self.client_id: str | None = None
        self._shown_title: str | None = None     # the border title's text, set only when it changes
        self.picks: tuple[str, ...] = ()
        self.pick_block: int | None = None   # the block self.picks are shown for (None: the session)
        self.saved_text = ""
        self.block: int | None = None
        self.saved_note = ""
        self.first_change: float | None = None
        self.last_change = 0.0
        self.who = ""
        self.saved_once = False

    def compose(self) -> ComposeResult:
        yield Static("", id="participation-goals", markup=False)   # recovery-plan goals (tui/goals.py)
        yield PicksBar(self.toggle_pick, self.digits_refused, id="picks")
        with Horizontal():
            yield Label("Client", id="text-label")
            yield Input(id="client-text", compact=True,
                        placeholder="a line on this client's participation (enter: back to list)")
        with Horizontal():
            yield Label("Group", id="note-label")
            yield Input(id="block-note", compact=True, placeholder="group note for this block")
        yield Static("Names and notes are hidden (F9 shows them).", id="participation-hidden")

    def on_mount(self) -> None:
        self.border_title = "Participation"
        self.set_interval(0.2, self.autosave)

    @property
    def text_input(self) -> Input:
        return self.query_one("#client-text", Input)

    @property
    def note_input(self) -> Input:
        return self.query_one("#block-note", Input)

    # -- loading -------------------------------------------------------------------------
    def load_client(self, client_id: str | None, who: str, picks: tuple[str, ...], text: str,
                    *, block: int | None = None, force: bool = False) -> None:
        """Show this client, with the words shown for ``block``; keeps what is being typed for
        the same client unless ``force``."""
        if client_id == self.client_id and not force and (self.text_dirty or self.text_input.has_focus
                                                          or self.saving()):
            self.who = who
            if block != self.pick_block or not self.saving():  # (queued picks: the newest are shown)
                self.picks, self.pick_block = picks, block     # the words follow the block
                self.query_one(PicksBar).set_picks(picks)
            self._title()
            return
        moved = client_id != self.client_id
        if moved:
            self.flush()
        self.client_id = client_id
        self.who = who
        self.picks, self.pick_block = picks, block
        self.saved_text = text
        self.query_one(PicksBar).set_picks(picks)
        if self.text_input.value != text:
            self.text_input.value = text
        self.text_input.disabled = client_id is None
        self._title()
        if moved:           # (shown again every second: checked only when it changes)
            self.check_for_names()

    def load_block(self, position: int | None, title: str, note: str) -> None:
        if position != self.block:
            self.flush()
        elif self.note_dirty or self.note_input.has_focus or self.saving():
            return
        changed = position != self.block or note != self.saved_note
        self.block = position
        self.saved_note = note
        if self.note_input.value != note:
            self.note_input.value = note
        self.note_input.disabled = position is None
        put(self.query_one("#note-label", Label), "Group")
        self.note_input.placeholder = f"group note for {title}" if title else "no agenda block"
        if changed:         # (shown again every second: checked only when it changes)
            self.check_for_names()

    def show_goals(self, lines: list[str]) -> None:
        """The highlighted client's active goals, one line each (g links one to this block)."""
        widget = self.query_one("#participation-goals", Static)
        text = "\n".join(f"Goal {line}" if line[:1].isdigit() else line for line in lines)
        put(widget, text)
        widget.set_class(not lines, "-empty")

    def _title(self) -> None:
        title = f"Participation · {self.who}" if self.client_id else "Participation"
        if self._shown_title != title:             # unchanged: no relayout (idle CPU)
            self._shown_title = title
            # Content, not str: a border title given as str is read as markup, and ``who`` is a name.
            self.border_title = Content(title)

    # -- saving --------------------------------------------------------------------------
    @property
    def text_dirty(self) -> bool:
        return self.client_id is not None and (self.retry_text or self.text_input.value != self.saved_text)

    @property
    def note_dirty(self) -> bool:
        return self.block is not None and (self.retry_note or self.note_input.value != self.saved_note)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.check_for_names()
        if not (self.text_dirty or self.note_dirty):
            self.first_change = None
            self._indicate()
            return
        now = time.monotonic()
        self.first_change = self.first_change or now
        self.last_change = now
        self._indicate()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.flush()
        self.screen.focus_attendance()  # type: ignore[attr-defined]

    def autosave(self) -> None:
        if self.first_change is None:
            return
        now = time.monotonic()
        if now - self.last_change >= QUIET_SECONDS or now - self.first_change >= MAX_UNSAVED_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Save whatever differs from what is stored, now."""
        ok = True
        if self.text_dirty and self.client_id is not None:
            value = self.text_input.value
            self.retry_text = False
            if self.save_participation(self.client_id, self.picks, value, self.pick_block):
                self.saved_text = value
                self.saved_once = True
            else:
                ok = False
        if self.note_dirty and self.block is not None:
            value = self.note_input.value
            self.retry_note = False
            if self.save_note(self.block, value):
                self.saved_note = value
                self.saved_once = True
            else:
                ok = False
        if ok and not (self.text_dirty or self.note_dirty):
            self.first_change = None
        elif not ok:
            self.first_change = time.monotonic()  # try again shortly
            self.last_change = 0.0
        self._indicate()

    def not_saved(self, client_id: str | None = None, block: int | None = None, *,
                  picks: tuple[str, ...] | None = None, text_changed: bool = True) -> None:
        """A queued save failed (and was shown): the client's words go back to ``picks``
        (the stored ones); their line (when ``text_changed``) or the block's group note
        (``block``) is still as typed, and the autosave tries again shortly."""
        if client_id is not None and client_id == self.client_id:
            if picks is not None:
                self.picks = picks
                self.query_one(PicksBar).set_picks(picks)
            self.retry_text = self.retry_text or text_changed
        if block is not None and block == self.block:
            self.retry_note = True
        if self.retry_text or self.retry_note:
            self.first_change = time.monotonic()
            self.last_change = 0.0
        self._indicate()

    def toggle_pick(self, key: str) -> None:
        # Keys typed faster than the screen redraws (↑ tab 1): the list's cursor has moved but
        # its RowHighlighted has not reached the screen yet; show the highlighted client first,
        # and the block running now, not the one shown a second ago.
        follow = getattr(self.screen, "show_participation", None)
        if follow is not None:
            follow()
        if self.client_id is None:
            return
        picks = tuple(k for k, _ in PARTICIPATION_PICKS
                      if (k in self.picks) != (k == key))
        text = self.text_input.value
        if self.save_participation(self.client_id, picks, text, self.pick_block):
            self.picks = picks
            self.saved_text = text
            self.saved_once = True
            self.query_one(PicksBar).set_picks(picks)
            self._indicate()

    def check_for_names(self) -> None:
        """As it is typed: does the group note (which goes into every attendee's note), or
        this client's line, name another member of the session? Shown by initials only."""
        flag = ""
        if self.check_names is not None:
            group = self.check_names(self.note_input.value, None) if self.block is not None else ""
            line = self.check_names(self.text_input.value, self.client_id) if self.client_id else ""
            if group:
                flag = f"Group note {group}"
            elif line:
                flag = f"Client line {line}"
        if flag != self.names_flag:
            self.names_flag = flag
            self.set_class(bool(flag), "-names")
            self._indicate()

    def _indicate(self) -> None:
        unsaved = self.text_dirty or self.note_dirty
        self.set_class(unsaved, "-unsaved")
        state = "typing…" if unsaved else ("saved" if self.saved_once else "")
        flag = "" if self.has_class("-privacy") else self.names_flag
        subtitle = " · ".join(p for p in (flag, state) if p)
        if subtitle != (self.border_subtitle or ""):
            self.border_subtitle = subtitle

    def set_privacy(self, on: bool) -> None:
        if on != self.has_class("-privacy"):
            self.set_class(on, "-privacy")
            self._indicate()
