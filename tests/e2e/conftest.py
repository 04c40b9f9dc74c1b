"""Shared by the SSH end-to-end modules: one throwaway sshd per module."""

from __future__ import annotations

import pytest

from tests.e2e.sshd import SshServer


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    """A loopback sshd; skips (printing why) where one cannot run here."""
    reason = SshServer.unavailable()
    if reason:
        print(f"skipping the SSH end-to-end tests: {reason}")
        pytest.skip(reason)
    server = SshServer(tmp_path_factory.mktemp("sshd")).start()
    yield server
    server.stop()
