"""Misconfiguration stops start-up with one clear line that names the setting."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.init_env import ensure_secret
from bot.core.settings import ConfigError, load_settings

SECRET = "s" * 40


def tinbao(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TINBAO_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.e2e  # runs tinbao in a process of its own
def test_run_without_a_token_says_which_setting_is_missing(tmp_path: Path) -> None:
    result = tinbao("run", cwd=tmp_path, TINBAO_SECRET_KEY=SECRET)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "TINBAO_BOT_TOKEN" in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.e2e  # runs tinbao in a process of its own
def test_a_bad_database_url_gives_one_line_naming_it(tmp_path: Path) -> None:
    result = tinbao(
        "run", cwd=tmp_path, TINBAO_BOT_TOKEN="123:abc", TINBAO_DATABASE_URL="mysql://db/tinbao"
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("tinbao: error: TINBAO_DATABASE_URL is invalid")


@pytest.mark.e2e  # runs tinbao in a process of its own
def test_an_unmigrated_database_names_the_upgrade_command(tmp_path: Path) -> None:
    result = tinbao(
        "run",
        cwd=tmp_path,
        TINBAO_BOT_TOKEN="123:abc",
        TINBAO_SECRET_KEY=SECRET,
        TINBAO_TELEGRAM_API_URL="http://127.0.0.1:9",
    )
    assert result.returncode == 2
    assert "tinbao db upgrade" in result.stderr
    assert "Traceback" not in result.stderr


def test_settings_are_read_from_the_env_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in [k for k in os.environ if k.startswith("TINBAO_")]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"TINBAO_ADMIN_IDS=5, 6\nTINBAO_SECRET_KEY={SECRET}\n")
    settings = load_settings()
    assert settings.admin_ids == [5, 6]
    assert settings.language == "vi"


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ConfigError, match="TINBAO_SECRET_KEY"):
        load_settings(secret_key="short")


def test_init_writes_a_secret_once_and_keeps_other_settings(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("TINBAO_LANGUAGE=en\n")
    assert ensure_secret(env)
    first = env.read_text()
    assert "TINBAO_LANGUAGE=en" in first and "TINBAO_SECRET_KEY=" in first
    assert not ensure_secret(env)
    assert env.read_text() == first


@pytest.mark.e2e  # runs tinbao in a process of its own
def test_db_upgrade_then_current_reports_the_head(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    assert tinbao("db", "upgrade", cwd=tmp_path, TINBAO_DATABASE_URL=url).returncode == 0
    current = tinbao("db", "current", cwd=tmp_path, TINBAO_DATABASE_URL=url)
    assert current.returncode == 0, current.stderr


@pytest.mark.e2e  # runs tinbao in a process of its own
def test_an_unreachable_bot_api_gives_one_line_naming_the_url(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    assert tinbao("db", "upgrade", cwd=tmp_path, TINBAO_DATABASE_URL=url).returncode == 0
    result = tinbao(
        "run",
        cwd=tmp_path,
        TINBAO_BOT_TOKEN="123:abc",
        TINBAO_SECRET_KEY=SECRET,
        TINBAO_DATABASE_URL=url,
        TINBAO_TELEGRAM_API_URL="http://127.0.0.1:9",
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "TINBAO_TELEGRAM_API_URL=http://127.0.0.1:9" in lines[0]


def test_env_example_and_readme_document_every_setting() -> None:
    from bot.core.settings import Settings

    root = Path(__file__).resolve().parents[2]
    example = (root / ".env.example").read_text()
    readme = (root / "README.md").read_text()
    for name in Settings.model_fields:
        assert f"TINBAO_{name.upper()}=" in example, name
        assert f"`{name.upper()}`" in readme, name
