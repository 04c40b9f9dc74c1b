"""Staff keys in the store (issue #21): add with keys, add one, remove one, each one audited
change carrying fingerprints only; one key belongs to one member; the service account's
authorized_keys follows every staff change, deactivated members included; on any other
account nothing is written.

The keys are ssh-keygen's (tests/core/test_sshkeys.py); every name is invented.
"""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from facilitator.core.clinic import ClinicSettings
from facilitator.core.errors import InputError, PermissionDenied
from facilitator.core.sshkeys import fingerprint
from facilitator.store.datadir import DataDir
from facilitator.store.files import DamagedFile
from facilitator.store.hostkeys import HEADER, write_authorized_keys
from facilitator.store.hostsetup import set_host
from facilitator.store.staff import add_key, add_staff, deactivate, reactivate, remove_key, rename, set_role
from tests.core.test_sshkeys import ECDSA256, ED25519, RSA1024, RSA2048, SK_ED25519

ENTRY = "/usr/local/bin/facilitator-ssh"
NOW = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)


def clinic(root: Path, service_user: str | None) -> DataDir:
    settings = ClinicSettings(name="Invented Clinic", timezone="America/Chicago",
                              service_user=service_user, ssh_entry=ENTRY if service_user else None)
    return DataDir.init(root, settings, user="ada_admin", display_name="Ada Inventedname",
                        clock=lambda: NOW)


@pytest.fixture
def host(tmp_path):
    """A clinic on a host whose service account is another (so nothing here is written; the
    real write, as the service account, is tests/accounts/test_host_setup.py's)."""
    return clinic(tmp_path / "clinic", "fct_hk_nobody")


def entries(data: DataDir) -> list[dict]:
    return [entry for _, _, entry in data.audit.entries() if entry]


def written(data: DataDir, home: Path) -> Path | None:
    """authorized_keys as the service account fct_hk_nobody would write it, its home ``home``."""
    return write_authorized_keys(data, account=("fct_hk_nobody", home))


def line(user: str, key: str, data: DataDir) -> str:
    return (f'restrict,pty,command="{ENTRY} --staff {user} --data {data.root.resolve()}" {key} '
            f'facilitator:{user}')


def test_add_with_keys_is_one_audited_change_with_fingerprints_only(host):
    member = add_staff(host, "mrivera", "Mar Rivera", "counselor", keys=[f"{ED25519} mar@laptop\n", RSA2048])
    assert member.keys == (ED25519, RSA2048)
    assert host.snapshot().staff["mrivera"].keys == (ED25519, RSA2048)
    stored = json.loads((host.root / "clinic.json").read_text())
    assert [s.get("keys") for s in stored["staff"].values()] == [None, [ED25519, RSA2048]]
    entry = entries(host)[-1]
    assert (entry["action"], entry["record"], entry["user"]) == ("staff.add", "staff:mrivera", "ada_admin")
    assert entry["detail"] == {"role": "counselor", "keys": f"{fingerprint(ED25519)} {fingerprint(RSA2048)}"}
    log = "".join(p.read_text() for p in (host.root / "audit").glob("*.jsonl"))
    assert "AAAAC3Nza" not in log and "mar@laptop" not in log and "Mar Rivera" not in log
    assert host.audit.verify() == []


def test_add_key_and_remove_key_by_fingerprint_or_line(host):
    add_staff(host, "mrivera", "Mar Rivera", "counselor")
    assert add_key(host, "mrivera", f"{ECDSA256} mar@phone") == ECDSA256
    assert add_key(host, "mrivera", SK_ED25519) == SK_ED25519
    assert host.snapshot().staff["mrivera"].keys == (ECDSA256, SK_ED25519)
    assert remove_key(host, "mrivera", fingerprint(ECDSA256)) == ECDSA256
    assert remove_key(host, "mrivera", f"{SK_ED25519} any comment") == SK_ED25519
    assert host.snapshot().staff["mrivera"].keys == ()
    assert "keys" not in json.loads((host.root / "clinic.json").read_text())["staff"]["2"]
    actions = [(e["action"], e["detail"]) for e in entries(host)[-4:]]
    assert actions == [("staff.key-add", {"key": fingerprint(ECDSA256)}),
                       ("staff.key-add", {"key": fingerprint(SK_ED25519)}),
                       ("staff.key-remove", {"key": fingerprint(ECDSA256)}),
                       ("staff.key-remove", {"key": fingerprint(SK_ED25519)})]


def unchanged(data: DataDir):
    return (data.root / "clinic.json").read_bytes(), len(entries(data))


def test_one_key_belongs_to_one_member(host):
    add_staff(host, "mrivera", "Mar Rivera", "counselor", keys=[ED25519])
    before = unchanged(host)
    with pytest.raises(InputError, match="already mrivera's; one key belongs to one staff member"):
        add_staff(host, "jlee", "Jo Lee", "counselor", keys=[f"{ED25519} other comment"])
    with pytest.raises(InputError, match="already mrivera's"):
        add_key(host, "ada_admin", ED25519)
    with pytest.raises(InputError, match="already this member's"):
        add_key(host, "mrivera", ED25519 + " again")
    assert unchanged(host) == before
    assert "jlee" not in host.snapshot().staff


def test_a_key_on_two_members_by_hand_is_a_damaged_file(host):
    add_staff(host, "mrivera", "Mar Rivera", "counselor", keys=[ED25519])
    path = host.root / "clinic.json"
    doc = json.loads(path.read_text())
    for member in doc["staff"].values():
        member["keys"] = [ED25519]
    path.write_text(json.dumps(doc))
    with pytest.raises(DamagedFile, match="one SSH key is listed for two staff members"):
        host.snapshot()


@pytest.mark.parametrize("text", [f'command="sh" {ED25519}', RSA1024, f"{ED25519}\n{RSA2048}", "ssh-ed25519 !!"])
def test_a_refused_key_changes_nothing(host, text):
    add_staff(host, "mrivera", "Mar Rivera", "counselor")
    before = unchanged(host)
    with pytest.raises(InputError):
        add_key(host, "mrivera", text)
    with pytest.raises(InputError):
        add_staff(host, "jlee", "Jo Lee", "counselor", keys=[text])
    assert unchanged(host) == before


def test_a_name_that_cannot_go_into_the_line_gets_no_key(host):
    add_staff(host, "Mar.Rivera", "Mar Rivera", "counselor")        # a laptop-style account: allowed
    before = unchanged(host)
    with pytest.raises(InputError, match="cannot have an SSH key"):
        add_key(host, "Mar.Rivera", ED25519)
    with pytest.raises(InputError, match="cannot have an SSH key"):
        add_staff(host, "J Lee", "Jo Lee", "counselor", keys=[ED25519])
    assert unchanged(host) == before


def test_removing_a_key_the_member_does_not_have_is_refused(host):
    add_staff(host, "mrivera", "Mar Rivera", "counselor", keys=[ED25519])
    add_staff(host, "jlee", "Jo Lee", "counselor", keys=[RSA2048])
    before = unchanged(host)
    for which in (fingerprint(RSA2048), RSA2048, "SHA256:nothing", fingerprint(ECDSA256)):
        with pytest.raises(InputError, match="has no such key"):
            remove_key(host, "mrivera", which)
    with pytest.raises(InputError, match="not a staff member"):
        remove_key(host, "nobody", fingerprint(ED25519))
    assert unchanged(host) == before


def test_only_admins_change_keys(host):
    add_staff(host, "mrivera", "Mar Rivera", "counselor", keys=[ED25519])
    counselor = DataDir.open(host.root, user="mrivera", clock=lambda: NOW)
    with pytest.raises(PermissionDenied):
        add_key(counselor, "mrivera", RSA2048)
    with pytest.raises(PermissionDenied):
        remove_key(counselor, "mrivera", fingerprint(ED25519))
    assert host.snapshot().staff["mrivera"].keys == (ED25519,)


def test_authorized_keys_follows_every_change_deactivated_members_included(host, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    add_staff(host, "mrivera", "Mar Rivera", "counselor", keys=[ED25519])
    add_staff(host, "jlee", "Jo Lee", "supervisor", keys=[RSA2048, ECDSA256])
    deactivate(host, "mrivera")
    path = written(host, home)
    assert path == home / ".ssh" / "authorized_keys"
    assert path.read_text() == HEADER + "".join(
        line(u, k, host) + "\n" for u, k in (("jlee", RSA2048), ("jlee", ECDSA256), ("mrivera", ED25519)))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((home / ".ssh").stat().st_mode) == 0o700
    # No temp file left; the lock file that orders two writers is the only other one.
    assert sorted(p.name for p in (home / ".ssh").iterdir()) == [".authorized_keys.lock", "authorized_keys"]


def test_an_existing_ssh_folder_is_tightened_and_a_link_refused(host, tmp_path):
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True, mode=0o755)
    os.chmod(home / ".ssh", 0o755)
    add_staff(host, "mrivera", "Mar Rivera", "counselor", keys=[ED25519])
    written(host, home)
    assert stat.S_IMODE((home / ".ssh").stat().st_mode) == 0o700
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / ".ssh").symlink_to(home / ".ssh")
    with pytest.raises(InputError, match="is not a folder of the service account"):
        written(host, linked)


def test_not_the_service_account_nothing_is_written(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    for service_user in (None, "fct_not_me"):
        data = clinic(tmp_path / f"clinic-{service_user}", service_user)
        add_staff(data, "mrivera", "Mar Rivera", "counselor", keys=[ED25519])
        set_role(data, "mrivera", "supervisor")
        rename(data, "mrivera", "Mar Rivera-Lee")
        deactivate(data, "mrivera")
        reactivate(data, "mrivera")
        assert write_authorized_keys(data, account=("fct_hk_nobody", home)) is None
        assert write_authorized_keys(data) is None     # this process's own account: not it either
    assert list(home.iterdir()) == []


def test_root_is_never_the_service_account(tmp_path):
    """Its authorized_keys, rewritten from the staff list, would lock root out of the host."""
    with pytest.raises(InputError, match="may not be root"):
        clinic(tmp_path / "clinic", "root")
    data = clinic(tmp_path / "other", "fct_svc")
    with pytest.raises(InputError, match="may not be root"):
        set_host(data, "root", ENTRY)
    assert data.settings().service_user == "fct_svc"


def test_service_user_and_entry_are_read_strictly(tmp_path):
    data = clinic(tmp_path / "clinic", "fct_svc")
    assert data.settings().service_user == "fct_svc" and data.settings().ssh_entry == ENTRY
    for field, value in (("service_user", "Root User"), ("service_user", "root"), ("ssh_entry", "relative/path"),
                         ("ssh_entry", '/usr/bin/x" --staff ada_admin'), ("service_user", 7)):
        path = data.root / "clinic.json"
        doc = json.loads(path.read_text())
        saved = dict(doc["settings"]["1"])
        doc["settings"]["1"][field] = value
        path.write_text(json.dumps(doc))
        with pytest.raises(DamagedFile):
            data.snapshot()
        doc["settings"]["1"] = saved
        path.write_text(json.dumps(doc))
    assert data.snapshot().settings.service_user == "fct_svc"
