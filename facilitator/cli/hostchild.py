"""The service account's half of ``host init`` and ``host adopt`` (issue #21).

``cli.host`` runs this module as a child process with root's privileges dropped (the service
account's uid and gid, no supplementary groups), so every file inside the clinic is made by
the service account itself. The job comes as one JSON object on standard input; the result
goes out as one JSON object on standard output; a refusal is one sentence on standard error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _init(job: dict[str, Any]) -> dict[str, Any]:
    from facilitator.core.clinic import ClinicSettings
    from facilitator.store.hostsetup import init_as_service
    settings = ClinicSettings.from_dict(job["settings"])
    written = init_as_service(Path(job["data"]), settings, job["admin"], job["admin_name"], job["key"])
    return {"authorized_keys": str(written) if written else None}


def _adopt(job: dict[str, Any]) -> dict[str, Any]:
    from facilitator.store.hostsetup import adopt_as_service
    return adopt_as_service(Path(job["data"]), job["admin"], job["service_user"], job["ssh_entry"], job["keys"])


def main() -> int:
    from facilitator.core.errors import FacilitatorError
    from facilitator.errors import explain
    try:
        job = json.loads(sys.stdin.read(1 << 20))
        result = (_init if job["action"] == "init" else _adopt)(job)
    except FacilitatorError as err:
        print(err.sentence, file=sys.stderr)
        return err.exit_code
    except Exception as err:  # noqa: BLE001 - one sentence, never a traceback
        code, sentence = explain(err)
        print(sentence, file=sys.stderr)
        return code
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
