"""Sync inputs at the store level: exact record paths, and a device id that is never replaced."""

from __future__ import annotations

import json

import pytest

from facilitator.store.files import DamagedFile
from facilitator.sync.files import SyncRefused, check_path, device_id, is_record_path


@pytest.mark.parametrize("path", [
    "records/2026/11/2026-11-18-1800-evening-iop-a.json",
    "records/2024/02/2024-02-29-0900-x.json",
])
def test_a_record_path_whose_folder_is_its_date_is_taken(path):
    assert is_record_path(path)
    assert check_path(path) == path


@pytest.mark.parametrize("path", [
    "records/2026/11/2026-11-18-1800-evening-iop-a.json\n",        # a trailing newline ($ matches before it)
    "records/2026/11/2026-11-1\u0668-1800-evening.json",            # an Arabic-Indic digit (\d takes it)
    "records/\u0662026/11/2026-11-18-1800-evening.json",
    "records/2026/12/2026-11-18-1800-evening.json",                 # folder month is not the file's
    "records/2025/11/2026-11-18-1800-evening.json",                 # folder year is not the file's
    "records/2026/02/2026-02-30-1800-evening.json",                 # no such day
    "records/2026/11/2026-11-18-1800-even\x1bing.json",             # a control character
    "records/2026/11/../11/2026-11-18-1800-evening.json",
    "hours/2026-11.json\n",
    "plans/x.toml\n",
])
def test_a_record_path_that_is_not_exact_is_refused(path):
    assert not is_record_path(path)
    with pytest.raises(SyncRefused):
        check_path(path)


def test_device_id_is_made_once_and_kept(tmp_path):
    made = device_id(tmp_path)
    assert device_id(tmp_path) == made
    assert json.loads((tmp_path / "device.json").read_text()) == {"device": made}


@pytest.mark.parametrize("damaged", [b"", b"{not json", b'{"device": "XYZ"}', b'["a"]',
                                     b'{"device": 7}', b'{"other": "0123456789abcdef"}'])
def test_a_damaged_device_file_is_reported_never_replaced(tmp_path, damaged):
    path = tmp_path / "device.json"
    path.write_bytes(damaged)
    with pytest.raises(DamagedFile) as caught:
        device_id(tmp_path)
    assert caught.value.path == path
    assert "device.json is damaged" in str(caught.value)
    assert path.read_bytes() == damaged
