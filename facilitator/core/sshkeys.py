"""Staff members' SSH public keys (issue #21): one key line read strictly, and the
``authorized_keys`` line that binds a key to the forced command of one staff member.

Pure: no I/O. A key is stored normalised as ``"<type> <base64>"`` (no options, no comment).
Errors are ``InputError`` sentences that never repeat the key or its comment.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
import unicodedata

from facilitator.core.errors import InputError

# The key types a staff member may use (FIDO hardware keys included: multi-factor for free).
ACCEPTED_TYPES = ("ssh-ed25519", "sk-ssh-ed25519@openssh.com", "ecdsa-sha2-nistp256",
                  "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
                  "sk-ecdsa-sha2-nistp256@openssh.com", "ssh-rsa")
# Types OpenSSH knows that are refused by name (DSA is broken; certificates are not keys).
REFUSED_TYPES = ("ssh-dss", "ssh-rsa-cert-v01@openssh.com", "ssh-ed25519-cert-v01@openssh.com",
                 "ssh-dss-cert-v01@openssh.com", "ecdsa-sha2-nistp256-cert-v01@openssh.com",
                 "ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp521-cert-v01@openssh.com",
                 "sk-ssh-ed25519-cert-v01@openssh.com", "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
                 "ssh-xmss@openssh.com")
MIN_RSA_BITS = 2048
MAX_RSA_BITS = 16384
MAX_LINE = 8192          # a 16384-bit RSA key line is about 2,800 characters

# A staff name that may be written into an authorized_keys line (an OS-account-like name).
STAFF_KEY_NAME = re.compile(r"[a-z_][a-z0-9_.-]{0,31}")

_CURVES = {"ecdsa-sha2-nistp256": ("nistp256", 65), "ecdsa-sha2-nistp384": ("nistp384", 97),
           "ecdsa-sha2-nistp521": ("nistp521", 133),
           "sk-ecdsa-sha2-nistp256@openssh.com": ("nistp256", 65)}


def _is_control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") and char not in " \t"


class _Blob:
    """Reads the SSH wire format (RFC 4251): length-prefixed strings and mpints."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.at = 0

    def string(self) -> bytes:
        if self.at + 4 > len(self.raw):
            raise InputError("is not a public key (its data is cut short)", field="key")
        (length,) = struct.unpack(">I", self.raw[self.at:self.at + 4])
        start = self.at + 4
        if start + length > len(self.raw):
            raise InputError("is not a public key (its data is cut short)", field="key")
        self.at = start + length
        return self.raw[start:self.at]

    def mpint(self) -> int:
        value = self.string()
        if value and value[0] & 0x80:
            raise InputError("is not a public key (a negative number in an RSA key)", field="key")
        return int.from_bytes(value, "big")

    def end(self) -> None:
        if self.at != len(self.raw):
            raise InputError("is not a public key (extra data after the key)", field="key")


def _one_line(text: str) -> str:
    if not isinstance(text, str):
        raise InputError("is not a public key (not text)", field="key")
    line = text.removesuffix("\n").removesuffix("\r")
    if len(line) > MAX_LINE:
        raise InputError(f"is longer than {MAX_LINE} characters; a public key is one line", field="key")
    if "\n" in line or "\r" in line:
        raise InputError("holds several lines; give one key, one line", field="key")
    if any(_is_control(c) for c in line):
        raise InputError("holds a control character; a public key is plain text", field="key")
    return line.strip(" \t")


def _declared_type(words: list[str]) -> str:
    """The key's type, the line's first word; a line that starts otherwise is refused."""
    if not words:
        raise InputError("is empty; give a public key line (e.g. the contents of id_ed25519.pub)",
                         field="key")
    first = words[0]
    if first in ACCEPTED_TYPES:
        return first
    if first in REFUSED_TYPES:
        raise InputError(f"is a {first} key, which is not accepted (use ssh-ed25519, ecdsa or "
                         f"ssh-rsa of {MIN_RSA_BITS} bits or more)", field="key")
    if any(word in ACCEPTED_TYPES + REFUSED_TYPES for word in words[1:]):
        raise InputError("has options before the key type; give the key alone, as ssh-keygen "
                         "writes it (facilitator sets the options itself)", field="key")
    raise InputError("is not a public key (it should start with a key type such as ssh-ed25519)",
                     field="key")


def _decoded(blob: str) -> bytes:
    try:
        raw = base64.b64decode(blob.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise InputError("is not a public key (its data is not base64)", field="key") from None
    if base64.b64encode(raw).decode("ascii") != blob:
        raise InputError("is not a public key (its data is not base64)", field="key")
    return raw


def _check_rsa(blob: _Blob) -> None:
    exponent, modulus = blob.mpint(), blob.mpint()
    bits = modulus.bit_length()
    if exponent < 3 or exponent % 2 == 0:
        raise InputError("is not a public key (an RSA key with a bad exponent)", field="key")
    if bits < MIN_RSA_BITS:
        raise InputError(f"is an RSA key of {bits} bits; at least {MIN_RSA_BITS} are needed", field="key")
    if bits > MAX_RSA_BITS:
        raise InputError(f"is an RSA key of {bits} bits; at most {MAX_RSA_BITS} are accepted", field="key")


def _check_ed25519(blob: _Blob, sk: bool) -> None:
    if len(blob.string()) != 32:
        raise InputError("is not a public key (an ed25519 key is 32 bytes)", field="key")
    if sk:
        _check_application(blob)


def _check_ecdsa(blob: _Blob, key_type: str) -> None:
    curve, point_length = _CURVES[key_type]
    if blob.string() != curve.encode():
        raise InputError("is not a public key (its curve is not the one its type names)", field="key")
    point = blob.string()
    if len(point) != point_length or point[0] != 4:
        raise InputError("is not a public key (its curve point is malformed)", field="key")
    if key_type.startswith("sk-"):
        _check_application(blob)


def _check_application(blob: _Blob) -> None:
    application = blob.string()
    if not application or len(application) > 256:
        raise InputError("is not a public key (a hardware key without its application)", field="key")


def _check_blob(key_type: str, raw: bytes) -> None:
    blob = _Blob(raw)
    if blob.string() != key_type.encode():
        raise InputError("is not a public key (the type inside its data differs from the type "
                         "written before it)", field="key")
    if key_type == "ssh-rsa":
        _check_rsa(blob)
    elif key_type in ("ssh-ed25519", "sk-ssh-ed25519@openssh.com"):
        _check_ed25519(blob, sk=key_type.startswith("sk-"))
    else:
        _check_ecdsa(blob, key_type)
    blob.end()


def parse_public_key(text: str) -> str:
    """One public key line, as ``ssh-keygen`` writes it (``TYPE BASE64 [COMMENT]``), as the
    stored ``"TYPE BASE64"``; the comment is dropped. Refused (``InputError``, field "key"):
    options before the type, several keys or lines, control characters, bad base64, data
    whose own type differs from the declared one, a type not in ``ACCEPTED_TYPES``, an RSA
    key under ``MIN_RSA_BITS``."""
    words = _one_line(text).split()
    key_type = _declared_type(words)
    if len(words) < 2:
        raise InputError("is not a public key (the key data after its type is missing)", field="key")
    if any(word in ACCEPTED_TYPES + REFUSED_TYPES for word in words[2:]):
        raise InputError("holds several keys; give one key, one line", field="key")
    _check_blob(key_type, _decoded(words[1]))
    return f"{key_type} {words[1]}"


def fingerprint(key: str) -> str:
    """``SHA256:...`` as ``ssh-keygen -l`` shows it, of a key as ``parse_public_key`` gives it."""
    raw = base64.b64decode(key.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(raw).digest()).decode("ascii").rstrip("=")


def key_type(key: str) -> str:
    return key.split()[0]


def check_key_name(user: str, *, field: str = "USER") -> str:
    """A staff name that may have keys: it is written into the authorized_keys line."""
    if not isinstance(user, str) or not STAFF_KEY_NAME.fullmatch(user):
        raise InputError(f"{user[:40]!r} cannot have an SSH key: a staff name with a key is 1-32 "
                         f"lower-case letters, digits, '_', '.' or '-', starting with a letter or '_'",
                         field=field)
    return user


def check_path(path: str, field: str) -> str:
    if not isinstance(path, str) or not path.startswith("/"):
        raise InputError("must be an absolute path", field=field)
    if any(c in '"\\' or c.isspace() or _is_control(c) for c in path):
        raise InputError("may not hold quotes, backslashes, spaces or control characters", field=field)
    return path


def authorized_keys_line(key: str, user: str, entry: str, data: str) -> str:
    """The service account's ``authorized_keys`` line binding ``key`` to ``user``:
    ``restrict,pty,command="<entry> --staff <user> --data <data>" <key> facilitator:<user>``.
    Nothing is quoted: a value that would need quoting is refused."""
    if not isinstance(key, str) or parse_public_key(key) != key:
        raise InputError("is not a stored public key (TYPE BASE64)", field="key")
    check_key_name(user)
    check_path(entry, "ssh_entry")
    check_path(data, "data")
    return f'restrict,pty,command="{entry} --staff {user} --data {data}" {key} facilitator:{user}'


def _first_field(line: str) -> str:
    """The line up to its first space or tab outside double quotes (an options field may
    quote spaces: ``command="a b"``)."""
    quoted, escaped = False, False
    for at, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char in " \t" and not quoted:
            return line[:at]
    return line


def without_options(line: str) -> str:
    """An ``authorized_keys`` line with its options field (if any) dropped."""
    text = line.strip(" \t")
    first = _first_field(text)
    if first in ACCEPTED_TYPES + REFUSED_TYPES:
        return text
    return text[len(first):].lstrip(" \t")


def authorized_keys_entries(text: str) -> list[tuple[int, str | InputError]]:
    """Each key line of an ``authorized_keys`` file (blank lines and ``#`` comments skipped),
    by line number: the key as ``parse_public_key`` gives it, options dropped, or why it is
    refused. For ``host adopt``, which takes staff members' keys from their OS accounts."""
    found: list[tuple[int, str | InputError]] = []
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip(" \t\r")
        if not stripped or stripped.startswith("#"):
            continue
        try:
            found.append((number, parse_public_key(without_options(stripped))))
        except InputError as err:
            found.append((number, err))
    return found
