"""The command-line reference, generated from the parser: ``python -m facilitator.cli.reference > docs/cli.md``.

Each command's page is exactly what ``COLUMNS=80 facilitator COMMAND --help`` prints;
tests/cli/test_reference.py fails when docs/cli.md and the parser drift apart.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from facilitator.cli.parser import build_parser

COLUMNS = "80"


def commands(parser: argparse.ArgumentParser | None = None, path: tuple[str, ...] = (),
             summary: str | None = None) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser, str | None]]:
    """Every command and sub-command, parents first, in the order ``--help`` lists them, with
    the one-line help its parent's ``--help`` gives it."""
    parser = parser or build_parser()
    yield path, parser, summary
    helps = command_help(parser)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, (*path, name), helps.get(name))


def command_help(parser: argparse.ArgumentParser) -> dict[str, str | None]:
    """Each sub-command's one-line help, as the parent's ``--help`` lists it."""
    helps: dict[str, str | None] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                helps[choice.dest] = choice.help
    return helps


@contextmanager
def _columns(width: str) -> Iterator[None]:
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = width   # argparse wraps help to the terminal's width
    try:
        yield
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before


def reference() -> str:
    parts = [
        "# Command-line reference\n",
        "Every command's `--help`, as `COLUMNS=80 facilitator … --help` prints it. Generated from the\n"
        "argument parser by `python -m facilitator.cli.reference > docs/cli.md`; "
        "tests/cli/test_reference.py\n"
        "fails when the two differ. Exit codes: 0 ok, 1 a check or report found a problem, 2 bad usage\n"
        "or bad input.\n",
    ]
    with _columns(COLUMNS):
        for path, parser, summary in commands():
            parts.append(f"## {' '.join(('facilitator', *path))}\n")
            if summary:
                parts.append(summary[:1].upper() + summary[1:] + ".\n")
            parts.append("```text\n" + parser.format_help().rstrip("\n") + "\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    sys.stdout.write(reference())
