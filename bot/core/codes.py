"""Short codes people type or read aloud: tip references and officer invites.

The alphabet leaves out characters that are easily confused on a cheap phone screen or over
the phone (0/O, 1/I/L), and codes come from the operating system's CSPRNG, so they cannot be
guessed: 31^8 ≈ 8.5·10^11 possibilities.
"""

from __future__ import annotations

import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8


def new_code(length: int = LENGTH) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalize_code(text: str) -> str:
    """What a person typed, as a code: case, spaces and dashes do not matter."""
    return "".join(ch for ch in text.upper() if ch.isalnum())
