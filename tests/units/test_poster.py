"""tinbao poster: a printable A4 poster whose QR code, read back from the picture, opens the
bot for the commune's police; and a checkpoint's label. Refusals leave no file."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pypdf
import pytest
import zxingcpp
from PIL import Image

from bot.core.keyring import Keyring
from bot.domain.deep_links import DeepLink, LinkKind, parse_payload
from bot.domain.patrols.teams import add_checkpoint, add_team
from storage.uow import Storage
from tests.support.cli import operator_shell, tinbao
from tests.support.patrols import GATE
from tests.support.tips import link_commune
from tests.support.use_cases import use_case

USERNAME = "tinbao_test_bot"


@pytest.fixture
def operator(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    operator_shell(monkeypatch, tmp_path, database_url=database_url, bot_username=USERNAME)


def link_in(png: Path, keyring: Keyring) -> DeepLink | None:
    """The deep link a QR reader finds in the picture."""
    [code] = zxingcpp.read_barcodes(Image.open(png))
    url = urlparse(code.text)
    assert (url.scheme, url.netloc, url.path) == ("https", "t.me", f"/{USERNAME}")
    [payload] = parse_qs(url.query)["start"]
    return parse_payload(keyring, payload)


def text_of(pdf: Path) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf.read_bytes()))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    return " ".join(reader.pages[0].extract_text().split())


async def add_gate(storage: Storage) -> int:
    unit_id = await link_commune(storage, -1001)
    async with storage.transaction() as uow:
        case = use_case(uow, storage.keyring)
        team = await add_team(case, unit_id, "Tổ 1 Bến Thành", 30)
        assert team.id is not None
        point = await add_checkpoint(case, team.id, "Cổng chợ", *GATE, 50)
        assert point.id is not None
        return point.id


async def test_the_tip_poster_qr_code_opens_a_tip_to_the_commune(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    await link_commune(storage, -1001)
    code, out, err = await tinbao(capsys, "poster", "--commune", "26743", "-o", "bt.png")
    assert code == 0, err
    assert Image.open(tmp_path / "bt.png").format == "PNG"
    assert link_in(tmp_path / "bt.png", storage.keyring) == DeepLink(LinkKind.TIP, "26743")
    assert f"https://t.me/{USERNAME}?start=" in out and "bt.png" in out


async def test_the_pdf_poster_names_the_unit_promises_anonymity_and_gives_emergency_numbers(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    await link_commune(storage, -1001)
    code, _, err = await tinbao(capsys, "poster", "--commune", "26743", "-o", "bt.pdf")
    assert code == 0, err
    text = text_of(tmp_path / "bt.pdf")
    assert "Công an Phường Bến Thành" in text
    assert "Không ai biết bạn là ai" in text
    assert all(number in text for number in ("113 Công an", "114 Cứu hỏa", "115 Cấp cứu"))


async def test_a_commune_without_a_unit_gets_a_poster_of_its_police(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = await tinbao(capsys, "poster", "--commune", "26740", "-o", "x.pdf")
    assert code == 0, err
    assert "Công an Phường Sài Gòn" in text_of(tmp_path / "x.pdf")


async def test_the_subscribe_poster_opens_the_subscription(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = await tinbao(
        capsys, "poster", "--commune", "26743", "--kind", "subscribe", "-o", "sub.png"
    )
    assert code == 0, err
    assert link_in(tmp_path / "sub.png", storage.keyring) == DeepLink(LinkKind.SUBSCRIBE, "26743")


async def test_a_checkpoints_label_names_team_and_checkpoint_and_opens_its_check_in(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    point = await add_gate(storage)
    assert (await tinbao(capsys, "poster", "--checkpoint", str(point), "-o", "cp.png"))[0] == 0
    assert (await tinbao(capsys, "poster", "--checkpoint", str(point), "-o", "cp.pdf"))[0] == 0
    assert link_in(tmp_path / "cp.png", storage.keyring) == DeepLink(
        LinkKind.CHECKPOINT, str(point)
    )
    text = text_of(tmp_path / "cp.pdf")
    assert "Tổ 1 Bến Thành" in text and "ĐIỂM KIỂM TRA: Cổng chợ" in text


def output_name(args: tuple[str, ...], output: tuple[str, ...]) -> str:
    every = (*args, *output)
    return every[every.index("-o") + 1]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--commune", "99999"), "Không có xã, phường nào mã 99999"),
        (("--checkpoint", "42"), "Không có điểm kiểm tra số 42"),
        (("--commune", "26743", "-o", "poster.svg"), "phải có đuôi .pdf hoặc .png"),
        (("--checkpoint", "1", "--kind", "tip"), "--kind chỉ dùng cùng --commune"),
    ],
)
async def test_a_refused_poster_says_why_and_writes_no_file(
    storage: Storage,
    operator: None,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: tuple[str, ...],
    says: str,
) -> None:
    output = () if "-o" in args else ("-o", "poster.pdf")
    code, _, err = await tinbao(capsys, "poster", *args, *output)
    assert code == 1 and says in err and "Traceback" not in err
    assert not (tmp_path / output_name(args, output)).exists()


async def test_without_the_bot_username_the_poster_is_refused_naming_the_setting(
    storage: Storage,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    operator_shell(monkeypatch, tmp_path, database_url=database_url)
    code, _, err = await tinbao(capsys, "poster", "--commune", "26743", "-o", "p.pdf")
    assert code == 1 and "TINBAO_BOT_USERNAME" in err
    assert not (tmp_path / "p.pdf").exists()
