"""Every bad input on the command line gets one clear line on stderr and a non-zero exit,
never a traceback."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli.main import main
from tests.support.cli import tinbao_process
from tests.support.sandbox_process import free_port
from tests.support.service import SECRET

UNREACHABLE_POSTGRES = "postgresql+asyncpg://x@127.0.0.1:1/x"


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An operator's shell in an empty folder, with only the secret key set."""
    for name in list(os.environ):
        if name.startswith("TINBAO_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TINBAO_SECRET_KEY", SECRET)
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture
def operator(shell: None, database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The shell on a migrated database holding unit 1 (Phường Bến Thành) and patrol team 1."""
    monkeypatch.setenv("TINBAO_DATABASE_URL", database_url)
    assert main(["unit", "add", "--commune", "26743", "--chat", "-100123"]) == 0
    assert main(["patrol", "team", "add", "--unit", "1", "--name", "Tổ 1"]) == 0
    return database_url


def refusal(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run ``tinbao argv`` in this process; the one line it printed on stderr."""
    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as exit:
        code = exit.code
    err = capsys.readouterr().err
    assert code not in (0, None), err
    return one_line(err)


def one_line(err: str) -> str:
    assert "Traceback" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_talk_without_a_running_sandbox_says_where_it_looked(
    shell: None, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    line = refusal(capsys, "talk", "/start", "--url", url)
    assert url in line and "tinbao sandbox" in line


@pytest.mark.e2e  # runs tinbao in a process of its own
def test_the_sandbox_on_a_port_in_use_asks_for_another_port(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = tinbao_process(tmp_path, "sandbox", "--port", str(port))
    assert result.returncode != 0
    line = one_line(result.stderr)
    assert str(port) in line and "--port" in line


def test_an_unknown_library_message_is_named(
    operator: str, capsys: pytest.CaptureFixture[str]
) -> None:
    line = refusal(capsys, "campaign", "create", "--library", "nosuch")
    assert line == "tinbao: Không có bài «nosuch» trong thư viện."


def test_a_cron_that_cannot_fire_is_refused(
    operator: str, capsys: pytest.CaptureFixture[str]
) -> None:
    line = refusal(capsys, "campaign", "create", "--library", "drugs", "--cron", "0 25 * * *")
    assert "0 25 * * *" in line and "cron" in line


def test_a_missing_text_file_is_named(operator: str, capsys: pytest.CaptureFixture[str]) -> None:
    line = refusal(capsys, "campaign", "create", "--text-file", "khong-co.html")
    assert "khong-co.html" in line


@pytest.mark.parametrize(
    "argv",
    [["unit", "list"], ["campaign", "list"], ["patrol", "team", "list"], ["db", "upgrade"]],
    ids=" ".join,
)
def test_an_unreachable_database_is_reported(
    shell: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    monkeypatch.setenv("TINBAO_DATABASE_URL", UNREACHABLE_POSTGRES)
    line = refusal(capsys, *argv)
    assert "TINBAO_DATABASE_URL" in line and "127.0.0.1" in line


@pytest.mark.parametrize("hours", ["nan", "1e9", "0", "-5", "inf", "two"])
@pytest.mark.parametrize(
    "command",
    [["officer", "invite", "--unit", "1"], ["patrol", "invite", "--team", "1"]],
    ids=" ".join,
)
def test_an_invite_lifetime_must_be_a_sensible_number_of_hours(
    operator: str, capsys: pytest.CaptureFixture[str], command: list[str], hours: str
) -> None:
    line = refusal(capsys, *command, "--hours", hours)
    assert line.startswith("tinbao: --hours:") and f"«{hours}»" in line


@pytest.mark.parametrize(
    ("lat", "lon"), [("95", "200"), ("95", "106"), ("10.77", "200"), ("nan", "106"), ("10", "inf")]
)
def test_a_point_off_the_globe_is_refused(
    shell: None, capsys: pytest.CaptureFixture[str], lat: str, lon: str
) -> None:
    line = refusal(capsys, "communes", "near", lat, lon)
    assert "vĩ độ" in line or "kinh độ" in line


def test_a_search_that_matches_nothing_says_so(
    shell: None, capsys: pytest.CaptureFixture[str]
) -> None:
    line = refusal(capsys, "communes", "search", "zzzzqqq")
    assert line == "tinbao: Không có xã, phường, đặc khu nào khớp với «zzzzqqq»."


def test_a_zero_check_in_interval_is_refused_not_replaced_by_the_default(
    operator: str, capsys: pytest.CaptureFixture[str]
) -> None:
    line = refusal(
        capsys, "patrol", "team", "add", "--unit", "1", "--name", "Tổ 2", "--interval", "0"
    )
    assert "phút" in line


def test_a_zero_checkpoint_radius_is_refused_not_replaced_by_the_default(
    operator: str, capsys: pytest.CaptureFixture[str]
) -> None:
    line = refusal(
        capsys, "patrol", "checkpoint", "add", "--team", "1", "--name", "Chợ",
        "--lat", "10.77", "--lon", "106.69", "--radius", "0",
    )  # fmt: skip
    assert "mét" in line
