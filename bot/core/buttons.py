"""Typed button data: one codec that both the writer and the reader of a button use.

Each kind of button is a frozen dataclass registered under a short prefix::

    @dataclass(frozen=True)
    class AskTipster(ButtonData, prefix="tip:ask"):
        tip_id: int

    AskTipster(42).pack()  # "tip:ask:42"
    unpack("tip:ask:42")  # AskTipster(tip_id=42)

On the wire a button is its prefix and then each field, all joined by ``:``. A field is an
``int`` (not negative, at most 18 digits, no leading zero), a ``str`` (a word of ASCII letters,
digits, ``_``, ``-`` and ``.``) or a ``StrEnum`` (one of its values); a field typed
``X | None = None`` may be left out at the end. The whole must fit Telegram's 64 bytes: ``pack``
raises when it does not.

A prefix may extend another one (``tip`` and ``tip:ask``): data belongs to the kind with the
longest registered prefix it starts with. ``unpack`` returns None for everything that is not
exactly what some kind packs — forged, malformed, unknown, over-long, of the wrong field types,
or from an older keyboard — and the handler answers that press with a short alert.

These are the formats the keyboards have always used, so the buttons of messages sent before
this codec existed still work. A later change of a kind's format makes such buttons stale:
they unpack to None and get the same answer as forged data.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Mapping
from dataclasses import fields
from enum import StrEnum
from typing import Any, ClassVar, Self, get_args, get_type_hints

SEPARATOR = ":"
LIMIT = 64  # bytes of UTF-8: Telegram's limit on callback_data
INT = re.compile(r"0|[1-9][0-9]{0,17}")  # fits a 64-bit column
WORD = re.compile(r"[A-Za-z0-9_.-]+")

_KINDS: dict[str, type[ButtonData]] = {}
KINDS: Mapping[str, type[ButtonData]] = types.MappingProxyType(_KINDS)
"""Every registered kind, by prefix."""


class ButtonData:
    """The base of every kind of button data (subclasses are frozen dataclasses)."""

    prefix: ClassVar[str]

    def __init_subclass__(cls, /, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not all(WORD.fullmatch(part) for part in prefix.split(SEPARATOR)):
            raise ValueError(f"button prefix {prefix!r} is not words joined by {SEPARATOR!r}")
        if prefix in _KINDS:
            raise ValueError(f"button prefix {prefix!r} is already {_KINDS[prefix].__name__}'s")
        cls.prefix = prefix
        _KINDS[prefix] = cls

    def pack(self) -> str:
        """The callback_data; raises ValueError for a value that cannot be written."""
        parts = [self.prefix]
        missing = None
        for name, kind, _optional in _fields_of(type(self)):
            value = getattr(self, name)
            if value is None:
                missing = name
                continue
            if missing is not None:
                raise ValueError(f"{name} is set but {missing}, before it, is not")
            parts.append(_encode(kind, value, name))
        data = SEPARATOR.join(parts)
        if len(data.encode()) > LIMIT:
            raise ValueError(f"button data over {LIMIT} bytes: {data!r}")
        return data

    @classmethod
    def unpack(cls, data: object) -> Self | None:
        """This kind's button from ``data``, or None for anything else."""
        button = unpack(data)
        return button if isinstance(button, cls) else None


def unpack(data: object) -> ButtonData | None:
    """The button ``data`` stands for, or None when it is not exactly what a kind packs."""
    if not isinstance(data, str) or len(data.encode()) > LIMIT:
        return None
    kind = claimed_kind(data)
    if kind is None:
        return None
    rest = data[len(kind.prefix) :]
    raw = rest.split(SEPARATOR)[1:] if rest else []
    spec = _fields_of(kind)
    required = sum(1 for _name, _kind, optional in spec if not optional)
    if not required <= len(raw) <= len(spec):
        return None
    values = {}
    for (name, field_kind, _optional), text in zip(spec, raw, strict=False):
        value = _decode(field_kind, text)
        if value is None:
            return None
        values[name] = value
    return kind(**values)


def claimed_kind(data: str) -> type[ButtonData] | None:
    """The kind whose prefix ``data`` carries (the longest), valid or not."""
    parts = data.split(SEPARATOR)
    for end in range(len(parts), 0, -1):
        if (kind := _KINDS.get(SEPARATOR.join(parts[:end]))) is not None:
            return kind
    return None


def claims(*kinds: type[ButtonData]) -> Callable[[object], bool]:
    """A callback query pattern for the handler of ``kinds``: their data, and data that no kind
    claims under their first words (``cmp:nosuch``), so that the handler answers forged and
    stale presses of its buttons in its own words."""
    namespaces = {kind.prefix.split(SEPARATOR)[0] for kind in kinds}

    def pattern(data: object) -> bool:
        if not isinstance(data, str):
            return False
        kind = claimed_kind(data)
        return kind in kinds if kind is not None else data.split(SEPARATOR)[0] in namespaces

    return pattern


_Spec = tuple[tuple[str, type, bool], ...]
_SPECS: dict[type[ButtonData], _Spec] = {}


def _fields_of(kind: type[ButtonData]) -> _Spec:
    """Each field's name, type and whether it may be left out (``X | None``)."""
    if kind in _SPECS:
        return _SPECS[kind]
    hints = get_type_hints(kind)
    spec = []
    for field in fields(kind):  # type: ignore[arg-type]  # every kind is a dataclass
        hint = hints[field.name]
        options = [arg for arg in get_args(hint) if arg is not type(None)]
        optional = type(None) in get_args(hint) and len(options) == 1
        field_type = options[0] if optional else hint
        if not (field_type in (int, str) or issubclass(field_type, StrEnum)):
            raise TypeError(f"{kind.__name__}.{field.name}: a button field is int, str or StrEnum")
        spec.append((field.name, field_type, optional))
    _SPECS[kind] = tuple(spec)
    return _SPECS[kind]


def _encode(kind: type, value: object, name: str) -> str:
    if isinstance(kind, type) and issubclass(kind, StrEnum) and isinstance(value, kind):
        text = value.value
    elif kind is int and type(value) is int:
        text = str(value)
    elif kind is str and isinstance(value, str):
        text = value
    else:
        raise ValueError(f"{name}={value!r} is not a {kind.__name__}")
    if _decode(kind, text) is None:
        raise ValueError(f"{name}={value!r} cannot be written in button data")
    return text


def _decode(kind: type, text: str) -> object | None:
    if kind is int:
        return int(text) if INT.fullmatch(text) else None
    if kind is str:
        return text if WORD.fullmatch(text) else None
    try:
        return kind(text)  # a StrEnum
    except ValueError:
        return None
