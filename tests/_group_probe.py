"""A pytest plugin for tests/test_serial_group.py: after collection, print each test's node id
and its xdist group (``-`` for none), one ``GROUP <group> <node id>`` line each."""

from __future__ import annotations

import pytest


def pytest_collection_finish(session: pytest.Session) -> None:
    for item in session.items:
        marker = item.get_closest_marker("xdist_group")
        group = marker.args[0] if marker and marker.args else "-"
        print(f"GROUP {group} {item.nodeid}")
