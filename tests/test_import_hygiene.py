"""The layers hold: the core domain loads no UI or storage library, the store no UI.

Each check runs in a fresh interpreter, so nothing this test process already imported
can hide a stray import.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

PROBE = """
import importlib, json, pkgutil, sys
package = importlib.import_module({package!r})
names = [package.__name__]
for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    importlib.import_module(info.name)
    names.append(info.name)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {forbidden!r})
print(json.dumps({{"modules": names, "loaded": loaded}}))
"""


def probe(package: str, forbidden: set[str]) -> dict[str, list[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE.format(package=package, forbidden=sorted(forbidden))],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_core_and_every_core_module_load_no_textual_tinydb_or_rich() -> None:
    result = probe("facilitator.core", {"textual", "tinydb", "rich"})
    expected = {f"facilitator.core.{p.stem}" for p in (REPO / "facilitator" / "core").glob("*.py")
                if p.stem != "__init__"}
    assert expected <= set(result["modules"]), "pkgutil missed a core module"
    assert result["loaded"] == [], f"core pulled in {result['loaded']}"


def test_bare_core_package_imports_nothing_heavy() -> None:
    done = subprocess.run([sys.executable, "-c", "import sys, facilitator.core; "
                           "print(sorted(m for m in sys.modules if m.startswith(('textual', 'tinydb', 'rich', "
                           "'dateutil'))))"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_store_and_every_store_module_load_no_textual() -> None:
    result = probe("facilitator.store", {"textual"})
    assert "facilitator.store.datadir" in result["modules"]
    assert result["loaded"] == [], f"the store pulled in {result['loaded']}"
