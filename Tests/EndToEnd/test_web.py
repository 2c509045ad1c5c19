"""The web interface in a real headless Chromium: sign in at one node, compose,
see it arrive and acknowledge at another, and see the acknowledgement come back."""
import json
import os
import random
import shutil
from pathlib import Path

import pytest
import requests

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
    os.environ["SE_AVOID_STATS"] = "true"  # Selenium must not phone home
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
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait
    # The page being left must go first: a form that posts back to the page it is on
    # matches url_part before the browser has even sent it. A mark set on the old
    # document is absent from the new one; while the browser is between the two,
    # Chromium answers scripts with errors, which mean "not there yet".
    driver.execute_script("window.__ententeOldPage = true")
    button.click()

    def arrived(d):
        try:
            return (d.execute_script("return window.__ententeOldPage === undefined && document.readyState === 'complete'")
                    and url_part in d.current_url)
        except WebDriverException:
            return False
    try:
        WebDriverWait(driver, 20).until(arrived)
    except Exception:
        driver.save_screenshot(str(SCREENSHOTS / "failure.png"))
        raise AssertionError(f"expected {url_part}, at {driver.current_url}: " + driver.find_element("tag name", "main").text[:800])


def element_text(driver, element_id):
    """The element's text, or "" while the page is being replaced (a form post navigates)."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    try:
        return driver.find_element(By.ID, element_id).text
    except WebDriverException:  # not there yet, gone stale, or Chromium between two documents
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
    browser.find_element(By.CSS_SELECTOR, "input[name='to[]'][value=LVA]").click()
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
    form.find_element(By.CSS_SELECTOR, "input[name='participant[]'][value=LVA]").click()
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


def open_details(driver, element):
    """Opens the <details> around a form, as a person clicking its summary would."""
    from selenium.webdriver.common.by import By
    driver.execute_script("arguments[0].open = true", element.find_element(By.XPATH, "ancestor::details"))


def test_a_forum_and_an_agreement_in_the_browser(federation, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    osce, estonia = federation("OSCE", "EST")
    add_user(osce, "chair", "Chair", "diplomatic-poc", "osce-password-1")
    add_user(estonia, "kadri", "Kadri Tamm", "diplomatic-poc", "estonia-password-1")

    # The OSCE opens a forum with Estonia as a member.
    sign_in(browser, osce, "chair", "osce-password-1")
    submit(browser, browser.find_element(By.LINK_TEXT, "Forums"), "/forums")
    browser.find_element(By.ID, "forum-name").send_keys("Informal Working Group")
    browser.find_element(By.ID, "member-EST").click()
    submit(browser, browser.find_element(By.ID, "open-forum-button"), "/forums/")
    forum_path = "/forums/" + browser.current_url.rsplit("/", 1)[1]

    # Estonia tables a text, then amends it.
    sign_in(browser, estonia, "kadri", "estonia-password-1")
    wait_until("the forum reaches Estonia", lambda: browser.get(estonia.url + forum_path) or "Table a proposal" in browser.page_source)
    browser.find_element(By.ID, "proposal-title").send_keys("Statement on the bank ransomware")
    browser.find_element(By.ID, "proposal-text").send_keys("We express concern and call for restraint.")
    submit(browser, browser.find_element(By.ID, "table"), forum_path)
    amend = browser.find_element(By.CSS_SELECTOR, "form[id^=amend-]")
    open_details(browser, amend)
    text = amend.find_element(By.CSS_SELECTOR, "textarea")
    text.clear()
    text.send_keys("We condemn the attack and call for restraint.")
    submit(browser, amend.find_element(By.CSS_SELECTOR, "button[type=submit]"), forum_path)

    # The chair accepts the amendment: version 2 shows what changed; then calls a vote.
    sign_in(browser, osce, "chair", "osce-password-1")
    wait_until("the amendment reaches the chair", lambda: browser.get(osce.url + forum_path) or "Accept" in browser.page_source)
    submit(browser, browser.find_element(By.CSS_SELECTOR, "button[id^=accept-]"), forum_path)
    browser.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    diff = browser.find_element(By.CSS_SELECTOR, ".diff")
    assert diff.find_element(By.TAG_NAME, "del").text.strip() == "express concern"
    assert diff.find_element(By.TAG_NAME, "ins").text.strip() == "condemn the attack"
    call = browser.find_element(By.CSS_SELECTOR, "form[id^=call-]")
    Select(call.find_element(By.CSS_SELECTOR, "select[name=method]")).select_by_value("simple-majority")
    quorum = call.find_element(By.CSS_SELECTOR, "input[name=quorum]")
    quorum.clear()
    quorum.send_keys("50")
    submit(browser, call.find_element(By.CSS_SELECTOR, "button[type=submit]"), forum_path)
    vote = browser.find_element(By.CSS_SELECTOR, ".vote").text
    assert "open" in vote and "Simple majority" in vote and "No ballots yet." in vote
    browser.save_screenshot(str(SCREENSHOTS / "8-forum-chair.png"))

    # Estonia votes yes; both nodes count it.
    sign_in(browser, estonia, "kadri", "estonia-password-1")
    wait_until("the vote reaches Estonia", lambda: browser.get(estonia.url + forum_path) or "choice-yes" in browser.page_source)
    submit(browser, browser.find_element(By.ID, "choice-yes"), forum_path)
    assert "Yes 1" in browser.find_element(By.CSS_SELECTOR, ".tally").text
    assert "This node has voted." in browser.page_source
    browser.save_screenshot(str(SCREENSHOTS / "9-forum-member.png"))

    # An agreement proposed by Estonia with the OSCE, signed by the OSCE in its browser, is in force.
    submit(browser, browser.find_element(By.LINK_TEXT, "Agreements"), "/agreements")
    browser.find_element(By.ID, "agreement-title").send_keys("Hotline arrangement")
    browser.find_element(By.ID, "agreement-text").send_keys("Urgent messages are acknowledged within 30 minutes.")
    browser.find_element(By.ID, "party-OSCE").click()
    browser.find_element(By.ID, "ack-urgent").send_keys("30")
    submit(browser, browser.find_element(By.ID, "propose"), "/agreements")
    assert "AWAITING SIGNATURES" in browser.page_source and "Acknowledge urgent messages within 30 min" in browser.page_source

    sign_in(browser, osce, "chair", "osce-password-1")
    wait_until("the agreement reaches the OSCE", lambda: browser.get(osce.url + "/agreements") or "sign-" in browser.page_source)
    submit(browser, browser.find_element(By.CSS_SELECTOR, "button[id^=sign-]"), "/agreements")
    assert "IN FORCE" in browser.page_source
    # In force, it downloads as the signed file `entente verify` checks.
    download = browser.find_element(By.CSS_SELECTOR, "a[id^=file-]").get_attribute("href")
    session = {cookie["name"]: cookie["value"] for cookie in browser.get_cookies()}
    signed = requests.get(download, cookies=session, timeout=10).json()
    assert signed["type"] == "entente.agreement/1" and sorted(p["participant"] for p in signed["parties"]) == ["EST", "OSCE"]
    browser.save_screenshot(str(SCREENSHOTS / "10-agreement-in-force.png"))

    # Norms, CBMs, capacity building and drills render and take their forms.
    submit(browser, browser.find_element(By.LINK_TEXT, "Norms"), "/norms")
    Select(browser.find_element(By.ID, "commit-norm")).select_by_value("paris-9")
    browser.find_element(By.ID, "commit-document").send_keys("Paris Call endorsement")
    submit(browser, browser.find_element(By.ID, "commit"), "/norms")
    assert browser.find_element(By.CSS_SELECTOR, "tr[data-participant=OSCE] .committed")
    for link, marker in (("CBMs", "cbm-matrix"), ("Capacity building", "request-form"), ("Drills", "drill-form")):
        submit(browser, browser.find_element(By.LINK_TEXT, link), "/")
        assert browser.find_element(By.ID, marker)
    browser.find_element(By.ID, "drill-name").send_keys("Check drill")
    browser.find_element(By.ID, "drill-injects").send_keys("0 | EST | urgent | Inject 1 | Acknowledge.")
    submit(browser, browser.find_element(By.ID, "plan-drill"), "/drills/")
    wait_until("the inject is sent", lambda: browser.refresh() or "pending" not in element_text(browser, "drill-injects"))
    assert "EXERCISE" in browser.page_source
    browser.save_screenshot(str(SCREENSHOTS / "10-drill.png"))


def test_a_refused_form_comes_back_with_what_was_typed(federation, browser):
    """Every form the server refuses is shown again, 422, with the reason naming the field and everything
    the person typed or ticked still there: nothing has to be typed twice under pressure."""
    from selenium.webdriver.common.by import By

    estonia, _ = federation("EST", "LVA")
    add_user(estonia, "kadri", "Kadri Tamm", "diplomatic-poc", "estonia-password-1")
    sign_in(browser, estonia, "kadri", "estonia-password-1")

    def value(element_id):
        return browser.find_element(By.ID, element_id).get_attribute("value")

    def checked(element_id):
        return browser.find_element(By.ID, element_id).is_selected()

    def error():
        return browser.find_element(By.CSS_SELECTOR, ".flash-msg.error").text

    submit(browser, browser.find_element(By.LINK_TEXT, "Agreements"), "/agreements")
    browser.find_element(By.ID, "agreement-title").send_keys("Hotline arrangement")
    browser.find_element(By.ID, "agreement-text").send_keys("Flash messages are acknowledged promptly.")
    browser.find_element(By.ID, "party-LVA").click()
    browser.find_element(By.ID, "ack-flash").send_keys("soon")
    browser.find_element(By.ID, "ack-urgent").send_keys("30")
    submit(browser, browser.find_element(By.ID, "propose"), "/agreements")
    assert "Acknowledge flash within (minutes)" in error() and "soon" in error()
    assert value("agreement-title") == "Hotline arrangement"
    assert value("agreement-text") == "Flash messages are acknowledged promptly."
    assert checked("party-LVA") and value("ack-flash") == "soon" and value("ack-urgent") == "30"
    assert "AWAITING SIGNATURES" not in browser.page_source
    browser.save_screenshot(str(SCREENSHOTS / "11-refused-agreement.png"))

    submit(browser, browser.find_element(By.LINK_TEXT, "Capacity building"), "/capacity")
    browser.find_element(By.ID, "offer-region-europe").click()
    browser.find_element(By.ID, "offer-format-remote").click()
    browser.find_element(By.ID, "offer-description").send_keys("Incident-response training for national CERTs.")
    submit(browser, browser.find_element(By.ID, "post-offer"), "/capacity")
    assert "topic" in error()
    assert value("offer-description") == "Incident-response training for national CERTs."
    assert checked("offer-region-europe") and checked("offer-format-remote") and not checked("offer-region-africa")
    assert value("request-description") == "", "only the refused form opens again with what it held"

    submit(browser, browser.find_element(By.LINK_TEXT, "Drills"), "/drills")
    browser.find_element(By.ID, "drill-name").send_keys("Night drill")
    browser.find_element(By.ID, "drill-injects").send_keys("soon | LVA | urgent | Inject 1")
    submit(browser, browser.find_element(By.ID, "plan-drill"), "/drills")
    assert "Injects" in error() and "soon | LVA" in error()
    assert value("drill-name") == "Night drill" and value("drill-injects") == "soon | LVA | urgent | Inject 1"


def test_threat_intelligence_pages_in_the_browser(federation, browser):
    from selenium.webdriver.common.by import By
    from taxii2client.v21 import Collection

    estonia, = federation("EST")
    add_user(estonia, "kadri", "Kadri Tamm", "technical-poc", "estonia-password-1")
    collection = estonia.api("POST", "/api/v1/taxii/collections", {"title": "Ransomware indicators", "defaultTLP": "amber"})
    token = estonia.api("POST", "/api/v1/taxii/accounts", {"name": "misp", "relation": "partner", "read": [collection["id"]], "write": [collection["id"]]})["token"]
    indicator_id, malware_id = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"
    common = {"spec_version": "2.1", "created": "2026-11-22T10:00:00.000Z", "modified": "2026-11-22T10:00:00.000Z"}
    Collection(f"{estonia.url}/taxii2/entente/collections/{collection['id']}/", user="misp", password=token).add_objects({"objects": [
        {**common, "type": "indicator", "id": indicator_id, "name": "LockBit C2", "pattern": "[ipv4-addr:value = '198.51.100.7']",
         "pattern_type": "stix", "valid_from": "2026-11-22T10:00:00Z", "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]},
        {**common, "type": "malware", "id": malware_id, "name": "LockBit", "is_family": True},
        {**common, "type": "relationship", "id": "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad", "relationship_type": "indicates",
         "source_ref": indicator_id, "target_ref": malware_id},
    ]})
    sign_in(browser, estonia, "kadri", "estonia-password-1")
    submit(browser, browser.find_element(By.LINK_TEXT, "Intelligence"), "/intelligence")
    submit(browser, browser.find_element(By.LINK_TEXT, "Ransomware indicators"), "/intelligence/")
    assert "TLP:GREEN" in browser.find_element(By.ID, "stix-objects").text and "TLP:AMBER" in browser.page_source
    submit(browser, browser.find_element(By.LINK_TEXT, "LockBit C2"), "/objects/")
    assert "198.51.100.7" in browser.find_element(By.ID, "pattern").text
    relationships = browser.find_element(By.ID, "relationships").text
    assert "indicates" in relationships and "(malware)" in relationships and malware_id in relationships
    browser.save_screenshot(str(SCREENSHOTS / "11-indicator.png"))

    # An analyst reports having seen it: the sighting is listed on the indicator's page.
    browser.find_element(By.CSS_SELECTOR, "#report-sighting summary").click()
    count = browser.find_element(By.ID, "sighting-count")
    count.clear()
    count.send_keys("4")
    browser.find_element(By.ID, "sighting-note").send_keys("Seen at the ministry's gateway")
    submit(browser, browser.find_element(By.ID, "report-sighting-button"), "/objects/")
    sightings = browser.find_element(By.ID, "sightings").text
    assert "(EST)" in sightings and "4" in sightings and "Seen at the ministry's gateway" in sightings
    browser.save_screenshot(str(SCREENSHOTS / "12-sighting.png"))
    sighting = [o for o in Collection(f"{estonia.url}/taxii2/entente/collections/{collection['id']}/", user="misp", password=token)
                .get_objects(type="sighting")["objects"]]
    assert [s["sighting_of_ref"] for s in sighting] == [indicator_id], "written by this node, so its AMBER reaches the partner"

    # A MISP event pasted into the collection page becomes a report, its PAP shown; it downloads back as an event.
    event_text = (Path(__file__).parent / "data" / "misp-event.json").read_text()
    browser.get(f"{estonia.url}/intelligence/{collection['id']}")
    browser.find_element(By.CSS_SELECTOR, "#import-misp summary").click()
    browser.execute_script("arguments[0].value = arguments[1]", browser.find_element(By.ID, "misp-event"), event_text)
    submit(browser, browser.find_element(By.ID, "import-misp-button"), "/objects/report--")
    heading = browser.find_element(By.TAG_NAME, "h1").text
    assert "Ransomware campaign against Baltic banks" in heading and "PAP:GREEN" in heading and "TLP:AMBER" in heading
    browser.save_screenshot(str(SCREENSHOTS / "13-misp-report.png"))
    download = browser.find_element(By.ID, "download-misp").get_attribute("href")
    session = {cookie["name"]: cookie["value"] for cookie in browser.get_cookies()}
    exported = requests.get(download, cookies=session, timeout=10).json()["Event"]
    assert exported["uuid"] == json.loads(event_text)["Event"]["uuid"] and len(exported["Attribute"]) == 15


def test_a_red_message_is_withheld_from_an_observer_and_a_reply_to_a_drill_stays_a_drill(federation, browser):
    from selenium.webdriver.common.by import By

    estonia, latvia = federation("EST", "LVA")
    add_user(latvia, "janis", "Jānis Bērziņš", "technical-poc", "latvia-password-1")
    add_user(latvia, "olga", "Olga Observer", "observer", "observer-password-1")
    red = estonia.cli("send", "--to", "LVA", "--template", "free-text", "--priority", "urgent", "--tlp", "red",
                      "--subject", "Source of the intrusion", "--body", "Named in confidence.").stdout.strip()
    drill = estonia.cli("send", "--to", "LVA", "--template", "free-text", "--priority", "urgent", "--exercise",
                        "--subject", "Drill inject 1", "--body", "Please acknowledge.").stdout.strip()
    wait_until("both reach Latvia", lambda: {red, drill} <= {m["id"] for m in latvia.json("inbox")})

    # The observer sees that a TLP:RED message arrived, from whom and when, but not what it says.
    sign_in(browser, latvia, "olga", "observer-password-1")
    browser.get(latvia.url + "/inbox")
    assert "Source of the intrusion" not in browser.page_source and "Withheld" in browser.page_source
    browser.get(latvia.url + f"/messages/{red}")
    card = browser.find_element(By.ID, f"m-{red}").text
    assert "Points of Contact only" in card and "Named in confidence" not in card and "EST" in card
    browser.save_screenshot(str(SCREENSHOTS / "6-red-withheld.png"))
    submit(browser, browser.find_element(By.CSS_SELECTOR, "header form button"), "/login")

    # The technical POC reads it, and answers the drill: the answer is an exercise too unless said otherwise.
    sign_in(browser, latvia, "janis", "latvia-password-1")
    browser.get(latvia.url + f"/messages/{red}")
    assert "Named in confidence." in browser.find_element(By.ID, f"m-{red}").text
    browser.get(latvia.url + f"/compose?replyTo={drill}")
    assert "answering an exercise" in browser.find_element(By.TAG_NAME, "main").text.lower()
    assert browser.find_elements(By.CSS_SELECTOR, "input[name=answerAsReal]")
    browser.save_screenshot(str(SCREENSHOTS / "7-reply-to-drill.png"))
    submit(browser, browser.find_element(By.ID, "send"), "/messages/")
    reply = browser.current_url.rsplit("/", 1)[1]
    wait_until("Estonia holds the reply", lambda: any(m["id"] == reply for m in estonia.json("inbox")))
    assert next(m for m in estonia.json("inbox") if m["id"] == reply)["exercise"] is True


def test_detection_findings_in_the_browser(federation, browser, tmp_path):
    """A CERT analyst sees what the node found in the logs sent to it, filters it, reports a sighting and adds a
    finding to a case, each in one action; an observer sees the findings and no buttons."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    from taxii2client.v21 import Collection

    estonia, = federation("EST")
    add_user(estonia, "kadri", "Kadri Tamm", "technical-poc", "estonia-password-1")
    add_user(estonia, "olga", "Olga Observer", "observer", "observer-password-1")
    collection = estonia.api("POST", "/api/v1/taxii/collections", {"title": "Partners' indicators", "defaultTLP": "amber"})
    token = estonia.api("POST", "/api/v1/taxii/accounts", {"name": "feed", "relation": "partner", "read": [collection["id"]], "write": [collection["id"]]})["token"]
    Collection(f"{estonia.url}/taxii2/entente/collections/{collection['id']}/", user="feed", password=token).add_objects({"objects": [
        {"type": "indicator", "spec_version": "2.1", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "created": "2026-11-22T10:00:00.000Z",
         "modified": "2026-11-22T10:00:00.000Z", "name": "LockBit C2", "pattern": "[ipv4-addr:value = '198.51.100.7']", "pattern_type": "stix",
         "valid_from": "2026-11-01T00:00:00Z", "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}]})
    # A workstation calling the C2 every five minutes for a day, and querying generated-looking names.
    conn = "#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\n"
    conn += "".join(f"{1764583200 + 300 * n + (n * 7919) % 5}.0\tC{n}\t10.1.2.3\t{40000 + n}\t198.51.100.7\t443\ttcp\tssl\t0.4\t512\t1024\tSF\n"
                    for n in range(288))
    dns = "#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tquery\trcode_name\n"
    dns += "".join(f"{1764583200 + n}.0\tD{n}\t10.1.2.9\t{5000 + n}\t10.0.0.53\t53\tudp\t{name}.com\tNXDOMAIN\n"
                   for n, name in enumerate("".join(random.Random(n).choices("bcdfghjklmnpqrstvwxz0123456789", k=18)) for n in range(12)))
    (tmp_path / "conn.log").write_text(conn)
    (tmp_path / "dns.log").write_text(dns)
    estonia.cli("detect", str(tmp_path / "conn.log"), str(tmp_path / "dns.log"), timeout=120)
    case_id = estonia.cli("case", "open", "--title", "Beaconing from the ministry", "--summary", "A workstation calls a known C2",
                          "--sector", "public-administration", "--impact", "high").stdout.strip()

    sign_in(browser, estonia, "kadri", "estonia-password-1")
    submit(browser, browser.find_element(By.LINK_TEXT, "Detection"), "/detection")
    findings = browser.find_elements(By.CSS_SELECTOR, "article.finding")
    text = " ".join(f.text for f in findings)
    assert "198.51.100.7" in text and "Partner's indicator" in text and "Beacon" in text and "Generated domain names" in text, text
    browser.save_screenshot(str(SCREENSHOTS / "14-detection.png"))

    Select(browser.find_element(By.ID, "f-kind")).select_by_value("beacon")
    submit(browser, browser.find_element(By.ID, "apply-filter"), "kind=beacon")
    beacons = browser.find_elements(By.CSS_SELECTOR, "article.finding")
    assert len(beacons) == 1 and "10.1.2.3 → 198.51.100.7" in beacons[0].text and "Score" in beacons[0].text

    browser.get(estonia.url + "/detection?kind=indicator")
    [hit] = browser.find_elements(By.CSS_SELECTOR, "article.finding")
    hit_id = hit.get_attribute("id")
    submit(browser, hit.find_element(By.XPATH, ".//button[contains(., 'Report a sighting')]"), "done=sighting")
    assert "Sighting recorded" in browser.find_element(By.TAG_NAME, "main").text and "kind=indicator" in browser.current_url
    assert len(browser.find_elements(By.CSS_SELECTOR, "article.finding")) == 1, "the list keeps its filter"
    hit = browser.find_element(By.ID, hit_id)
    assert "Reported as sighting" in hit.text and not hit.find_elements(By.XPATH, ".//button[contains(., 'Report a sighting')]")
    submit(browser, hit.find_element(By.XPATH, ".//button[contains(., 'Add as evidence')]"), "done=evidence")
    hit = browser.find_element(By.ID, hit_id)
    assert "Evidence in case Beaconing from the ministry" in hit.text
    browser.save_screenshot(str(SCREENSHOTS / "15-detection-acted.png"))
    timeline = json.loads(estonia.cli("case", "show", case_id, "--json").stdout)["timeline"]
    assert any(e["kind"] == "evidence" and "198.51.100.7" in json.dumps(e["body"]) for e in timeline)

    browser.delete_all_cookies()
    sign_in(browser, estonia, "olga", "observer-password-1")
    browser.get(estonia.url + "/detection")
    assert browser.find_elements(By.CSS_SELECTOR, "article.finding") and not browser.find_elements(By.CSS_SELECTOR, "article.finding button")


def test_languages_are_offered_by_name_and_free_text_is_marked_with_the_language_it_reads_as(federation, browser):
    """The composer offers the eight languages by name; the reader sees the declared language by name, the text with
    its `lang` and `dir="auto"` (Arabic runs right to left inside an English page), and, when the text is not in
    the language declared, what it reads as."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    estonia, latvia = federation("EST", "LVA")
    add_user(estonia, "kadri", "Kadri Tamm", "diplomatic-poc", "estonia-password-1")
    add_user(latvia, "janis", "Jānis Bērziņš", "technical-poc", "latvia-password-1")
    sign_in(browser, estonia, "kadri", "estonia-password-1")
    browser.get(estonia.url + "/compose?template=free-text")
    languages = [o.text for o in Select(browser.find_element(By.ID, "language")).options]
    assert languages == ["العربية — Arabic", "中文 — Chinese", "English", "Français — French", "Русский — Russian",
                         "Español — Spanish", "Deutsch — German", "Italiano — Italian"], languages
    browser.find_element(By.CSS_SELECTOR, "input[name='to[]'][value=LVA]").click()
    Select(browser.find_element(By.ID, "language")).select_by_visible_text("English")
    browser.find_element(By.ID, "subject").send_keys("Réunion d'urgence du groupe de travail")
    browser.find_element(By.ID, "body").send_keys("Nous proposons une réunion demain à dix heures pour examiner l'incident "
                                                  "qui touche les réseaux électriques des deux pays.")
    submit(browser, browser.find_element(By.ID, "send"), "/messages/")
    message_id = browser.current_url.rsplit("/", 1)[1]

    sign_in(browser, latvia, "janis", "latvia-password-1")
    wait_until("the message is in Latvia's inbox", lambda: browser.get(f"{latvia.url}/messages/{message_id}") or
               "Réunion" in browser.page_source)
    meta = browser.find_element(By.CSS_SELECTOR, f"#m-{message_id} .meta").text
    assert "written in English (en)" in meta, meta
    assert "reads as Français — French" in browser.find_element(By.ID, f"identified-language-{message_id}").text
    body = browser.find_element(By.CSS_SELECTOR, f"#m-{message_id} pre.body")
    assert body.get_attribute("dir") == "auto" and body.get_attribute("lang") == "en"
    browser.save_screenshot(str(SCREENSHOTS / "16-identified-language.png"))

    # A machine gist, marked as one, from the language the text reads as; where no engine covers the pair, it says so.
    Select(browser.find_element(By.ID, "gist")).select_by_value("es")
    submit(browser, browser.find_element(By.ID, "make-gist"), "gist=es")
    gist = browser.find_element(By.ID, "gist-result")
    assert "Machine translation by Apertium, Français — French → Español — Spanish: not the sender's words." in gist.text, gist.text
    assert "reunión" in gist.find_element(By.CSS_SELECTOR, "pre.body").text
    assert gist.find_element(By.CSS_SELECTOR, "pre.body").get_attribute("lang") == "es"
    assert "Nous proposons une réunion" in browser.find_element(By.CSS_SELECTOR, f"#m-{message_id} pre.body").text, "the original stays"
    browser.save_screenshot(str(SCREENSHOTS / "17-gist.png"))
    browser.get(f"{latvia.url}/messages/{message_id}?gist=ru")
    assert "no machine translation on this node covers French to Russian" in browser.find_element(By.ID, "gist-unavailable").text


def test_the_frame_speaks_the_readers_language_and_arabic_runs_right_to_left(federation, browser):
    """The browser's Accept-Language chooses the interface's language until the person chooses one with the switch on
    every page; Arabic is laid out right to left. (The pages' own content is not translated yet.)"""
    from selenium.webdriver.common.by import By

    estonia, = federation("EST")
    add_user(estonia, "kadri", "Kadri Tamm", "diplomatic-poc", "estonia-password-1")
    sign_in(browser, estonia, "kadri", "estonia-password-1")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    session = {cookie["name"]: cookie["value"] for cookie in browser.get_cookies()}
    russian = requests.get(estonia.url + "/inbox", cookies=session, headers={"Accept-Language": "pt-BR, ru;q=0.9, en;q=0.8"}, timeout=10)
    assert '<html lang="ru" dir="ltr">' in russian.text and "Входящие" in russian.text and "Выйти" in russian.text
    german = requests.get(estonia.url + "/inbox", cookies=session, headers={"Accept-Language": "en;q=0.5, de-AT"}, timeout=10)
    assert '<html lang="de" dir="ltr">' in german.text and "Posteingang" in german.text

    browser.find_element(By.CSS_SELECTOR, "#language-switch summary").click()
    submit(browser, browser.find_element(By.LINK_TEXT, "Français"), "/inbox")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    assert browser.find_element(By.LINK_TEXT, "Boîte de réception") and browser.find_element(By.LINK_TEXT, "Rédiger")
    browser.get(estonia.url + "/detection")
    browser.find_element(By.CSS_SELECTOR, "#language-switch summary").click()
    submit(browser, browser.find_element(By.LINK_TEXT, "العربية"), "/detection")
    html = browser.find_element(By.TAG_NAME, "html")
    assert html.get_attribute("lang") == "ar" and html.get_attribute("dir") == "rtl"
    brand = browser.find_element(By.CSS_SELECTOR, "header .brand").rect
    who = browser.find_element(By.CSS_SELECTOR, "header .who").rect
    assert brand["x"] > who["x"], "mirrored: the brand on the right, who is signed in on the left"
    main = browser.find_element(By.TAG_NAME, "main")
    assert main.get_attribute("dir") == "ltr" and main.get_attribute("lang") == "en", "the pages' own words, English for now, read in order"
    browser.save_screenshot(str(SCREENSHOTS / "18-arabic-frame.png"))
    # The switch goes back only to a page of this site.
    off_site = requests.get(estonia.url + "/language?to=fr&back=//evil.example/x", cookies=session, allow_redirects=False, timeout=10)
    assert off_site.status_code == 303 and off_site.headers["Location"] == "/inbox"


def test_a_russian_notification_is_read_in_french_with_its_structure_in_french(federation, browser):
    """Structure is the bridge: a notification written in Russian at one node is read at another in French, with
    its template, priority, field labels and chosen values in French; what the sender typed stays in Russian."""
    from selenium.webdriver.common.by import By

    estonia, latvia = federation("EST", "LVA")
    add_user(latvia, "janis", "Jānis Bērziņš", "technical-poc", "latvia-password-1")
    message_id = estonia.cli("send", "--to", "LVA", "--template", "notification", "--priority", "flash", "--language", "ru",
                             "--subject", "Атака программы-вымогателя на два банка", "--field", "incidentType=ransomware",
                             "--field", "impact=Остановлены платёжные системы").stdout.strip()
    sign_in(browser, latvia, "janis", "latvia-password-1")
    browser.find_element(By.CSS_SELECTOR, "#language-switch summary").click()
    submit(browser, browser.find_element(By.LINK_TEXT, "Français"), "/inbox")
    wait_until("the message is in Latvia's inbox", lambda: browser.get(latvia.url + "/inbox") or message_id in browser.page_source)
    assert "FLASH" in browser.page_source and "Notification d'incident" in browser.page_source
    browser.get(f"{latvia.url}/messages/{message_id}")
    message = browser.find_element(By.ID, f"m-{message_id}")
    assert "Notification d'incident" in message.text and "FLASH" in message.text
    fields = message.find_element(By.CSS_SELECTOR, "dl.fields")
    assert fields.get_attribute("lang") == "fr"
    labels = [dt.text for dt in fields.find_elements(By.TAG_NAME, "dt")]
    values = {dd.text: dd.get_attribute("lang") for dd in fields.find_elements(By.TAG_NAME, "dd")}
    assert labels == ["Incidence", "Type d'incident"], labels
    assert values == {"Остановлены платёжные системы": "ru", "rançongiciel": "fr"}, values
    assert "written in Русский — Russian (ru)" in message.text
    browser.save_screenshot(str(SCREENSHOTS / "19-russian-read-in-french.png"))
