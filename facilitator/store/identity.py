"""Who is acting, and what time it is: both injected everywhere else."""

from __future__ import annotations

import os
import pwd
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def os_user() -> str:
    """The process's operating-system account (not $USER, which anyone can set)."""
    return pwd.getpwuid(os.geteuid()).pw_name


def os_user_display_name() -> str:
    gecos = pwd.getpwuid(os.geteuid()).pw_gecos.split(",")[0].strip()
    return gecos or os_user()


def system_clock() -> datetime:
    return datetime.now(UTC)
