"""The command palette (ctrl+p): every command the app offers, as data."""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

from textual.command import DiscoveryHit, Hit, Hits, Provider


class PaletteCommand(NamedTuple):
    """One palette entry; ``action`` is a Textual action string such as ``"app.go('home')"``.
    (A NamedTuple, not a frozen dataclass: it loads at every start, benchmark figure 1.)"""

    name: str
    help: str
    action: str


class FacilitatorCommands(Provider):
    """Offers ``app.palette_commands()``; run through ``app.run_action``."""

    def _commands(self) -> tuple[PaletteCommand, ...]:
        return tuple(self.app.palette_commands())  # type: ignore[attr-defined]

    def _run(self, command: PaletteCommand):
        return partial(self.app.run_action, command.action)

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.name, self._run(command), help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.name)
            if score > 0:
                yield Hit(score, matcher.highlight(command.name), self._run(command),
                          text=command.name, help=command.help)
