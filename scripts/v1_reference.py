#!/usr/bin/env python3
"""An independent v1 decoder, written from docs/FORMAT.md with Python's `cryptography`.

Usage: v1_reference.py KEYFILE ENCRYPTED_FILE   -> the plaintext bytes on stdout.
       v1_reference.py --identity IDENTITY ENCRYPTED_FILE
                       (IDENTITY: an age identity file or an unencrypted OpenSSH private
                       key; the data key comes from the age or ssh slot whose kid is the
                       identity's, opened by the `age` command: docs/FORMAT.md, "Key
                       slots: age and SSH")
Exit 1 with a one-line reason on any failure. It exists to show the spec is complete:
the test suite runs it on fixtures/vectors/v1 and on envseal's own output.
"""
import base64
import hashlib
import hmac
import re
import struct
import subprocess
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def b64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def hkdf(ikm, info):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"envseal v1", info=info).derive(ikm)


def key_id(key):
    return "sha256:" + hashlib.sha256(b"envseal key id v1\0" + key).hexdigest()[:16]


def split_lines(text):
    return re.findall(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$", text)


def is_ws(c):
    return c.isspace() and c not in "\r\n"


def prefix_key(prefix):
    s = prefix.lstrip("".join(c for c in prefix if is_ws(c)) or " ")
    m = re.match(r"export[^\S\r\n]+(?=[^=#\s])", s)
    if m:
        s = s[m.end():]
    if s.startswith("'"):
        end = s.find("'", 1)
        if end > 1:
            return s[: end + 1]
    m = re.match(r"[^=#\s]+", s)
    if not m:
        raise ValueError("malformed assignment")
    return m.group(0)


def before_conversion(data):
    """The readings of a file before git converted its line endings (FORMAT.md, "Line
    endings"): every CRLF back to LF, and that with the body's LF as CRLF."""
    lf = data.replace(b"\r\n", b"\n")
    end = 0
    for line in lf.splitlines(keepends=True):
        if not line.startswith(b"#envseal:"):
            break
        end += len(line)
    crlf = lf[:end] + lf[end:].replace(b"\n", b"\r\n")
    return [r for i, r in enumerate([lf, crlf]) if r != data and r not in [lf, crlf][:i]]


def identity_kids(identity_path):
    """The kids an identity file opens: its age recipients (`age-keygen -y`) or its SSH
    key's fingerprint (`ssh-keygen -l`, SHA256:...)."""
    with open(identity_path, "rb") as f:
        first = f.read(64)
    if first.lstrip().startswith(b"-----BEGIN"):
        out = subprocess.run(["ssh-keygen", "-l", "-E", "sha256", "-f", identity_path],
                             capture_output=True, check=True).stdout.decode()
        return "ssh", {out.split()[1]}
    out = subprocess.run(["age-keygen", "-y", identity_path], capture_output=True, check=True).stdout
    return "age", set(out.decode().split())


def age_opener(identity_path):
    """Open the age or ssh slot named by the identity's kid with `age -d -i`."""
    kind, kids = identity_kids(identity_path)

    def open_slots(slots):
        for slot in slots:
            fields = dict(f.split("=", 1) for f in slot.rstrip("\n").split(" ")[1:])
            if fields["type"] == kind and fields["kid"] in kids:
                wrapped = b64(fields["wrap"])
                out = subprocess.run(["age", "-d", "-i", identity_path], input=wrapped, capture_output=True)
                assert out.returncode == 0, "the slot does not open with its identity"
                assert len(out.stdout) == 32, "the slot does not hold a 32-byte data key"
                return out.stdout
        return None

    return open_slots


def master_opener(key_text):
    key = b64(key_text.strip().replace("+", "-").replace("/", "_").rstrip("="))
    assert len(key) == 32, "bad key"
    kid = key_id(key)

    def open_slots(slots):
        for slot in slots:
            sm = re.fullmatch(r"#envseal:key type=master kid=(\S+) created=(\S+) wrap=([A-Za-z0-9_-]+)\n", slot)
            if sm and sm.group(1) == kid:
                raw = b64(sm.group(3))
                aad = b"envseal v1 wrap\0" + sm.group(1).encode() + b"\0" + sm.group(2).encode()
                return AESGCM(hkdf(key, b"wrap")).decrypt(raw[:12], raw[12:], aad)
        return None

    return open_slots


def decrypt(opener, data):
    if isinstance(opener, str):
        opener = master_opener(opener)
    try:
        return decrypt_exact(opener, data)
    except AssertionError as first:
        if str(first) == "wrong key":
            raise
        for reading in before_conversion(data):
            try:
                return decrypt_exact(opener, reading)
            except AssertionError:
                pass
        raise first


def decrypt_exact(opener, data):
    text = data.decode("utf-8")
    lines = split_lines(text)
    m = re.fullmatch(r"#envseal:v1 bom=([01])\n", lines[0])
    assert m, "bad magic line"
    bom = m.group(1) == "1"
    i, slots = 1, []
    while i < len(lines) and lines[i].startswith("#envseal:key "):
        slots.append(lines[i])
        i += 1
    m = re.fullmatch(r"#envseal:mac hmac-sha256=([A-Za-z0-9_-]+)\n", lines[i])
    assert m, "bad mac line"
    mac, mac_index = b64(m.group(1)), i
    dk = opener(slots)
    assert dk is not None, "wrong key"
    covered = lines[:mac_index] + lines[mac_index + 1:]
    msg = b"envseal v1 mac\0" + struct.pack(">Q", len(covered))
    for line in covered:
        b = line.encode("utf-8")
        msg += struct.pack(">Q", len(b)) + b
    assert hmac.compare_digest(hmac.new(hkdf(dk, b"mac"), msg, hashlib.sha256).digest(), mac), "MAC mismatch"
    gcm = AESGCM(hkdf(dk, b"value"))

    def open_token(token, aad):
        m = re.fullmatch(r"ENC\[v1:([A-Za-z0-9_-]+)\]", token)
        raw = b64(m.group(1))
        return gcm.decrypt(raw[:12], raw[12:], aad).decode("utf-8")

    out = "\ufeff" if bom else ""
    for line in lines[mac_index + 1:]:
        content = line.rstrip("\r\n")
        eol = line[len(content):]
        stripped = content.lstrip("".join(c for c in content if is_ws(c)) or " ")
        if content.startswith("#ENC[v1:"):
            out += open_token(content[1:], b"envseal v1 line")
        elif stripped == "" or stripped.startswith("#"):
            out += content
        else:
            at = content.rindex("ENC[v1:")
            prefix = content[:at]
            out += prefix + open_token(content[at:], b"envseal v1 value\0" + prefix_key(prefix).encode("utf-8"))
        out += eol
    return out.encode("utf-8")


if __name__ == "__main__":
    try:
        if sys.argv[1] == "--identity":
            opener = age_opener(sys.argv[2])
            encrypted = sys.argv[3]
        else:
            with open(sys.argv[1]) as f:
                opener = master_opener(f.read())
            encrypted = sys.argv[2]
        with open(encrypted, "rb") as f:
            data = f.read()
        sys.stdout.buffer.write(decrypt(opener, data))
    except Exception as e:  # one line, never the data
        print(f"v1_reference: {type(e).__name__}: {str(e)[:80]}", file=sys.stderr)
        sys.exit(1)
