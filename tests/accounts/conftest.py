from __future__ import annotations

import pytest

from tests import accounts


@pytest.fixture(scope="session")
def staff_accounts():
    reason = accounts.unavailable()
    if reason:
        print(f"skipping the OS-account tests: {reason}")
        pytest.skip(reason)
    accounts.ensure_staff_accounts()


@pytest.fixture(scope="session")
def install(staff_accounts):
    made = accounts.PublicInstall(accounts.COUNSELOR)
    if made.python is None:
        made.remove()
        pytest.skip("no Python of this version that the test accounts may run")
    yield made
    made.remove()
