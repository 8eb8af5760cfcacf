"""``tinbao init``: make sure ``.env`` holds a random SECRET_KEY, keeping everything else."""

from __future__ import annotations

import secrets
from pathlib import Path

SECRET_LINE = "TINBAO_SECRET_KEY="


def ensure_secret(path: Path = Path(".env")) -> bool:
    """Add a fresh secret to ``path`` unless one is there; True when one was written.

    The secret keys pseudonyms and encryption: changing it later makes stored chat ids
    unreadable, so an existing one is never replaced.
    """
    lines = path.read_text("utf-8").splitlines() if path.exists() else []
    for line in lines:
        if line.startswith(SECRET_LINE) and line.removeprefix(SECRET_LINE).strip():
            return False
    lines = [line for line in lines if not line.startswith(SECRET_LINE)]
    lines.append(f"{SECRET_LINE}{secrets.token_urlsafe(48)}")
    path.write_text("\n".join(lines) + "\n", "utf-8")
    path.chmod(0o600)
    return True
