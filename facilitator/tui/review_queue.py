"""What the review queue shows: filters with counts, and the rows they keep. Pure.

Filters combine: one "show" filter (all, mine to sign, to co-sign, overdue, returned for
correction) with a group
and a counselor (a facilitator of the session). Each show filter's count is worked out
under the group and counselor chosen, so the line says what pressing ``f`` would show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from facilitator.store.notes import QueueItem

SHOW_FILTERS: tuple[tuple[str, str], ...] = (
    ("all", "all"),
    ("mine", "mine to sign"),
    ("cosign", "to co-sign"),
    ("overdue", "overdue"),
    ("returned", "returned"),
)


@dataclass(frozen=True)
class Filters:
    show: str = "all"
    group: str | None = None
    counselor: str | None = None      # a staff account


def keeps(item: QueueItem, show: str, me: str) -> bool:
    if show == "mine":
        return item.state != "unsigned-cosign" and me in item.facilitators
    if show == "cosign":
        return item.state == "unsigned-cosign"
    if show == "overdue":
        return item.overdue_days > 0
    if show == "returned":
        return item.state == "returned"
    return True


def _in_scope(item: QueueItem, filters: Filters) -> bool:
    return ((filters.group is None or item.group == filters.group)
            and (filters.counselor is None or filters.counselor in item.facilitators))


def apply(items: Sequence[QueueItem], filters: Filters, me: str) -> list[QueueItem]:
    return [i for i in items if _in_scope(i, filters) and keeps(i, filters.show, me)]


def counts(items: Sequence[QueueItem], filters: Filters, me: str) -> dict[str, int]:
    scoped = [i for i in items if _in_scope(i, filters)]
    return {key: sum(1 for i in scoped if keeps(i, key, me)) for key, _ in SHOW_FILTERS}


def next_of(options: Sequence[str], current: str | None) -> str | None:
    """The next choice after ``current`` in all (None), then each option, then all again."""
    cycle: list[str | None] = [None, *options]
    return cycle[(cycle.index(current) + 1) % len(cycle)] if current in cycle else None


def groups_of(items: Sequence[QueueItem]) -> list[str]:
    return sorted({i.group for i in items})


def counselors_of(items: Sequence[QueueItem]) -> list[str]:
    return sorted({f for i in items for f in i.facilitators})


def show_line(filters: Filters, numbers: dict[str, int]) -> list[tuple[str, bool]]:
    """The show filters as (text, chosen) pieces: 'all 403', 'to co-sign 25', ..."""
    return [(f"{label} {numbers[key]}", key == filters.show) for key, label in SHOW_FILTERS]
