"""The agenda clock pane: where the group is against its plan, worked out from stored times.

``AgendaPane.show(blocks, now)`` is called every second by the session screen; everything
shown comes from ``AgendaClock(blocks)`` and ``now`` (no tick counting).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ProgressBar
from facilitator.tui.widgets.plain import Label, Static

from facilitator.core.agenda import AgendaClock
from facilitator.core.session import BlockRun
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


def kind_text(block: BlockRun) -> str:
    return str(block.kind).replace("-", " ")


def block_window(count: int, current: int | None, rows: int) -> range:
    """Which blocks fit in ``rows`` lines: all, or a window that keeps the current one in view."""
    if count <= rows:
        return range(count)
    focus = count - 1 if current is None else current
    first = max(0, min(focus - 1, count - rows))
    return range(first, first + rows)


def block_lines(clock: AgendaClock, now: datetime, width: int, rows: int = 99,
                marker_style: str = "bold") -> Text:
    """One line per block: marker, title, planned minutes, actual minutes so far."""
    current = clock.current()
    title_width = max(8, width - 12)
    text = Text(no_wrap=True, overflow="ellipsis")
    window = block_window(len(clock.blocks), current, max(1, rows - 1))
    hidden = len(clock.blocks) - len(window)
    heading = "Block" if not hidden else f"Block ({hidden} more)"
    text.append(f"  {heading:<{title_width}} plan  act", style="bold")
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
        line = f"\n{marker} {title:<{title_width}} {block.planned_minutes:>4} {actual:>4}"
        style = marker_style if i == current else ("dim" if block.skipped else "")
        text.append(line, style=style)
    return text


class AgendaPane(Vertical):
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
    AgendaPane #agenda-prompts { display: none; height: 1fr; margin-top: 1; color: $text-muted; }
    /* On a tall screen (the session screen's -tall class) the plan's prompts fit too. */
    .-tall AgendaPane #agenda-blocks { height: auto; max-height: 14; }
    .-tall AgendaPane #agenda-prompts { display: block; }
    AgendaPane #agenda-total, AgendaPane #agenda-end { color: $text-muted; }
    """

    shown: tuple[tuple[BlockRun, ...], datetime, datetime] | None = None
    # (kind, title) -> the plan's facilitator prompts and exercise, shown when there is room
    prompts: dict[tuple[str, str], tuple[tuple[str, ...], str | None]] = {}

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

    def prompts_text(self, block: BlockRun | None) -> str:
        if block is None:
            return ""
        prompts, exercise = self.prompts.get((str(block.kind), block.title), ((), None))
        lines = [f"Prompts for {block.title}:"] + [f"• {p}" for p in prompts] if prompts else []
        if exercise:
            lines.append(f"Exercise: {exercise}")
        return "\n".join(lines)

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
            put(now_label, "No plan: no agenda blocks")
            put(title_label, "Start with a plan to time the group.")
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
                text = f"OVERTIME +{clock_text(-remaining)} · {elapsed} run"
            else:
                text = f"{elapsed} run · {clock_text(remaining)} left"
            if clock.paused:
                text = "PAUSED · " + text
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
        block = blocks[current] if current is not None else None
        put(self.query_one("#agenda-prompts", Static), self.prompts_text(block))
        width = max(20, self.content_region.width or self.size.width - 4)
        listing = self.query_one("#agenda-blocks", Static)
        rows = listing.size.height or 99
        put(listing, block_lines(clock, now, width, rows))
        total = f"Session: plan {min_text(clock.planned_total)}"
        if clock.started:
            total += f" · run {min_text(clock.actual_total(now))}"
        put(self.query_one("#agenda-total", Label), total)
        end = "Ended" if clock.finished else "Ends about"
        put(self.query_one("#agenda-end", Label),
            f"{end} {clock.planned_end(now):%H:%M} (due {scheduled_end:%H:%M})"
            if clock.started else f"Scheduled to end {scheduled_end:%H:%M}")
        self.set_class(clock.cue_due(now), "-cue")
        return clock
