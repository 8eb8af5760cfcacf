"""Use cases own their writes: the domain works through repositories, never a database session,
and handlers leave audit events and state changes to the domain."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

from bot.domain.use_case import UseCase
from storage.uow import Storage
from tests.support.use_cases import services_for

ROOT = Path(__file__).resolve().parents[2]


def attributes_named(package: str, name: str) -> list[str]:
    """Every ``<anything>.<name>`` in the package's source, as "path:line"."""
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == name:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


async def test_a_use_case_reaches_the_services_through_one_object(storage: Storage) -> None:
    services = services_for(storage.keyring, admin_ids=[7], relay_officer_name=True)
    moment = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    async with storage.transaction() as uow:
        case = UseCase(services, uow, moment, source_update_id=42)
        assert (case.uow, case.now, case.source_update_id) == (uow, moment, 42)
    assert case.keyring is services.keyring and case.directory is services.directory
    assert case.settings.relay_officer_name and case.admin_ids == frozenset({7})
    assert case.clocks is services.tip_clocks
    assert case.language == services.default_language == "vi"


def test_the_domain_never_touches_a_database_session() -> None:
    assert attributes_named("bot/domain", "session") == []
    assert attributes_named("bot/domain", "_session") == []


# Repository calls that change state. A handler's own conversation state (``dialogs``) is the
# one thing it keeps itself; everything else goes through a domain use case.
WRITES = (
    "record",
    "add",
    "set_",
    "subscribe",
    "remove",
    "move_",
    "choose",
    "transition",
    "redeem",
    "cover",
    "start_",
    "end_",
    "escalate",
    "mark_",
    "drop_",
)
WRITE_NAMES = frozenset({"open"})  # tip_threads.open; open_of, open_shift… only read


def repository_writes(package: Path) -> list[str]:
    """Every ``….uow.<repository>.<write>(…)`` in the package, but the dialogs'."""
    found = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            repository = node.func.value
            if not (
                isinstance(repository, ast.Attribute)
                and isinstance(repository.value, ast.Attribute | ast.Name)
                and getattr(repository.value, "attr", getattr(repository.value, "id", "")) == "uow"
            ):
                continue
            method = node.func.attr
            writes = method.startswith(WRITES) or method in WRITE_NAMES
            if repository.attr != "dialogs" and writes:
                where = f"{path.relative_to(package.parent)}:{node.lineno}"
                found.append(f"{where} {repository.attr}.{method}")
    return found


def test_handlers_leave_audit_events_and_state_changes_to_the_domain() -> None:
    assert repository_writes(ROOT / "handlers") == []


def test_the_scan_sees_a_handler_writing_history(tmp_path: Path) -> None:
    package = tmp_path / "handlers"
    package.mkdir()
    (package / "h.py").write_text(
        "async def h(context):\n"
        "    await context.uow.tips.record(1, 'answered', 'tipster', None)\n"
        "    await context.uow.dialogs.end('lane')\n"
    )
    assert repository_writes(package) == ["handlers/h.py:2 tips.record"]
