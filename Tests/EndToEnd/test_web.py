"""The web interface in a real headless Chromium: sign in at one node, compose,
see it arrive and acknowledge at another, and see the acknowledgement come back."""
import os
import shutil
from pathlib import Path

import pytest

from conftest import wait_until

SCREENSHOTS = Path(__file__).resolve().parents[2] / ".build" / "e2e-screenshots"


def chromium_paths():
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return browser, driver


@pytest.fixture
def browser():
    browser_path, driver_path = chromium_paths()
    if not (browser_path and driver_path):
        if os.environ.get("ENTENTE_REQUIRE_BROWSER") == "1":
            pytest.fail("ENTENTE_REQUIRE_BROWSER=1 but chromium/chromedriver are not installed")
        pytest.skip("⚠️  chromium and chromium-driver not installed: web interface NOT tested in a browser")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser_path
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000", "--disable-gpu"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def add_user(node, username, name, role, password):
    node.cli("user", "add", "--username", username, "--name", name, "--role", role, input=password + "\n")


def submit(driver, button, url_part):
    """Clicks a form's button and waits for the page it leads to."""
    from selenium.webdriver.support.ui import WebDriverWait
    button.click()
    try:
        WebDriverWait(driver, 20).until(
            lambda d: url_part in d.current_url and d.execute_script("return document.readyState") == "complete")
    except Exception:
        driver.save_screenshot(str(SCREENSHOTS / "failure.png"))
        raise AssertionError(f"expected {url_part}, at {driver.current_url}: " + driver.find_element("tag name", "main").text[:800])


def element_text(driver, element_id):
    """The element's text, or "" while the page is being replaced (a form post navigates)."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    try:
        return driver.find_element(By.ID, element_id).text
    except (NoSuchElementException, StaleElementReferenceException):
        return ""


def sign_in(driver, node, username, password):
    from selenium.webdriver.common.by import By
    driver.get(node.url + "/login")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    submit(driver, driver.find_element(By.ID, "sign-in"), "/inbox")


def test_compose_deliver_acknowledge_in_a_browser(federation, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    estonia, latvia = federation("EST", "LVA")
    add_user(estonia, "kadri", "Kadri Tamm", "diplomatic-poc", "estonia-password-1")
    add_user(latvia, "janis", "Jānis Bērziņš", "technical-poc", "latvia-password-1")
    add_user(latvia, "olga", "Olga Observer", "observer", "observer-password-1")

    # Estonia's diplomatic POC composes a flash notification.
    sign_in(browser, estonia, "kadri", "estonia-password-1")
    submit(browser, browser.find_element(By.LINK_TEXT, "Compose"), "/compose")
    browser.find_element(By.CSS_SELECTOR, "input[name=to][value=LVA]").click()
    Select(browser.find_element(By.ID, "priority")).select_by_value("flash")
    Select(browser.find_element(By.ID, "field-incidentType")).select_by_value("ransomware")
    browser.find_element(By.ID, "subject").send_keys("Ransomware at two banks")
    browser.find_element(By.ID, "body").send_keys("Core banking encrypted since 05:40 UTC.")
    browser.save_screenshot(str(SCREENSHOTS / "1-compose.png"))
    submit(browser, browser.find_element(By.ID, "send"), "/messages/")
    message_id = browser.current_url.rsplit("/", 1)[1]
    assert "Ransomware at two banks" in browser.page_source

    # Latvia's technical POC sees it in the inbox, under FLASH, and acknowledges it.
    sign_in(browser, latvia, "janis", "latvia-password-1")
    wait_until("the message is in Latvia's inbox",
               lambda: browser.get(latvia.url + "/inbox") or message_id in browser.page_source)
    row = browser.find_element(By.CSS_SELECTOR, f"tr[data-id='{message_id}']")
    assert "Awaiting" in row.text and "EST" in row.text
    assert "FLASH" in browser.page_source
    browser.save_screenshot(str(SCREENSHOTS / "2-inbox.png"))
    submit(browser, row.find_element(By.LINK_TEXT, "Ransomware at two banks"), "/messages/")
    assert "ransomware" in browser.page_source and "Core banking encrypted" in browser.page_source
    browser.find_element(By.ID, f"acknowledge-{message_id}").click()
    wait_until("the acknowledgement is shown", lambda: "Acknowledged" in element_text(browser, f"m-{message_id}"))
    browser.save_screenshot(str(SCREENSHOTS / "3-acknowledged.png"))

    # An observer reads but cannot acknowledge.
    submit(browser, browser.find_element(By.CSS_SELECTOR, "header form button"), "/login")
    sign_in(browser, latvia, "olga", "observer-password-1")
    browser.get(latvia.url + f"/messages/{message_id}")
    assert not browser.find_elements(By.ID, f"acknowledge-{message_id}")

    # Back in Estonia, the receipt and the acknowledgement are shown.
    sign_in(browser, estonia, "kadri", "estonia-password-1")

    def acknowledged_in_estonia():
        browser.get(estonia.url + f"/messages/{message_id}")
        return "by Jānis Bērziņš" in browser.page_source
    wait_until("Estonia shows Latvia's acknowledgement", acknowledged_in_estonia)
    browser.save_screenshot(str(SCREENSHOTS / "4-sender-view.png"))

    for page in ("/sent", "/directory", "/checks"):
        browser.get(estonia.url + page)
        assert "Entente" in browser.title
    browser.get(estonia.url + "/directory")
    assert latvia.fingerprint in browser.page_source and "LVA CERT" in browser.page_source
    browser.save_screenshot(str(SCREENSHOTS / "5-directory.png"))


def test_a_case_in_the_browser(federation, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    estonia, latvia = federation("EST", "LVA")
    add_user(estonia, "kadri", "Kadri Tamm", "diplomatic-poc", "estonia-password-1")
    add_user(latvia, "janis", "Jānis Bērziņš", "diplomatic-poc", "latvia-password-1")

    # Estonia reports the incident and notifies Latvia, all from forms.
    sign_in(browser, estonia, "kadri", "estonia-password-1")
    submit(browser, browser.find_element(By.LINK_TEXT, "Cases"), "/cases")
    browser.find_element(By.ID, "title").send_keys("Ransomware at two banks")
    browser.find_element(By.ID, "summary").send_keys("Core banking encrypted.")
    browser.find_element(By.ID, "sector-banking").click()
    Select(browser.find_element(By.ID, "impact")).select_by_value("severe")
    browser.find_element(By.ID, "exercise").click()
    submit(browser, browser.find_element(By.ID, "open"), "/cases/")
    case_url = browser.current_url
    case_id = case_url.rsplit("/", 1)[1]
    assert "Reported" in browser.find_element(By.ID, "case-stage").text and "EXERCISE" in browser.page_source
    form = browser.find_element(By.ID, "form-notification")
    browser.execute_script("arguments[0].open = true", form.find_element(By.XPATH, ".."))
    form.find_element(By.CSS_SELECTOR, "input[name=participant][value=LVA]").click()
    form.find_element(By.ID, "n-message").send_keys("Servers in your networks are used.")
    submit(browser, form.find_element(By.CSS_SELECTOR, "button[type=submit]"), f"/cases/{case_id}")
    assert "Notified" in browser.find_element(By.ID, "case-stage").text
    browser.save_screenshot(str(SCREENSHOTS / "6-case-owner.png"))

    # Latvia sees the case, with what it owes, and acknowledges.
    sign_in(browser, latvia, "janis", "latvia-password-1")
    wait_until("the case is in Latvia's list",
               lambda: browser.get(latvia.url + "/cases") or case_id in browser.page_source)
    submit(browser, browser.find_element(By.LINK_TEXT, "Ransomware at two banks"), f"/cases/{case_id}")
    assert "Acknowledge the notification" in browser.find_element(By.ID, "due").text
    browser.save_screenshot(str(SCREENSHOTS / "7-case-participant.png"))
    submit(browser, browser.find_element(By.CSS_SELECTOR, "button[id^=acknowledge-]"), f"/cases/{case_id}")
    assert "Acknowledged the notification." in browser.find_element(By.ID, "timeline").text

    # Back in Estonia, the acknowledgement is on the timeline under step 1.
    sign_in(browser, estonia, "kadri", "estonia-password-1")

    def acknowledged_in_estonia():
        browser.get(case_url)
        return "Acknowledged the notification." in element_text(browser, "timeline")
    wait_until("Estonia's timeline shows Latvia's acknowledgement", acknowledged_in_estonia)
    assert "1. Contact through the Points of Contact" in browser.find_element(By.ID, "timeline").text
