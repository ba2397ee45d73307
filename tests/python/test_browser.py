"""The workshop page and the report in a real browser: headless Chromium driven by Selenium.
Screenshots are saved as test artifacts (TENURE_ARTIFACTS, default build/test-artifacts)."""
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("TENURE_ARTIFACTS", ROOT / "build" / "test-artifacts"))


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.fail("the browser tests need Debian's chromium and chromium-driver (scripts/setup.sh installs them)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1500,1100",
              "--hide-scrollbars"):
        opts.add_argument(a)
    from selenium.webdriver.chrome.service import Service
    drv = webdriver.Chrome(service=Service(driver_path), options=opts)
    drv.set_page_load_timeout(60)
    yield drv
    drv.quit()


@pytest.fixture(scope="module")
def server(cli):
    p = subprocess.Popen([cli, "workshop", "--port", "0"], stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert m, f"the workshop did not print its address: {line!r}"
    yield f"http://127.0.0.1:{m.group(1)}/"
    p.terminate()
    p.wait(timeout=10)


def wait_for(cond, timeout=30.0, what="condition"):
    t0 = time.time()
    while time.time() - t0 < timeout:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def runs(drv) -> int:
    return int(drv.execute_script("return +(document.body.dataset.runs || 0)"))


def line_b(drv, chart="active_accounts") -> str:
    return drv.execute_script(f"const p = document.querySelector('#chart-{chart} path.line-b'); return p ? p.getAttribute('d') : ''")


def test_workshop_slider_changes_the_chart(browser, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.get(server)
    wait_for(lambda: runs(browser) >= 1, what="the first run")
    assert "ann_vs_darren" in browser.find_element(By.ID, "story").text
    before, n = line_b(browser), runs(browser)
    assert before.startswith("M")
    # both panes share random numbers: with the same levers they draw the same line
    same = browser.execute_script("return document.querySelector('#chart-active_accounts path.line-a').getAttribute('d')")
    assert same == before
    slider = browser.find_element(By.ID, "b-hunt_share")
    slider.click()
    slider.send_keys(Keys.END)  # all the way: every manager hunts all the time
    wait_for(lambda: runs(browser) > n and line_b(browser) != before, what="the chart to change")
    assert "100%" in browser.find_element(By.ID, "b-hunt_share-lever").text
    status = browser.find_element(By.ID, "status").text
    assert re.search(r"2 x 30 replications: \d+ ms", status), status
    # the table marks differences whose interval excludes zero
    assert browser.find_elements(By.CSS_SELECTOR, "#metrics td.clear")
    browser.save_screenshot(str(ARTIFACTS / "workshop.png"))


def test_workshop_story_mode_steps_through_the_stories(browser, server):
    from selenium.webdriver.common.by import By

    browser.get(server)
    wait_for(lambda: runs(browser) >= 1, what="the first run")
    browser.find_element(By.ID, "story-mode").click()
    wait_for(lambda: browser.find_element(By.ID, "b-variant").get_attribute("value") == "promote_total_value",
             what="story 1's variant in pane B")
    seen = []
    for _ in range(5):
        n = runs(browser)
        seen.append(browser.find_element(By.ID, "scenario").get_attribute("value"))
        browser.find_element(By.ID, "next").click()
        wait_for(lambda: runs(browser) > n, what="the next story's run")
    assert seen == ["ann_vs_darren", "covert_farmer", "market_shock", "quarter_end_pressure", "caught_between"]


def test_workshop_reports_bad_levers(browser, server):
    from selenium.webdriver.common.by import By

    browser.get(server)
    wait_for(lambda: runs(browser) >= 1, what="the first run")
    # the server refuses an impossible override and the page says why, instead of going blank
    browser.execute_script("state.panes.b.set.support = -3; schedule();")
    wait_for(lambda: "support_staff" in browser.find_element(By.ID, "error").text, what="the error message")


def test_report_opens_offline_in_a_browser(browser, cli, tmp_path):
    from selenium.webdriver.common.by import By

    out = tmp_path / "ms"
    subprocess.run([cli, "run", str(ROOT / "scenarios" / "market_shock.yaml"), "--all-variants", "-r", "10",
                    "--attribution", "--report", "--out", str(out), "-q"], check=True)
    browser.get((out / "report.html").as_uri())
    svgs = browser.find_elements(By.CSS_SELECTOR, "svg")
    assert len(svgs) >= 8
    assert all(s.size["width"] > 200 and s.size["height"] > 80 for s in svgs)
    assert browser.find_element(By.TAG_NAME, "h1").text == "market_shock"
    # nothing was fetched from the network
    entries = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert [e for e in entries if e.startswith("http")] == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.set_window_size(1300, 1100)
    browser.save_screenshot(str(ARTIFACTS / "report.png"))
    browser.set_window_size(1500, 1100)
