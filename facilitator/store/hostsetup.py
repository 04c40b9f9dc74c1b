"""A clinic on a host (issue #21): the clinic's service account and forced command, set only
by ``host init`` and ``host adopt`` (never by ``settings set``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from facilitator.core.clinic import ClinicSettings
from facilitator.store.files import DamagedFile

if TYPE_CHECKING:
    from facilitator.store.datadir import DataDir


def set_host(data: DataDir, service_user: str, ssh_entry: str) -> ClinicSettings:
    """Store the service account and the forced command's absolute path (checked as the strict
    reader checks them); one audited change. The caller rewrites authorized_keys after it."""
    data.require("settings.change")
    with data.change("settings.host", "settings", {"service_user": service_user}) as change, \
            data.clinic_file.transaction() as db:
        table = db.table("settings")
        docs = table.all()
        if len(docs) != 1:
            raise DamagedFile(data.clinic_file.path, "it has no clinic settings")
        current = ClinicSettings.from_dict(docs[0])
        updated = current.with_changes(service_user=service_user, ssh_entry=ssh_entry)
        if updated == current:
            change.cancel()
            return current
        table.update({"service_user": service_user, "ssh_entry": ssh_entry}, doc_ids=[docs[0].doc_id])
    return updated
