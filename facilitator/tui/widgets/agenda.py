"""The agenda clock pane: where the group is against its agenda, worked out from stored times.

``AgendaPane.show(blocks, now)`` is called every second by the session screen; everything
shown comes from ``AgendaClock(blocks)`` and ``now`` (no tick counting).
"""

from __future__ import annotations

import textwrap
from datetime import datetime, timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ProgressBar

from facilitator.core.agenda import AgendaClock
from facilitator.core.session import BlockRun
from facilitator.tui.widgets.plain import Label, Static
from facilitator.tui.widgets.quiet import put


def clock_text(span: timedelta) -> str:
    """12:30 (minutes:seconds), or 1:02:30 past an hour; never negative."""
    seconds = max(0, int(span.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


def min_text(span: timedelta) -> str:
    """'180 min': session totals in whole minutes, so no h:mm sits beside the blocks' m:ss."""
    return f"{max(0, int(span.total_seconds()) // 60)} min"


def total_text(planned: timedelta, taken: timedelta | None, width: int) -> str:
    """The agenda's total, and the time taken once started, in the widest wording that fits
    ``width``: never a line cut inside a number ("Session: plan 185 min · run" was)."""
    p = min_text(planned)
    if taken is None:
        choices = [f"Agenda: {p} planned", f"Agenda {p}", p]
    else:
        t = min_text(taken)
        choices = [f"Agenda: {p} planned · {t} done", f"Agenda {p} · {t} done",
                   f"Agenda {p} · {t.removesuffix(' min')} done", f"{p} · {t} done"]
    return next((c for c in choices if len(c) <= width), choices[-1])


def prompt_text(items: list[str], width: int, rows: int, first: int = 0,
                heading: str = "") -> tuple[str, int]:
    """The current block's prompts (and exercise) from item ``first`` on that fit ``rows``
    lines of ``width``, each whole, and how many were shown; when not all of them show, the
    last line says "m shows more (1–2 of 4)". The first one shown is never left out: one
    longer than the room is cut with "…"."""
    if not items:
        return "", 0
    first %= len(items)
    wrapped = [textwrap.wrap(item, max(10, width), subsequent_indent="  ") or [""]
               for item in items[first:]]
    lines = [heading] if heading else []
    if first == 0 and len(lines) + sum(len(w) for w in wrapped) <= rows:
        return "\n".join(lines + [line for w in wrapped for line in w]), len(items)
    room = max(len(lines) + 1, rows - 1)          # the last line says there is more
    shown = 0
    for block in wrapped:
        if shown and len(lines) + len(block) > room:
            break
        lines += block
        shown += 1
    if len(lines) > room:
        lines = lines[:room]
        lines[-1] = lines[-1][:max(1, width - 1)].rstrip() + "…"
    span = f"{first + 1}" if shown == 1 else f"{first + 1}–{first + shown}"
    lines.append(f"m shows more ({span} of {len(items)})")
    return "\n".join(lines), shown


def kind_text(block: BlockRun) -> str:
    return str(block.kind).replace("-", " ")


def block_window(count: int, current: int | None, rows: int) -> range:
    """Which blocks fit in ``rows`` lines: all, or a window that keeps the current one in view."""
    if count <= rows:
        return range(count)
    focus = count - 1 if current is None else current
    first = max(0, min(focus - 1, count - rows))
    return range(first, first + rows)


def blocks_heading(count: int, window: range, width: int = 99) -> str:
    """'Blocks', or where the ones not shown are: 'Blocks (2 above)', '(2 above, 3 below)';
    shorter where ``width`` is too narrow ('Blocks (2↑ 3↓)'), never cut inside a number."""
    above, below = window.start, count - window.stop
    where = [f"{above} above"] if above else []
    where += [f"{below} below"] if below else []
    if not where:
        return "Blocks"
    arrows = " ".join(([f"{above}↑"] if above else []) + ([f"{below}↓"] if below else []))
    choices = [f"Blocks ({', '.join(where)})", f"Blocks ({arrows})", f"({arrows})", "Blocks"]
    return next(c for c in choices if len(c) <= width or c == "Blocks")


def block_lines(clock: AgendaClock, now: datetime, width: int, rows: int = 99,
                marker_style: str = "bold") -> Text:
    """One line per block: marker, title, minutes on the agenda, minutes taken so far."""
    current = clock.current()
    title_width = max(8, width - 13)
    text = Text(no_wrap=True, overflow="ellipsis")
    # Before the start the first blocks are the ones to see; after the end, the last ones.
    focus = current if current is not None or clock.started else 0
    window = block_window(len(clock.blocks), focus, max(1, rows - 1))
    heading = blocks_heading(len(clock.blocks), window, title_width)
    text.append(f"  {heading:<{title_width}}  min  done", style="bold")
    for i in window:
        block = clock.blocks[i]
        if i == current:
            marker = "▶"
        elif block.skipped:
            marker = "–"
        elif block.ended_at is not None:
            marker = "✓"
        else:
            marker = " "
        actual = "" if block.started_at is None else str(int(clock.elapsed(i, now).total_seconds() // 60))
        title = block.title if len(block.title) <= title_width else block.title[:title_width - 1] + "…"
        line = f"\n{marker} {title:<{title_width}} {block.planned_minutes:>4} {actual:>5}"
        style = marker_style if i == current else ("dim" if block.skipped else "")
        text.append(line, style=style)
    return text


class AgendaPane(Vertical):
    # Not scoped: the rules below that start at the session screen's ".-tall" class must
    # match (scoped, Textual prefixed them with "AgendaPane" and they never applied).
    SCOPED_CSS = False
    DEFAULT_CSS = """
    AgendaPane {
        border: round $foreground 30%;  /* visible in light and dark themes alike */
        border-title-color: $text-muted;
        border-subtitle-color: $text-muted;
        height: 1fr;
        padding: 0 1;
    }
    AgendaPane.-cue {
        border: heavy $warning;
        border-title-color: $text-warning;
        border-title-style: bold;
    }
    AgendaPane.-cue #agenda-time {
        color: $text-warning;
        text-style: bold;
    }
    AgendaPane Label { width: 1fr; height: 1; }
    AgendaPane #agenda-now { text-style: bold; }
    AgendaPane #agenda-time.-overtime {
        color: $text-error;
        text-style: bold;
    }
    AgendaPane ProgressBar { width: 1fr; height: 1; }
    AgendaPane ProgressBar Bar { width: 1fr; }
    AgendaPane #agenda-blocks { height: 1fr; margin-top: 1; }
    AgendaPane #agenda-prompts { display: none; height: 1fr; }
    /* While a block with prompts runs, its prompts take the blocks' place on a short screen
       (80x24); on a tall one (the session screen's -tall class) both fit. */
    AgendaPane.-prompting #agenda-prompts { display: block; }
    AgendaPane.-prompting #agenda-blocks { display: none; }
    .-tall AgendaPane.-prompting #agenda-blocks { display: block; }
    .-tall AgendaPane #agenda-blocks { height: auto; max-height: 14; }
    .-tall AgendaPane #agenda-prompts { color: $text-muted; margin-top: 1; }
    AgendaPane #agenda-total, AgendaPane #agenda-end { color: $text-muted; }
    """

    shown: tuple[tuple[BlockRun, ...], datetime, datetime] | None = None
    # (kind, title) -> the agenda's facilitator prompts and exercise for that block
    prompts: dict[tuple[str, str], tuple[tuple[str, ...], str | None]] = {}
    # which of the current block's prompts comes first (m shows the next ones), and for which block
    prompt_first: int = 0
    prompt_block: int | None = None
    prompts_shown: int = 0

    def compose(self) -> ComposeResult:
        yield Label("", id="agenda-now", markup=False)
        yield Label("", id="agenda-title", markup=False)
        yield Label("", id="agenda-time", markup=False)
        yield ProgressBar(total=100, show_eta=False, id="agenda-bar")
        yield Static("", id="agenda-blocks")
        yield Static("", id="agenda-prompts", markup=False)
        yield Label("", id="agenda-total", markup=False)
        yield Label("", id="agenda-end", markup=False)

    def on_mount(self) -> None:
        self.border_title = "Agenda"
        self.border_subtitle = "b back · k skip · i break now"

    def prompt_items(self, block: BlockRun | None) -> list[str]:
        if block is None:
            return []
        prompts, exercise = self.prompts.get((str(block.kind), block.title), ((), None))
        return [f"• {p}" for p in prompts] + ([f"Exercise: {exercise}"] if exercise else [])

    def more_prompts(self) -> bool:
        """m: the next of the current block's prompts that did not fit; False when all fit."""
        if self.shown is None:
            return False
        items = self.prompt_items(self._current_block())
        if not items or (self.prompt_first == 0 and self.prompts_shown >= len(items)):
            return False
        self.prompt_first = (self.prompt_first + max(1, self.prompts_shown)) % len(items)
        self.show(*self.shown)
        return True

    def _current_block(self) -> BlockRun | None:
        if self.shown is None:
            return None
        blocks = self.shown[0]
        current = AgendaClock(blocks).current()
        return blocks[current] if current is not None else None

    def on_resize(self) -> None:
        if self.shown is not None:
            self.show(*self.shown)

    def show(self, blocks: tuple[BlockRun, ...], now: datetime, scheduled_end: datetime) -> AgendaClock:
        self.shown = (blocks, now, scheduled_end)
        clock = AgendaClock(blocks)
        current = clock.current()
        now_label = self.query_one("#agenda-now", Label)
        title_label = self.query_one("#agenda-title", Label)
        time_label = self.query_one("#agenda-time", Label)
        bar = self.query_one(ProgressBar)
        overtime = False
        if not blocks:
            put(now_label, "No agenda: nothing to time")
            put(title_label, "Start with an agenda to time the group.")
            put(time_label, "")
            bar.update(progress=0)
        elif current is not None:
            block = blocks[current]
            put(now_label, f"{current + 1}/{len(blocks)} · {kind_text(block)}")
            put(title_label, block.title)
            remaining = clock.remaining(current, now)
            elapsed = clock_text(clock.elapsed(current, now))
            overtime = remaining < timedelta(0)
            if overtime:
                text = f"OVERTIME +{clock_text(-remaining)} · {elapsed} done"
            else:
                text = f"{elapsed} done · {clock_text(remaining)} left"
            if clock.paused:
                text = "PAUSED " + text
            put(time_label, text)
            bar.update(progress=round(clock.progress(current, now) * 100))
        elif clock.finished:
            put(now_label, "Agenda finished")
            put(title_label, f"at {clock.actual_end:%H:%M}; E ends the session")
            put(time_label, "")
            bar.update(progress=100)
        else:
            first = blocks[0]
            put(now_label, "Not started · n starts")
            put(title_label, f"First: {first.title}")
            put(time_label, f"{first.planned_minutes} min planned")
            bar.update(progress=0)
        time_label.set_class(overtime, "-overtime")
        shown_block = blocks[current] if current is not None else None
        width = max(20, self.content_region.width or self.size.width - 4)
        items = self.prompt_items(shown_block)
        if current != self.prompt_block:
            self.prompt_block, self.prompt_first = current, 0
        self.set_class(bool(items), "-prompting")
        prompts = self.query_one("#agenda-prompts", Static)
        tall = self.screen.has_class("-tall")
        text, self.prompts_shown = prompt_text(
            items, width, prompts.size.height or 99, self.prompt_first,
            heading=f"Prompts for {shown_block.title}:" if tall and shown_block is not None else "")
        put(prompts, text)
        listing = self.query_one("#agenda-blocks", Static)
        rows = listing.size.height or 99
        put(listing, block_lines(clock, now, width, rows))
        put(self.query_one("#agenda-total", Label),
            total_text(clock.planned_total, clock.actual_total(now) if clock.started else None, width))
        end = "Ended" if clock.finished else "Ends about"
        put(self.query_one("#agenda-end", Label),
            f"{end} {clock.planned_end(now):%H:%M} (due {scheduled_end:%H:%M})"
            if clock.started else f"Scheduled to end {scheduled_end:%H:%M}")
        self.set_class(clock.cue_due(now), "-cue")
        return clock
