"""`python -m facilitator.cli`: the same as the `facilitator` command."""

from facilitator.cli import run

run()
