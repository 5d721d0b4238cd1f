"""The archive's anchor outside the database: an Ed25519 key from a file or the environment.

* Every record appended while a key is configured carries a MAC: HMAC-SHA256 of its hash under a
  key derived from the private key. Someone who can write the database but has not the key can
  change a record and recompute every later hash (a consistent rewrite), but not the MACs, so
  ``archive_verify`` names the first record they changed.
* ``archive_checkpoint`` signs the chain's head (sequence, hash, time) with the private key; an
  operator keeps the printed checkpoint elsewhere. ``archive_verify --checkpoint FILE`` proves the
  current chain still has that head at that sequence (nothing rewritten, removed or rolled back
  behind it), with the public key of the configured key.

Settings: ``ARCHIVE_SIGNING_KEY`` (base64 of the 32-byte raw private key) or
``ARCHIVE_SIGNING_KEY_FILE`` (a file with that, or a PEM PKCS#8 private key). Without either, the
chain is still hash-linked but neither MACs nor checkpoints are available.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_MAC_INFO = b"epa.archive.record-mac.v1"


def _raw(text: str) -> bytes:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured("the archive signing key must be an Ed25519 key")
        return key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured("ARCHIVE_SIGNING_KEY is not base64") from None
    if len(raw) != 32:
        raise ImproperlyConfigured("ARCHIVE_SIGNING_KEY must be the 32 raw bytes of an Ed25519 key, in base64")
    return raw


def private_key_bytes() -> bytes | None:
    """The configured key's 32 raw bytes, or None when no key is configured."""
    value = getattr(settings, "ARCHIVE_SIGNING_KEY", "")
    path = getattr(settings, "ARCHIVE_SIGNING_KEY_FILE", "")
    if value:
        return _raw(value)
    if path:
        try:
            return _raw(Path(path).read_text(encoding="ascii"))
        except OSError as error:
            raise ImproperlyConfigured(f"cannot read ARCHIVE_SIGNING_KEY_FILE: {error}") from error
    return None


def key_generate() -> str:
    """A new key, as ``ARCHIVE_SIGNING_KEY`` takes it."""
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(raw).decode()


def record_mac(record_hash: str) -> str:
    """The MAC of one record's hash under the configured key ("" without a key)."""
    raw = private_key_bytes()
    if raw is None:
        return ""
    key = hmac.new(raw, _MAC_INFO, hashlib.sha256).digest()
    return hmac.new(key, record_hash.encode(), hashlib.sha256).hexdigest()


def public_key_b64() -> str:
    raw = private_key_bytes()
    if raw is None:
        raise ImproperlyConfigured("no archive signing key: set ARCHIVE_SIGNING_KEY or ARCHIVE_SIGNING_KEY_FILE")
    public = Ed25519PrivateKey.from_private_bytes(raw).public_key()
    return base64.b64encode(public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def _signed_bytes(seq: int, head: str, time: str) -> bytes:
    return json.dumps({"seq": seq, "hash": head, "time": time}, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    time: str
    public_key: str
    signature: str

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash, "time": self.time, "public_key": self.public_key,
                "signature": self.signature}  # fmt: skip


def checkpoint_sign(*, seq: int, head: str, time: str) -> Checkpoint:
    raw = private_key_bytes()
    if raw is None:
        raise ImproperlyConfigured("no archive signing key: set ARCHIVE_SIGNING_KEY or ARCHIVE_SIGNING_KEY_FILE")
    signature = Ed25519PrivateKey.from_private_bytes(raw).sign(_signed_bytes(seq, head, time))
    return Checkpoint(seq, head, time, public_key_b64(), base64.b64encode(signature).decode())


def checkpoint_read(text: str) -> Checkpoint:
    """A checkpoint as ``archive_checkpoint`` printed it; ValueError when it is not one."""
    try:
        data = json.loads(text)
        return Checkpoint(int(data["seq"]), str(data["hash"]), str(data["time"]), str(data["public_key"]),
                          str(data["signature"]))  # fmt: skip
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"not a checkpoint: {error}") from None


def checkpoint_signature_ok(checkpoint: Checkpoint, *, public_key: str) -> bool:
    """Whether ``public_key`` (the trusted key, not the file's own claim) signed the checkpoint."""
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key))
        key.verify(
            base64.b64decode(checkpoint.signature), _signed_bytes(checkpoint.seq, checkpoint.hash, checkpoint.time)
        )
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True
