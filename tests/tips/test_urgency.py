"""Urgency officers can trust: whole words with their diacritics, and "happening now" for the
categories where minutes count — not a category alone, not a syllable inside another word."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest

from bot.domain.tips.urgency import is_urgent
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.people import resident
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE, linked_group, reach_description

# (category, the "when" answer, description, urgent?) — "now" is the button "Đang xảy ra",
# "today" is "Hôm nay", "earlier" stands for a typed time, None for a skipped step.
TIPS = [
    # drugs
    ("drugs", "today", "Có người bán ma túy ở hẻm 12, tối nào cũng có người lạ ra vào.", False),
    ("drugs", "now", "Nhóm thanh niên đang sử dụng ma túy trong quán karaoke Hoàng Gia.", False),
    ("drugs", None, "Phát hiện bơm kim tiêm vứt ở bãi đất trống sau chợ.", False),
    ("drugs", "now", "Nó đang bán ma túy, chạy ra chạy vào con hẻm liên tục.", False),
    ("drugs", "earlier", "CO NGUOI BAN THUOC LAC O QUAN BAR DUONG LE LOI", False),
    ("drugs", "now", "Mấy đối tượng phê ma túy đang CẦM DAO đuổi theo người đi đường!", True),
    # theft and robbery
    ("theft", "today", "Nó trộm xe máy nhà tôi rồi chạy về hướng cầu Ông Lãnh.", False),
    ("theft", "earlier", "Tối qua nhà tôi bị trộm mất hai con gà.", False),
    ("theft", None, "Bị cướp giật điện thoại, kẻ cướp chạy xe Exciter màu đen.", False),
    ("theft", "now", "Hai thanh niên đang cạy khóa xe máy trước cổng chợ.", True),
    ("theft", "now", "Có kẻ giật túi xách của một chị rồi chạy xe về phía bến xe.", True),
    ("theft", "earlier", "Nhóm cướp cầm dao khống chế chủ tiệm vàng rồi tẩu thoát.", True),
    # gambling
    ("gambling", "now", "Đang có sòng bạc ở nhà ông Tư, rất đông người đánh bạc.", False),
    ("gambling", "today", "Tổ chức đá gà ăn tiền ở bãi đất sau trường học.", False),
    ("gambling", "earlier", "Đường dây cá độ bóng đá, nhiều người nợ nần phải bỏ trốn.", False),
    ("gambling", None, "Chủ sòng bạc đòi nợ, dọa giết cả nhà nếu không trả.", True),
    # fraud
    ("fraud", "today", "Tôi bị lừa đảo qua mạng mất 50 triệu, kẻ gian giả danh công an.", False),
    ("fraud", "now", "LỪA ĐẢO đầu tư tiền ảo, nhiều người trong xóm bị mất tiền.", False),
    ("fraud", None, "bi lua dao chuyen khoan mua hang online", False),
    ("fraud", "earlier", "Người tự xưng cán bộ thuế bảo tôi chuyển tiền, không thì bị bắt.", False),
    ("fraud", "today", "Nhóm cho vay nặng lãi đòi nợ, tạt sơn vào nhà và đe dọa.", False),
    # violence
    ("violence", "now", "Hai nhóm thanh niên đang đánh nhau trước quán nhậu.", True),
    ("violence", "now", "Nhóm đòi nợ thuê đang đập phá cửa nhà bà Lan.", True),
    ("violence", "earlier", "Tháng trước có vụ xô xát giữa hai gia đình vì tranh chấp đất.", False),
    ("violence", "today", "co nguoi dang cam dao chem nhau o cho", True),
    ("violence", None, "Có đứa bị đâm, đang chảy máu nhiều ở ngã tư!", True),
    ("other", "earlier", "Thanh niên tụ tập gây rối, chửi bới người qua đường.", False),
    # domestic violence
    ("violence", "now", "Chồng say rượu đánh vợ con, hàng xóm nghe tiếng khóc.", True),
    ("violence", "earlier", "Hàng xóm thường xuyên đánh vợ khi say rượu, chị ấy rất sợ.", False),
    ("violence", None, "Chồng dọa giết vợ, đang cầm dao trong nhà, cứu với!", True),
    ("violence", "earlier", "Bé trai bị bố dượng bạo hành, trên người có nhiều vết bầm.", False),
    # traffic
    ("traffic", "now", "Nhóm thanh niên chạy xe lạng lách, đua xe trên đường Lê Lợi.", False),
    ("traffic", "today", "Xe tải đâm xe máy ở ngã tư, một người bị thương nằm trên đường.", True),
    ("traffic", "earlier", "Bãi giữ xe tự phát lấn chiếm vỉa hè đường Nguyễn Huệ.", False),
    ("traffic", None, "Xe ben chở đất làm chảy bùn đầy đường, rất trơn.", False),
    ("traffic", "now", "xe container chay nguoc chieu tren quoc lo 1", False),
    # fire and explosives
    ("fire", "now", "Kho hàng đang bốc cháy, khói đen bốc cao!", True),
    ("fire", "earlier", "Quán karaoke không có bình chữa cháy, sai quy định phòng cháy.", False),
    ("fire", "today", "Có người bán pháo nổ trái phép ở chợ Tết.", False),
    ("fire", "now", "Cháy nhà ở hẻm 5, có người mắc kẹt bên trong.", True),
    ("other", None, "Nghe tiếng nổ lớn ở xưởng gỗ, có khói bay ra.", True),
    ("other", "today", "chay nha o hem 5 roi, goi cuu hoa giup", True),
    ("other", None, "Hoả hoạn ở khu trọ, nhiều người mắc kẹt.", True),
    ("other", None, "HỎA HOẠN ở khu trọ, nhiều người mắc kẹt.", True),
    # weapons
    ("fire", "earlier", "Nhà số 10 tàng trữ súng tự chế và dao kiếm.", True),
    ("other", None, "Thấy một người mang theo súng đi vào quán cà phê.", True),
    ("other", "today", "thay co nguoi cam dao dung o dau hem", True),
    # words that only look like dangers once their diacritics are gone
    ("other", "earlier", "Đạo tràng tổ chức lễ đông người, xe đỗ kín đường.", False),
    ("other", "today", "Ông ấy nợ tiền rồi bỏ đi, Nó nói sẽ quay lại.", False),
    ("other", None, "Cống bị vỡ, nước thải chảy ra đường.", False),
    ("other", "today", "Anh ấy đi từ từ qua cổng, không ai để ý.", False),
    ("theft", "earlier", "khong ai duoi kip no, no chay mau qua", False),
    ("drugs", None, "thang do mua thuoc no ban cho hoc sinh", False),
    ("fire", "today", "co thang mang sung vao quan nhau", True),
    # someone hurt; English descriptions
    ("other", "now", "Một cụ già bất tỉnh trước cửa chợ, cần cấp cứu gấp.", True),
    ("other", None, "Someone is waving a KNIFE outside the market.", True),
    ("other", "earlier", "No one answered when I reported the noise.", False),
]


def test_the_table_has_forty_tips_at_least() -> None:
    assert len(TIPS) >= 40


@pytest.mark.parametrize(("category", "occurred", "description", "urgent"), TIPS)
def test_a_tip_is_urgent_exactly_when_a_danger_is_named_or_violence_is_happening_now(
    category: str, occurred: str | None, description: str, urgent: bool
) -> None:
    assert is_urgent(category, description, occurred) is urgent


@pytest.mark.parametrize("category", ["violence", "theft", "fire"])
def test_happening_now_makes_a_violent_category_urgent(category: str) -> None:
    assert is_urgent(category, "Có chuyện ở đầu hẻm, mời công an đến xem.", "now")


@pytest.mark.parametrize("category", ["violence", "theft", "fire"])
def test_a_violent_category_that_is_not_happening_now_is_not_urgent_by_itself(
    category: str,
) -> None:
    assert not is_urgent(category, "Có chuyện ở đầu hẻm, mời công an đến xem.", "today")


def test_decomposed_unicode_is_read_like_composed_text() -> None:
    decomposed = unicodedata.normalize("NFD", "Có người CẦM DAO ở chợ")
    assert is_urgent("other", decomposed, None)


# Through the bot ------------------------------------------------------------------------------
@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


@pytest.fixture
async def group(sandbox: SandboxServer, storage: Storage) -> dict[str, Any]:
    return await linked_group(sandbox.client, storage)


async def test_a_robbery_happening_now_is_marked_urgent_and_the_resident_reminded_of_113(
    sandbox: SandboxServer, database_url: str, group: dict[str, Any]
) -> None:
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await reach_description(lan, category="Trộm cắp")
        await lan.say("Hai thanh niên giật túi xách của một chị ở cổng chợ.")
        await lan.press("Tiếp tục")
        await lan.press("Đang xảy ra")
        _receipt, reminder = await lan.press("Gửi tin báo", expect=2)
        [card] = await sandbox.client.wait_for_bot_messages(group["id"], 1, timeout=15)
    assert card["text"].startswith("🚨 KHẨN")
    assert "113" in reminder["text"]


async def test_violence_that_happened_last_month_is_not_marked_urgent(
    sandbox: SandboxServer, database_url: str, group: dict[str, Any]
) -> None:
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await reach_description(lan, category="Bạo lực")
        await lan.say("Có vụ xô xát giữa hai gia đình vì tranh chấp đất.")
        await lan.press("Tiếp tục")
        await lan.press("Trước đó")
        await lan.say("tháng trước")
        await lan.press("Gửi tin báo")
        [card] = await sandbox.client.wait_for_bot_messages(group["id"], 1, timeout=15)
    assert card["text"].startswith("🆕")
