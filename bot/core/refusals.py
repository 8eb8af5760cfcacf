"""A refusal: a request that cannot be done, told to whoever asked in the catalog's words.

The domain raises ``Refusal("campaign.bad_cron", text=raw)``; whoever asked (a handler, the
CLI) says it in the asker's language: ``refusal.text(language)``, which is
``t(refusal.key, language, **refusal.values)``. A key and its values are all a refusal needs,
so every capability raises this one class.
"""

from __future__ import annotations

from bot.core.i18n import t


class Refusal(Exception):
    """``key`` names the catalog text that says why; ``values`` fill in its placeholders."""

    def __init__(self, key: str, /, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values

    def text(self, language: str) -> str:
        """What the asker reads, in ``language``."""
        return t(self.key, language, **self.values)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r}, **{self.values!r})"
