"""In a real (headless) browser, a person files a tip on the demo page as the resident and
acknowledges it as the officer — the way the README tells people to try tinbao."""

from __future__ import annotations

import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.sandbox_process import free_port, start_sandbox

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (CHROMIUM and CHROMEDRIVER), reason="chromium and chromedriver are not installed"
    ),
]
PATIENCE = 30  # seconds a step may take before the test fails


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


@pytest.fixture
def demo_url(tmp_path: Path) -> Iterator[str]:
    service, banner = start_sandbox(tmp_path, free_port())
    try:
        line = next(line for line in banner if "/sandbox/demo?" in line)
        yield line.split()[-1] + "&poll=2"
    finally:
        service.send_signal(signal.SIGTERM)
        service.wait(timeout=60)


class Pane:
    """One side of the page: what a person sees and does there."""

    def __init__(self, browser: webdriver.Chrome, element_id: str) -> None:
        self.browser, self.element_id = browser, element_id

    @property
    def element(self) -> WebElement:
        return self.browser.find_element(By.ID, self.element_id)

    def wait_for(self, text: str) -> None:
        WebDriverWait(self.browser, PATIENCE).until(
            lambda _: text in self.element.find_element(By.CSS_SELECTOR, ".messages").text,
            f"{text!r} never appeared in {self.element_id}",
        )

    def say(self, text: str) -> None:
        self.element.find_element(By.CSS_SELECTOR, "textarea[name=text]").send_keys(text)
        self.element.find_element(By.CSS_SELECTOR, "button.send").click()

    def press(self, label: str) -> None:
        """Press the newest inline button showing ``label``."""

        def newest(_: object) -> WebElement | bool:
            buttons = [
                b
                for b in self.element.find_elements(By.CSS_SELECTOR, ".ibtn")
                if label in b.text and b.is_enabled()
            ]
            return buttons[-1] if buttons else False

        WebDriverWait(self.browser, PATIENCE).until(newest, f"no button {label!r}").click()


def test_a_tip_is_filed_and_acknowledged_on_the_demo_page(
    browser: webdriver.Chrome, demo_url: str
) -> None:
    browser.get(demo_url)
    resident, officer = Pane(browser, "pane-resident"), Pane(browser, "pane-officer")
    resident.say("/start")
    resident.wait_for("ẩn danh")
    resident.press("Gửi tin báo")
    resident.wait_for("Bước 1/5")
    resident.press("Ma túy")
    resident.wait_for("Bước 2/5")
    resident.say("ben thanh")
    resident.press("Phường Bến Thành — Thành phố Hồ Chí Minh")
    resident.wait_for("Bước 3/5")
    resident.say("Có người bán ma túy ở hẻm 12 <b>mỗi tối</b>.")
    resident.wait_for("Đã nhận")
    resident.press("Tiếp tục")
    resident.wait_for("Bước 4/5")
    resident.press("Hôm nay")
    resident.wait_for("Xem lại tin báo")
    resident.press("✅ Gửi tin báo")
    resident.wait_for("Mã tin báo của bạn")

    officer.wait_for("Tin báo")
    officer.wait_for("<b>mỗi tối</b>")  # shown as the resident typed it, never as markup
    officer.press("Tiếp nhận")
    officer.wait_for("Đã tiếp nhận bởi Trung úy Minh")
    resident.wait_for("đã được Công an Phường Bến Thành tiếp nhận")
