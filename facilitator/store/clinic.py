"""Opening a clinic the way every command, the app and the sync server do: as the acting user,
with the plan library wired in.

Lives in the store, not the command line, so that the sync server (and tests) can open a
clinic without importing argv handling.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from facilitator.store.identity import Clock, acting_user, system_clock

if TYPE_CHECKING:
    from facilitator.core.session import BlockRun
    from facilitator.store.datadir import DataDir


def open_clinic(root: Path, *, user: str | None = None, clock: Clock = system_clock) -> DataDir:
    """Open the clinic in ``root`` as ``user`` (default: the acting user), with the plan library wired in."""
    from facilitator.store.datadir import DataDir
    from facilitator.store.plans import PlanLibrary, shipped_plans_dir

    library: dict[str, PlanLibrary] = {}

    def blocks_for(plan_id: str | None) -> tuple[BlockRun, ...]:
        if not plan_id:
            return ()
        if "lib" not in library:
            library["lib"] = PlanLibrary.load(shipped_plans_dir(), root / "plans")
        lib = library["lib"]
        return lib.plans[plan_id].block_runs() if plan_id in lib.plans else ()

    return DataDir.open(root, user=user or acting_user(), clock=clock, blocks_for=blocks_for)
