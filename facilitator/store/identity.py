"""Who is acting, and what time it is: both injected everywhere else.

The acting user is the process's OS account, except inside ``acting_as(USER)``: on a clinic
host the service account's forced command (``cli/ssh_entry.py``, the only caller) acts as
the staff member whose key logged in, named by the ``--staff`` of its own argv, which
facilitator wrote into ``authorized_keys``. Nothing the client controls (an option, an
environment variable, a file, ``SSH_ORIGINAL_COMMAND``) is read here.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

Clock = Callable[[], datetime]

_acting: list[str] = []      # the innermost acting_as, last (a stack: nesting restores the outer)


def os_user() -> str:
    """The process's operating-system account (not $USER, which anyone can set)."""
    return pwd.getpwuid(os.geteuid()).pw_name


def acting_user() -> str:
    """The staff account this process acts as: the forced command's ``--staff``, else the OS account."""
    return _acting[-1] if _acting else os_user()


@contextmanager
def acting_as(user: str) -> Iterator[str]:
    """Act as ``user`` (a staff account name) until the block ends. Only the SSH entry calls it."""
    if not user:
        raise ValueError("acting_as needs a staff account name")
    _acting.append(user)
    try:
        yield user
    finally:
        _acting.pop()


def os_user_display_name() -> str:
    gecos = pwd.getpwuid(os.geteuid()).pw_gecos.split(",")[0].strip()
    return gecos or os_user()


def system_clock() -> datetime:
    return datetime.now(UTC)
