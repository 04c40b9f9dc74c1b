"""Staff SSH keys (issue #21): one key line read strictly, and the authorized_keys line.

Every key below was made with ``ssh-keygen -t TYPE -N ''`` (OpenSSH 9.2) for this test and
its private half thrown away; each fingerprint is what ``ssh-keygen -l -f`` printed for it.
The hardware (sk-) keys were put together by hand and ``ssh-keygen -l`` read them the same.
"""

from __future__ import annotations

import base64
import struct

import pytest

from facilitator.core.errors import InputError
from facilitator.core.sshkeys import authorized_keys_line, check_key_name, fingerprint, parse_public_key

ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILwKZOQmNPKuWmZq4ucSCnI/Gh0vwFpjffiwdvcIUzq6"
ECDSA256 = ("ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBDfBK13qhlxFQLfrW04Kv"
            "lFQMtlkXPsvOyu5KqjXQHly9WCqqghzGZZULInubXF50Dy1meNw9pk8mlWMqTQPAys=")
ECDSA384 = ("ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBJpLMeHBoIdK1WFqq/tt1"
            "DwGbGQWM6XOu5rXhRDjn2pJverfZetV+GnVHBDM/hJjd2bY3CqgueEFO9Up2k4kqKA9DJQ6FQxV+r9CRXTZhv6XbUUDK"
            "tbGiNgUCGFtQg2J8Q==")
ECDSA521 = ("ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBACJU91qFUemgWsZovK2S"
            "GFyfg/3YryPc333H9cHWxaWeonxp4sLUo7Uj4+zAdmaKF/Pns1lsAYK3tonCnjcz78yqwGq4HvZldx8V21b3XRXXIQB6"
            "DjWWfxOwL//oGkBdJZYs35emxojqmYGbwC7FythAiL+EM1PGyLzHOmLtRecTl92qw==")
RSA2048 = ("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCVCfolisPIaCZIwqALeM+QHyudFbaBszZn3LgnhFD/p88Aslxs+fbWEnHnl"
           "Do/k4jUG4S7n7/wAP+XZhUxzKFwvEjF5inc0C57psraCBX7VgtrCYUmDDoHZwQc8WBL/zD7ftCoJw9O9UPBhHqHYhS1Mi8z"
           "mANqKcHJqt3+713j0uF6hE+16tL+Hd51IlEaMUNvhbrZVVbU1wRVAZ4T4SE0KF6Ssa7EsK6ly5FPHtNPsAcvLEVp8Ecs52Sx"
           "NC9AfxXfeo6znA3pT2hc8vAnC8h16br3VsQb1zwZZ7hC2b9e8VAH5lDlDAAHct19oJSD/5bu0U3f0E1f6M7gUd6b8eWJ")
RSA1024 = ("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDil+d/vimb27McG7NJQq9+pocO0ubOwry49J0QlpdlnawlX2NqnAgf8eLbD"
           "1kIkSnuQDDbe9Mwj/n18ZkulrmbOJ1x42TuBw9tBGBEpUeuZskqTYjzJxjStpjEw53eDzKJWxwkelI7rUS3LMPlFcmOu9b/"
           "yChjp/IHO/d3vPonsw==")
DSA = ("ssh-dss AAAAB3NzaC1kc3MAAACBAIHB4xO1BbFTtkaSR+EhpjFnJjm9kbBCKBmB7Ie85b4lmPvZIcQHutKX/gqfc5X7bJPKSBw"
       "IwIeDaoRKcgbBXHSc/D97vNTyv2ti/G2eS1eSOFkzdctXIaUWb0lzgmo2+U/1yEsXzpGjYFb0XUIxuPRuNAHZO1zdoY+4N7lqmvI5"
       "AAAAFQDtGn9Ep/t5V3u7UabtR+J3g1+MWQAAAIAN+DCAu+wEC3W2D0xKxuXDbLC2Kj3xc32y2ZhOhHV3RYHGg+rNtyYWwwxX+m0/e1"
       "P8OXFqDXtrrPhff4zayq4BB4SSiySGf879dc3p+RIpRjql3Y5y0RuzPvamhb0KYv+7wYA6xC/VDK+Z53qC8sgAiQiOqAjhkXNpuDAS"
       "dPnCWwAAAIAWVryBpL/8EgmNsDBaArFn7qnAF0pAqZWoindqalHoB/5RiWBUoaIMbAz6rbF2oJ4cwyi4fwQ4RLCPk9WAVm5xKE3cp"
       "+RbrMpnM6N2YyT9rftQoxp7Sm72kPtTeDZXgXxbEizoSeAJtOXQYlTPC9AYcHKICFijL83F0hElY2KGpQ==")
SK_ED25519 = ("sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIAABAgMEBQYHCAkKCwwNDg8"
              "QERITFBUWFxgZGhscHR4fAAAABHNzaDo=")
SK_ECDSA = ("sk-ecdsa-sha2-nistp256@openssh.com AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5jb20AAAAIbm"
            "lzdHAyNTYAAABBBDfBK13qhlxFQLfrW04KvlFQMtlkXPsvOyu5KqjXQHly9WCqqghzGZZULInubXF50Dy1meNw9pk8mlWMq"
            "TQPAysAAAAEc3NoOg==")

# (key, what ssh-keygen -l printed)
ACCEPTED = [
    (ED25519, "SHA256:55DC0USOL4NWM+mRFk8b+cNkGMbCzXBWt8fcLrTYh6c"),
    (ECDSA256, "SHA256:MNUWW9DmF7aqG/Ux8AIzC2lPyLX76ttHllMww2/NRrU"),
    (ECDSA384, "SHA256:pHpdOZYYZROa/56nCTT8cmDJO1Z6NC5yyUHMNFsdk+s"),
    (ECDSA521, "SHA256:PoIlmaQ/CSOlUjEAWCeuzyeIkTpxB+i3MG+7tpYyOWs"),
    (RSA2048, "SHA256:BKI1kKu46OqaJjFXTqUCF13CBlY7gRJB51y+7i1saH0"),
    (SK_ED25519, "SHA256:/p0CbeE3dk2SyW1OXXsThGc12ezDVD8eGw2/vtztDfk"),
    (SK_ECDSA, "SHA256:Sf52987Wc7Zj2ysr7/si7b6P8qlGsVJS5wgfamPKshQ"),
]


@pytest.mark.parametrize(("key", "printed"), ACCEPTED)
def test_each_accepted_type_as_ssh_keygen_wrote_it_comment_dropped(key, printed):
    assert parse_public_key(f"{key} test@laptop\n") == key
    assert parse_public_key(key) == key
    assert fingerprint(parse_public_key(key)) == printed


def test_a_comment_with_spaces_and_accents_is_dropped_and_spaces_around_trimmed():
    assert parse_public_key(f"  {ED25519}   María José's laptop (2026)  \r\n") == ED25519


def refused(text: str) -> str:
    with pytest.raises(InputError) as caught:
        parse_public_key(text)
    return caught.value.sentence


@pytest.mark.parametrize("options", [
    'command="sh"', 'restrict', 'from="10.0.0.1",no-pty', 'environment="FACILITATOR_USER=boss"',
    'command="sh -c \\"id\\""', 'cert-authority'])
def test_options_before_the_type_are_refused(options):
    assert "options before the key type" in refused(f"{options} {ED25519} x@y")


def test_two_keys_on_one_line_are_refused():
    assert "several keys" in refused(f"{ED25519} {RSA2048}")
    assert "several keys" in refused(f"{ED25519} comment {ECDSA256}")


@pytest.mark.parametrize("text", [f"{ED25519} a@b\n{RSA2048} c@d", f"{ED25519} a\rb", f"{ED25519} one\ntwo"])
def test_a_newline_in_the_comment_or_two_lines_is_refused(text):
    assert "several lines" in refused(text)


@pytest.mark.parametrize("char", ["\x1b]52;c;aGk=\x07", "\x00", "\x7f", "\x9b", "\u202e", "\u200d", "\u2028"])
def test_control_characters_anywhere_are_refused(char):
    assert "control character" in refused(f"{ED25519} lap{char}top")
    assert "control character" in refused(f"{char}{ED25519}")


@pytest.mark.parametrize("blob", [
    "AAAAC3NzaC1lZDI1NTE5AAAAILwKZOQmNPKuWmZq4ucSCnI/Gh0vwFpjffiwdvcIUzq",     # one character short
    "AAAAC3NzaC1lZDI1NTE5AAAAILwKZOQmNPKuWmZq4ucSCnI/Gh0vwFpjffiwdvcIUzq6==",  # padding where none goes
    "AAAAC3NzaC1lZDI1NTE5AAAAILwKZOQmNPKuWmZq4ucSCnI_Gh0vwFpjffiwdvcIUzq6",    # urlsafe alphabet
    "Z",
])
def test_bad_base64_is_refused(blob):
    assert "not base64" in refused(f"ssh-ed25519 {blob} x@y")


def test_base64_with_stray_bits_before_its_padding_is_refused():
    # "Ays=" and "Ayt=" decode to the same bytes; only the first is what ssh-keygen writes.
    assert "not base64" in refused(ECDSA256[:-2] + "t=")


def _blob(*parts: bytes) -> str:
    return base64.b64encode(b"".join(struct.pack(">I", len(p)) + p for p in parts)).decode()


def test_the_type_inside_the_data_must_be_the_declared_one():
    # An RSA key's data declared as ed25519, and an ed25519 key's data declared as RSA.
    assert "differs from the type" in refused(f"ssh-ed25519 {RSA2048.split()[1]}")
    assert "differs from the type" in refused(f"ssh-rsa {ED25519.split()[1]}")
    assert "differs from the type" in refused(f"ecdsa-sha2-nistp384 {ECDSA256.split()[1]}")
    assert "differs from the type" in refused(f"ssh-ed25519 {SK_ED25519.split()[1]}")


def test_malformed_data_inside_a_well_typed_blob_is_refused():
    assert "32 bytes" in refused(f"ssh-ed25519 {_blob(b'ssh-ed25519', bytes(31))}")
    assert "extra data" in refused(f"ssh-ed25519 {_blob(b'ssh-ed25519', bytes(32), b'more')}")
    assert "cut short" in refused("ssh-ed25519 " + base64.b64encode(
        struct.pack(">I", 11) + b"ssh-ed25519" + struct.pack(">I", 32) + bytes(8)).decode())
    four, two = bytes([4]), bytes([2])
    assert "curve" in refused("ecdsa-sha2-nistp256 " + _blob(b"ecdsa-sha2-nistp256", b"nistp384", four + bytes(64)))
    assert "point" in refused("ecdsa-sha2-nistp256 " + _blob(b"ecdsa-sha2-nistp256", b"nistp256", two + bytes(64)))
    assert "application" in refused(
        f"sk-ssh-ed25519@openssh.com {_blob(b'sk-ssh-ed25519@openssh.com', bytes(32), b'')}")


def test_a_dsa_key_is_refused_by_name():
    assert "ssh-dss key, which is not accepted" in refused(DSA + " test@dsa")


def test_a_1024_bit_rsa_key_is_refused():
    assert "RSA key of 1024 bits; at least 2048" in refused(RSA1024 + " test@rsa")


def test_a_certificate_or_unknown_type_is_refused():
    assert "not accepted" in refused(f"ssh-ed25519-cert-v01@openssh.com {ED25519.split()[1]}")
    assert "not a public key" in refused(f"ssh-foo {ED25519.split()[1]}")
    assert "not a public key" in refused("-----BEGIN OPENSSH PRIVATE KEY-----")
    assert "missing" in refused("ssh-ed25519")
    assert "empty" in refused("   \n")


def test_an_overlong_line_is_refused_without_reading_it_all():
    assert "longer than" in refused(f"{ED25519} " + "x" * 10_000)


def test_no_refusal_repeats_the_comment():
    for text in (f"{ED25519} secret-comment\x1b[2J", f'command="secret-comment" {ED25519}',
                 "ssh-ed25519 secret-comment", f"{ED25519} secret-comment {ED25519}"):
        assert "secret-comment" not in refused(text)


LINE = ('restrict,pty,command="/usr/local/bin/facilitator-ssh --staff mrivera --data /srv/facilitator" '
        f'{ED25519} facilitator:mrivera')


def test_the_authorized_keys_line_exactly():
    assert authorized_keys_line(ED25519, "mrivera", "/usr/local/bin/facilitator-ssh", "/srv/facilitator") == LINE


@pytest.mark.parametrize("user", ["Mrivera", "m rivera", 'm"x', "m\\x", "-rf", "1abc", "", "a" * 33,
                                  "m\nx", "mrívera", "m;id", "m,x", "m$x"])
def test_a_name_that_would_need_quoting_is_refused(user):
    with pytest.raises(InputError):
        authorized_keys_line(ED25519, user, "/usr/bin/facilitator-ssh", "/srv/facilitator")
    with pytest.raises(InputError):
        check_key_name(user)


@pytest.mark.parametrize("user", ["mrivera", "_svc", "a.b-c_9", "a" * 32])
def test_staff_names_that_may_have_keys(user):
    assert check_key_name(user) == user


@pytest.mark.parametrize("path", ["relative/facilitator-ssh", "/usr/bin/facilitator ssh", '/usr/bin/x"y',
                                  "/usr/bin/x\\y", "/usr/bin/x\ty", "/usr/bin/x\ny", "/opt/\u202efoo", ""])
def test_entry_and_data_that_would_need_quoting_are_refused(path):
    with pytest.raises(InputError):
        authorized_keys_line(ED25519, "mrivera", path, "/srv/facilitator")
    with pytest.raises(InputError):
        authorized_keys_line(ED25519, "mrivera", "/usr/bin/facilitator-ssh", path)


def test_only_a_stored_key_goes_into_the_line():
    for key in (f"{ED25519} comment", f'command="sh" {ED25519}', RSA1024, "ssh-ed25519 AAAA"):
        with pytest.raises(InputError):
            authorized_keys_line(key, "mrivera", "/usr/bin/facilitator-ssh", "/srv/facilitator")


def test_authorized_keys_lines_lose_their_options_and_refused_ones_say_why():
    from facilitator.core.sshkeys import authorized_keys_entries, without_options
    text = (f"# my keys\n\n{ED25519} plain@laptop\n"
            f'command="echo a b",no-pty {RSA2048} with@options\n'
            f'from="10.0.0.*" {DSA} old@dsa\n'
            f"restrict {RSA1024}\n"
            f'environment="X=1 2" {ED25519} {ECDSA256}\n'
            "garbage line\n")
    found = authorized_keys_entries(text)
    assert [n for n, _ in found] == [3, 4, 5, 6, 7, 8]
    assert found[0][1] == ED25519 and found[1][1] == RSA2048
    assert [type(k).__name__ for _, k in found[2:]] == ["InputError"] * 4
    assert "ssh-dss" in str(found[2][1]) and "1024 bits" in str(found[3][1])
    assert "several keys" in str(found[4][1])
    assert without_options(f'command="a \\" b" {ED25519} c') == f"{ED25519} c"
