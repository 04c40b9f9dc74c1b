"""Where the clinic is: which data directory a command uses, and what decided it.

Precedence, first found wins:

1. ``--data DIR`` on the command line;
2. ``FACILITATOR_DATA`` in the environment;
3. the user's configuration file, ``~/.config/facilitator/config.toml`` on Linux
   (platformdirs' ``user_config_dir``);
4. the system configuration file, ``/etc/xdg/facilitator/config.toml`` on Linux
   (platformdirs' ``site_config_dir``: each folder of ``$XDG_CONFIG_DIRS``, default
   ``/etc/xdg``), which an admin writes once for every account on a clinic host, and
   which non-interactive ssh commands and ``ForceCommand`` read too (they get no profile);
5. the platform's user data directory, ``~/.local/share/facilitator`` on Linux.

A configuration file holds one key: ``data = "/srv/facilitator"``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from facilitator.core.errors import InputError

APP = "facilitator"
CONFIG_NAME = "config.toml"


@dataclass(frozen=True)
class Location:
    path: Path
    source: str      # one phrase: what decided it


def user_config_file() -> Path:
    from platformdirs import user_config_path
    return user_config_path(APP, appauthor=False) / CONFIG_NAME


def site_config_files() -> list[Path]:
    """The system configuration files to look at, first found wins."""
    from platformdirs import site_config_dir
    folders = site_config_dir(APP, appauthor=False, multipath=True).split(os.pathsep)
    return [Path(folder) / CONFIG_NAME for folder in folders if folder]


def read_config(path: Path) -> Path | None:
    """The data directory a configuration file names; None if there is no such file.

    A file that exists but is not right is one ``InputError`` naming it, never ignored
    (a clinic host would otherwise quietly open the wrong directory).
    """
    from facilitator.store.files import NotRegularFile, TooLarge, read_regular
    try:
        raw = read_regular(path, limit=1 << 20, follow=True)     # an admin may link it; never a FIFO
    except FileNotFoundError:
        return None
    except (NotRegularFile, TooLarge) as err:
        raise InputError(f"the configuration file cannot be read ({err.args[0].removeprefix(str(path) + ' ')})",
                         file=str(path)) from None
    except OSError as err:
        raise InputError(f"the configuration file cannot be read ({err.strerror})", file=str(path)) from None
    try:
        config = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise InputError(f"the configuration file is not valid TOML ({err})", file=str(path)) from None
    unknown = sorted(set(config) - {"data"})
    if unknown:
        raise InputError("a configuration file may hold only data = \"/path/to/the/clinic\"",
                         file=str(path), field=unknown[0])
    data = config.get("data")
    if data is None:
        return None
    if not isinstance(data, str) or not data.strip():
        raise InputError("data must be a path in quotes, e.g. data = \"/srv/facilitator\"",
                         file=str(path), field="data")
    return Path(data).expanduser()


def find_data_dir(option: Path | str | None = None) -> Location:
    """The data directory and what decided it, by the precedence in the module docstring."""
    if option:
        return Location(Path(option).expanduser(), "the --data option")
    env = os.environ.get("FACILITATOR_DATA")
    if env:
        return Location(Path(env).expanduser(), "the FACILITATOR_DATA environment variable")
    user_file = user_config_file()
    found = read_config(user_file)
    if found is not None:
        return Location(found, f"your configuration file {user_file}")
    for site_file in site_config_files():
        found = read_config(site_file)
        if found is not None:
            return Location(found, f"the system configuration file {site_file}")
    from platformdirs import user_data_dir
    return Location(Path(user_data_dir(APP, appauthor=False)),
                    "the default (no --data, FACILITATOR_DATA or configuration file)")
