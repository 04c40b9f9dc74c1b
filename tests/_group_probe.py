"""A pytest plugin for tests/test_serial_group.py: after collection, print each test's node id,
its xdist group (``-`` for none) and its marks, one ``GROUP <group> <mark,mark> <node id>``
line each."""

from __future__ import annotations

import pytest


def pytest_collection_finish(session: pytest.Session) -> None:
    for item in session.items:
        marker = item.get_closest_marker("xdist_group")
        group = marker.args[0] if marker and marker.args else "-"
        marks = ",".join(sorted({m.name for m in item.iter_markers()} - {"xdist_group", "parametrize"}))
        print(f"GROUP {group} {marks} {item.nodeid}")
