"""Pseudonyms and encryption at rest, both keyed by ``TINBAO_SECRET_KEY``.

A tipster's Telegram id must never sit in the database in clear. Rows that only need to
recognise a person again (drafts, flood control, per-chat ordering) hold a *pseudonym*: a keyed
hash that cannot be reversed or recomputed without the secret. Rows that must reach the person
again (replies, receipts) hold the chat id *encrypted* with AES-GCM. Separate keys are derived
for each purpose with HKDF, so one leaked derived key does not unlock the others.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12


class DecryptionError(Exception):
    """Ciphertext was altered, or was written under another SECRET_KEY."""


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"tinbao/v1", info=purpose).derive(
        secret
    )


class Keyring:
    """Holds the derived keys; create one per process from the settings' secret."""

    def __init__(self, secret: bytes) -> None:
        self._pseudonym_key = _derive(secret, b"pseudonym")
        self._audit_key = _derive(secret, b"audit")
        self._link_key = _derive(secret, b"deep-link")
        self._aead = AESGCM(_derive(secret, b"encryption"))

    def pseudonym(self, kind: str, value: int | str) -> str:
        """A stable, irreversible name for ``value`` within ``kind`` (e.g. "user", "chat")."""
        message = f"{kind}:{value}".encode()
        return hmac.new(self._pseudonym_key, message, hashlib.sha256).hexdigest()[:32]

    def chain_link(self, previous: str, entry: bytes) -> str:
        """The audit log's next link: a keyed hash of the previous link and this entry, so an
        edited, inserted or deleted entry breaks every link after it, and nobody without the
        secret can forge a consistent chain."""
        return hmac.new(
            self._audit_key, previous.encode() + b"|" + entry, hashlib.sha256
        ).hexdigest()

    def link_tag(self, message: bytes) -> bytes:
        """The full keyed tag of a deep link's payload (callers truncate it): without the
        secret nobody can mint a payload, e.g. one for a checkpoint they never stood at."""
        return hmac.new(self._link_key, message, hashlib.sha256).digest()

    def encrypt(self, plaintext: bytes, context: bytes = b"") -> bytes:
        """Seal ``plaintext``; ``context`` binds it to its row kind so blobs cannot be swapped."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, context)

    def decrypt(self, sealed: bytes, context: bytes = b"") -> bytes:
        try:
            return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context)
        except (InvalidTag, ValueError) as exc:
            raise DecryptionError("cannot decrypt: altered data or a different SECRET_KEY") from exc

    def seal_json(self, value: Any, context: bytes = b"") -> bytes:
        return self.encrypt(json.dumps(value, separators=(",", ":")).encode(), context)

    def open_json(self, sealed: bytes, context: bytes = b"") -> Any:
        return json.loads(self.decrypt(sealed, context))
