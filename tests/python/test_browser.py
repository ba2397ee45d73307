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
    return drv.execute_script(f"const p = document.querySelector('#chart-{chart} .line_b_marks path'); return p ? p.getAttribute('d') : ''")


def open_page(drv, url, width=1500, height=1100):
    """Opens the page with its inner window at width x height and waits for the first run."""
    drv.set_window_size(width, height)
    iw, ih = drv.execute_script("return [innerWidth, innerHeight]")
    drv.set_window_size(2 * width - iw, 2 * height - ih)
    drv.get(url)
    wait_for(lambda: runs(drv) >= 1, what="the first run")


def value_of(drv, element_id):
    """An element's value, read in the page (levers are rebuilt as they move: no stale handles)."""
    return drv.execute_script(f"const e = document.getElementById('{element_id}'); return e ? e.value : null")


def text_of(drv, element_id):
    """An element's text, read in the page (pages that redraw leave no stale handles)."""
    return drv.execute_script(f"const e = document.getElementById('{element_id}'); return e ? e.innerText : ''")


def click(drv, element_id):
    """Clicks an element found in the page at that moment (chart tabs are rebuilt with each run)."""
    drv.execute_script(f"document.getElementById('{element_id}').click()")


def lever_text(drv, pane, lever):
    return drv.execute_script(f"return document.getElementById('{pane}-{lever}-lever').textContent")


def choose(drv, element_id, value):
    """Sets a control as a user would: its value, then the events a browser fires (input, change)."""
    drv.execute_script(f"const e = document.getElementById('{element_id}'); e.value = {value!r}; "
                       "e.dispatchEvent(new Event('input')); e.dispatchEvent(new Event('change'));")


def test_workshop_slider_changes_the_chart(browser, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    open_page(browser, server)
    assert "ann_vs_darren" in browser.execute_script("return document.getElementById('story').textContent")
    before, n = line_b(browser), runs(browser)
    assert before.startswith("M")
    # both panes share random numbers: with the same levers they draw the same line
    same = browser.execute_script("return document.querySelector('#chart-active_accounts .line_a_marks path').getAttribute('d')")
    assert same == before
    browser.find_element(By.ID, "tab-b").click()
    slider = browser.find_element(By.ID, "b-hunt_share")
    slider.click()
    slider.send_keys(Keys.END)  # all the way: every manager hunts all the time
    wait_for(lambda: runs(browser) > n and line_b(browser) != before, what="the chart to change")
    assert "100%" in lever_text(browser, "b", "hunt_share")
    assert "applies from the start" in lever_text(browser, "b", "hunt_share")
    status = browser.find_element(By.ID, "status").text
    assert re.search(r"2 x 30 replications: \d+ ms", status), status
    # the table marks differences whose interval excludes zero
    assert browser.find_elements(By.CSS_SELECTOR, "#metrics td.clear")
    browser.save_screenshot(str(ARTIFACTS / "workshop.png"))


@pytest.mark.parametrize("size", [(1024, 768), (1280, 800)], ids=["1024x768", "1280x800"])
def test_presenter_layout_fits_the_screen_with_text_of_16px(browser, server, size):
    """The main chart, the A/B outcome and the lesson are above the fold, and every text the room
    reads is at least 16 px (the chart is drawn at its shown size, so its text is too)."""
    from selenium.webdriver.common.by import By

    width, height = size
    open_page(browser, server, width, height)
    browser.find_element(By.ID, "story-mode").click()
    wait_for(lambda: value_of(browser, "b-variant") == "promote_total_value",
             what="story 1's variant in pane B")
    n = runs(browser)
    wait_for(lambda: runs(browser) > n or "Look for" in browser.find_element(By.ID, "lesson-look").text, what="the step's run")
    rects = browser.execute_script("""
        const r = id => document.getElementById(id).getBoundingClientRect();
        const out = {};
        for (const id of ['lesson-text', 'lesson-try', 'lesson-look', 'chart-area', 'metrics', 'outcome']) {
          const b = r(id); out[id] = [b.left, b.top, b.right, b.bottom];
        }
        out.view = [innerWidth, innerHeight];
        out.scroll = document.documentElement.scrollHeight;
        return out;""")
    w, h = rects["view"]
    assert (w, h) == (width, height)
    for name in ("lesson-text", "lesson-try", "lesson-look", "chart-area", "outcome"):
        left, top, right, bottom = rects[name]
        assert 0 <= left and right <= w and 0 <= top and bottom <= h, (name, rects[name], (w, h))
    assert rects["scroll"] <= h  # the page itself does not scroll
    chart = rects["chart-area"]
    # The chart is drawn inside its area (drawn again when the area changes size), over nothing else.
    wait_for(lambda: browser.execute_script(
        "const a = document.getElementById('chart-area').getBoundingClientRect(), s = document.querySelector('#chart-area svg')"
        ".getBoundingClientRect(); return s.left >= a.left - 1 && s.top >= a.top - 1 && s.right <= a.right + 1 && s.bottom <= a.bottom + 1"),
        what="the chart inside its area")
    assert chart[2] - chart[0] >= 0.6 * w and chart[3] - chart[1] >= 0.3 * h  # the main chart is the largest thing
    # Five outcome rows (the key ones) are shown whole.
    assert browser.execute_script("return [...document.querySelectorAll('#metrics tr')].filter("
                                  "t => getComputedStyle(t).display !== 'none').length") == 6
    small = browser.execute_script("""
        const bad = [];
        const texts = document.querySelectorAll('header *, #lesson *, #outcome *, aside label, aside select, aside .val, #chartbar button');
        for (const e of texts) {
          if (!e.childNodes.length || ![...e.childNodes].some(c => c.nodeType === 3 && c.textContent.trim())) continue;
          const b = e.getBoundingClientRect();
          if (b.width === 0 || getComputedStyle(e).display === 'none') continue;
          const px = parseFloat(getComputedStyle(e).fontSize);
          if (px < 16) bad.push(e.tagName + '#' + e.id + ': ' + px);
        }
        for (const t of document.querySelectorAll('#chart-area svg text'))
          if (parseFloat(getComputedStyle(t).fontSize) < 16) bad.push('svg text ' + t.textContent + ': ' + getComputedStyle(t).fontSize);
        return bad;""")
    assert small == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / f"workshop-{width}x{height}.png"))


def test_full_screen_chart_and_presenter_keys(browser, server):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    open_page(browser, server, 1024, 768)
    browser.find_element(By.ID, "story-mode").click()
    wait_for(lambda: browser.find_element(By.ID, "scenario").get_attribute("value") == "ann_vs_darren", what="story 1")
    body = browser.find_element(By.TAG_NAME, "body")
    # A clicker's Page Down and the arrow keys step the stories; Page Up steps back.
    for key, expected in ((Keys.PAGE_DOWN, "covert_farmer"), (Keys.ARROW_RIGHT, "market_shock"), (Keys.PAGE_UP, "covert_farmer")):
        n = runs(browser)
        ActionChains(browser).send_keys(key).perform()
        wait_for(lambda: browser.find_element(By.ID, "scenario").get_attribute("value") == expected and runs(browser) > n,
                 what=f"{expected} after {key!r}")
    assert "story 2 of 5" in browser.find_element(By.ID, "story-step").text
    # F: the chart fills the screen, drawn again at that size; Escape: back.
    ActionChains(browser).send_keys("f").perform()
    wait_for(lambda: browser.execute_script("return document.body.classList.contains('fullchart')"), what="full screen")
    size = browser.execute_script("const s = document.querySelector('#chart-area svg'); return [s.getBoundingClientRect().width, "
                                  "s.getBoundingClientRect().height, +s.getAttribute('width'), innerWidth, innerHeight]")
    assert size[0] >= 0.95 * size[3] and size[1] >= 0.85 * size[4] and abs(size[2] - size[0]) < 2
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "workshop-fullscreen.png"))
    ActionChains(browser).send_keys(Keys.ESCAPE).perform()
    wait_for(lambda: not browser.execute_script("return document.body.classList.contains('fullchart')"), what="back")
    assert body.is_displayed()


def test_workshop_story_mode_steps_through_the_stories(browser, server):
    from selenium.webdriver.common.by import By

    open_page(browser, server)
    browser.find_element(By.ID, "story-mode").click()
    wait_for(lambda: value_of(browser, "b-variant") == "promote_total_value",
             what="story 1's variant in pane B")
    seen, lessons = [], []
    for _ in range(5):
        n = runs(browser)
        seen.append(browser.find_element(By.ID, "scenario").get_attribute("value"))
        wait_for(lambda: "B \u2212 A" in browser.find_element(By.ID, "lesson-look").text or
                 "the same here" in browser.find_element(By.ID, "lesson-look").text, what="what to look for")
        lessons.append([browser.execute_script(f"return document.getElementById('{i}').textContent")
                        for i in ("lesson-text", "lesson-try", "lesson-look")])
        browser.find_element(By.ID, "next").click()
        wait_for(lambda: runs(browser) > n, what="the next story's run")
    assert seen == ["ann_vs_darren", "covert_farmer", "market_shock", "quarter_end_pressure", "caught_between"]
    for name, (lesson, try_, look) in zip(seen, lessons):
        # The lesson and the comparison come from the scenario's own text; the lever to try from
        # the variant's values; what to look for from the run's numbers.
        text = (ROOT / "scenarios" / f"{name}.yaml").read_text()
        assert lesson.startswith("Lesson.") and lesson.split()[1][:6] in text, (name, lesson)
        assert try_.startswith("Try.") and "Compare" in try_, (name, try_)
        assert look.startswith("Look for.") and "B \u2212 A" in look, (name, look)
    # market_shock's step names the lever its variant moves (supervision), with both values.
    assert "Supervision checkpoints: off in A, on in B" in lessons[2][1]


def test_levers_start_at_the_scenario_and_follow_the_variant(browser, server):
    from selenium.webdriver.common.by import By

    open_page(browser, server)
    choose(browser, "scenario", "market_shock")
    wait_for(lambda: "(the scenario's)" in lever_text(browser, "a", "support") and "5" in lever_text(browser, "a", "support"),
             what="market_shock's 5 support staff")
    assert value_of(browser, "a-support") == "5"
    assert "month 24" in lever_text(browser, "a", "shock_month") and "60%" in lever_text(browser, "a", "shock_severity")
    assert "off (the scenario's)" in lever_text(browser, "a", "supervision")
    # The team's levers say when managers differ: John is neglectful, his peers attentive.
    assert "mixed" in lever_text(browser, "a", "attentiveness")
    choose(browser, "a-variant", "supervised")
    wait_for(lambda: "on (the scenario's)" in lever_text(browser, "a", "supervision"), what="the variant's supervision")
    choose(browser, "scenario", "ann_vs_darren")
    wait_for(lambda: "none in the scenario" in lever_text(browser, "a", "shock_month"), what="no shock in ann_vs_darren")
    choose(browser, "a-variant", "promote_retained_value")
    wait_for(lambda: "best (the scenario's)" in lever_text(browser, "a", "promotion"), what="the variant's policy")


def test_a_lever_per_manager(browser, server):
    from selenium.webdriver.common.by import By

    open_page(browser, server)
    browser.find_element(By.ID, "tab-b").click()
    choose(browser, "b-who", "Darren")
    wait_for(lambda: "90% (the scenario's)" in lever_text(browser, "b", "hunt_share"), what="Darren's own hunt share")
    assert not browser.find_elements(By.ID, "b-support")  # team levers stay with the team
    before, n = line_b(browser), runs(browser)
    choose(browser, "b-hunt_share", "0.3")
    wait_for(lambda: runs(browser) > n and line_b(browser) != before, what="Darren hunting less")
    assert browser.execute_script("return overrides('b')") == "managers.Darren.time.hunt_share=0.3"
    assert "30%" in lever_text(browser, "b", "hunt_share")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "workshop-per-manager.png"))
    choose(browser, "b-who", "Ann")  # Ann's lever is untouched
    wait_for(lambda: "15% (the scenario's)" in lever_text(browser, "b", "hunt_share"), what="Ann's own hunt share")
    choose(browser, "b-who", "*")
    wait_for(lambda: "mixed" in lever_text(browser, "b", "hunt_share"), what="the team's mixed shares")


def test_levers_from_a_month_on_fork_and_refusals_show_beside_the_lever(browser, server):
    from selenium.webdriver.common.by import By

    open_page(browser, server)
    choose(browser, "scenario", "market_shock")
    wait_for(lambda: "5" in lever_text(browser, "a", "support"), what="market_shock")
    browser.find_element(By.ID, "tab-b").click()
    choose(browser, "b-from", "24")
    choose(browser, "b-supervision", "on")
    wait_for(lambda: browser.execute_script("return state.last && state.last.b.from_month === 24"),
             what="supervision from month 24")
    assert "applies from month 24" in lever_text(browser, "b", "supervision")
    # The months before are the scenario's in both panes (a fork shares its past; month 23's row
    # closes at the fork's instant), and the chart marks the month the levers apply from.
    same_before = browser.execute_script(
        "const a = state.last.a.series.value.mean, b = state.last.b.series.value.mean;"
        "return a.slice(0, 23).every((v, i) => v === b[i]) && a.slice(30).some((v, i) => v !== b[30 + i]);")
    assert same_before
    assert browser.find_elements(By.CSS_SELECTOR, "#chart-area .event_from_b_marks line, #chart-area .event_from_a_marks line")
    # Support staff cannot change in a fork: the engine's refusal shows beside that lever.
    choose(browser, "b-support", "8")
    wait_for(lambda: "support_staff is 5 in the snapshot but 8 here" in
             browser.find_element(By.ID, "b-support-refusal").text, what="the refusal beside the lever")
    # A value the engine refuses from the start says so too.
    choose(browser, "b-from", "0")
    browser.execute_script("state.panes.b.set['*'] = {support: -3}; schedule();")
    wait_for(lambda: "support_staff" in browser.find_element(By.ID, "b-support-refusal").text or
             "support_staff" in browser.find_element(By.ID, "error").text, what="the error message")


def test_charts_mark_events_and_export_png_svg_csv_and_the_levers_travel_in_the_link(browser, server):
    from selenium.webdriver.common.by import By

    open_page(browser, server)
    choose(browser, "scenario", "market_shock")
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#chart-area .event_shock_marks line"), what="the shock marked")
    assert browser.find_elements(By.CSS_SELECTOR, "#chart-area .event_order_marks line")
    # a review a year: months 12, 24, 36 and 48 (the fifth closes the run, past the last row)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#chart-area .event_review_marks line")) == 4
    click(browser, "tab-chart-value")
    wait_for(lambda: browser.find_elements(By.ID, "chart-value"), what="the value chart")
    svg = browser.execute_script("return exportSVG()")
    assert svg.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in svg and "market shock 60%" in svg
    csv = browser.execute_script("return exportCSV()").splitlines()
    assert csv[0] == "month,a_mean,a_low,a_high,b_mean,b_low,b_high" and len(csv) == 61
    assert float(csv[30].split(",")[1]) > 0
    png = browser.execute_async_script(
        "const done = arguments[0]; exportPNG().then(b => b.arrayBuffer()).then(a => done([b => 0, new Uint8Array(a)].length &&"
        " Array.from(new Uint8Array(a).slice(0, 8)).concat([a.byteLength])), e => done(String(e)));")
    assert png[:8] == [137, 80, 78, 71, 13, 10, 26, 10] and png[8] > 5000  # a PNG, of some size
    # The levers are in the address: opened elsewhere, the same panes come back.
    browser.find_element(By.ID, "tab-b").click()
    choose(browser, "b-who", "John")
    n = runs(browser)
    choose(browser, "b-attentiveness", "0.9")
    wait_for(lambda: runs(browser) > n, what="John's attentiveness")
    url = browser.current_url
    assert "b.John.attentiveness=0.9" in url.replace("%2A", "*") and "chart=value" in url
    expected = browser.execute_script("return [overrides('b'), state.last.diff.final_value.mean]")
    browser.get("about:blank")
    browser.get(url)
    wait_for(lambda: runs(browser) >= 1, what="the shared link's run")
    assert browser.execute_script("return [overrides('b'), state.last.diff.final_value.mean]") == expected
    assert browser.find_elements(By.ID, "chart-value")


def test_report_opens_offline_in_a_browser(browser, cli, tmp_path):
    from selenium.webdriver.common.by import By

    out = tmp_path / "ms"
    subprocess.run([cli, "run", str(ROOT / "scenarios" / "market_shock.yaml"), "--all-variants", "-r", "10",
                    "--attribution", "--report", "--out", str(out), "-q"], check=True)
    browser.set_window_size(1300, 1100)
    browser.get((out / "report.html").as_uri())
    svgs = browser.find_elements(By.CSS_SELECTOR, "svg")
    assert len(svgs) >= 8
    assert all(s.size["width"] > 200 and s.size["height"] > 80 for s in svgs)
    assert browser.find_element(By.TAG_NAME, "h1").text == "market_shock"
    # nothing was fetched from the network
    entries = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert [e for e in entries if e.startswith("http")] == []
    # Human labels: no raw identifier is shown where a reader reads.
    shown = browser.execute_script("return [...document.querySelectorAll('td:first-child, .legend span, svg text')]"
                                   ".map(e => e.textContent)")
    assert "Value of the book at the end (currency units)" in shown and "no recorded cause" in shown
    # (variants keep the names the scenario file gives them)
    raw = [t for t in shown if re.fullmatch(r"[a-z]+(_[a-z]+)+", t.strip()) and t.strip() not in ("no_support_cut",)]
    assert not raw, raw[:5]
    # The scenario's events are marked on the charts over time.
    assert browser.find_elements(By.CSS_SELECTOR, "svg line.event-shock")
    assert browser.find_elements(By.CSS_SELECTOR, "svg line.event-order")
    assert "market shock 60%" in shown and "support cut 40%" in shown
    # Attribution beside blame, as two charts on one scale.
    pair = browser.find_elements(By.CSS_SELECTOR, "details[open] .attribution-vs-blame svg")
    assert len(pair) == 2
    # One colour, one meaning: across every legend, a colour names one thing.
    legend = browser.execute_script(
        "return [...document.querySelectorAll('.legend span')].map(s => [s.querySelector('i').style.background,"
        " s.textContent.replace(' (mean, 95% band)', '')])")
    by_colour = {}
    for colour, name in legend:
        by_colour.setdefault(colour, set()).add(name)
    assert all(len(names) == 1 for names in by_colour.values()), by_colour
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for heading, shot in (("Over time", "report.png"), ("What caused the losses", "report-attribution.png")):
        browser.execute_script("[...document.querySelectorAll('h2')].find(h => h.textContent.startsWith(arguments[0]))"
                               ".scrollIntoView()", heading)
        browser.save_screenshot(str(ARTIFACTS / shot))
    # Text of at least 14 px as shown, on screen and at a printed A4 page's width (print media).
    smallest = """
        const out = [];
        for (const t of document.querySelectorAll('svg text')) {
          const svg = t.ownerSVGElement, scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
          if (svg.getBoundingClientRect().width === 0) continue;
          out.push([parseFloat(getComputedStyle(t).fontSize) * scale, t.textContent]);
        }
        for (const e of document.querySelectorAll('p, td, th, li, .legend span, summary, small'))
          if (e.getBoundingClientRect().width > 0) out.push([parseFloat(getComputedStyle(e).fontSize), e.tagName]);
        out.sort((a, b) => a[0] - b[0]);
        return out.slice(0, 3);"""
    on_screen = browser.execute_script(smallest)
    assert on_screen[0][0] >= 14, on_screen
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    browser.set_window_size(794, 1100)  # A4 at 96 dpi
    printed = browser.execute_script(smallest)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    browser.set_window_size(1500, 1100)
    assert printed[0][0] >= 14, printed


def test_causes_beside_blame_on_the_page(browser, server):
    from selenium.webdriver.common.by import By

    open_page(browser, server, 1280, 800)
    choose(browser, "scenario", "market_shock")
    wait_for(lambda: "5" in lever_text(browser, "a", "support"), what="market_shock")
    wait_for(lambda: browser.find_elements(By.ID, "tab-chart-attribution"), what="the tab")
    click(browser, "tab-chart-attribution")
    wait_for(lambda: browser.find_elements(By.ID, "chart-attribution"), timeout=60, what="the counterfactual runs")
    labels = browser.execute_script("return [...document.querySelectorAll('#chart-attribution text')].map(t => t.textContent)")
    # market_shock's factors (it can switch each off), and John blamed most by the last-owner rule
    for factor in ("support cut", "market", "manager neglect", "competitor"):
        assert factor in labels
    assert "John" in labels and any("last owner" in t for t in labels)
    widths = browser.execute_script(
        "return [...document.querySelectorAll('#chart-attribution .caused_marks path, #chart-attribution .blamed_marks path')]"
        ".map(r => r.getBBox().width)")
    assert len(widths) >= 6 and max(widths) > 100
    csv = browser.execute_script("return exportCSV()").splitlines()
    assert csv[0] == "kind,name,lost_value_per_run" and any(r.startswith("shapley,support_cut,") for r in csv)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "workshop-causes-vs-blame.png"))


def test_the_important_client_run_by_run(browser, server):
    from selenium.webdriver.common.by import By

    open_page(browser, server, 1280, 800)
    choose(browser, "scenario", "caught_between")
    wait_for(lambda: browser.find_elements(By.ID, "tab-chart-client"), what="the client's tab (its orders name a client)")
    browser.find_element(By.ID, "tab-b").click()
    choose(browser, "b-variant", "keep_contact")
    wait_for(lambda: browser.execute_script("return state.last && state.panes.b.variant === 'keep_contact'"), what="B")
    click(browser, "tab-chart-client")
    wait_for(lambda: browser.find_elements(By.ID, "chart-client"), timeout=60, what="the client's histories")
    lines = browser.execute_script("return [document.querySelectorAll('#chart-client .client_a_marks path').length,"
                                   " document.querySelectorAll('#chart-client .client_b_marks path').length,"
                                   " document.querySelectorAll('#chart-client .left_a_marks path').length,"
                                   " document.querySelectorAll('#chart-client .left_b_marks path').length]")
    assert lines[0] == 30 and lines[1] == 30  # one history per replication in each pane
    assert lines[2] > lines[3]  # the no-contact order loses the client in more runs than keeping contact
    text = browser.find_element(By.ID, "chart-client").text
    assert f"A: left in {lines[2]} of 30 runs" in text and f"B: {lines[3]} of 30" in text
    assert browser.find_elements(By.CSS_SELECTOR, "#chart-client .event_order_marks line")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "workshop-important-client.png"))
    # Another scenario's orders name no client: no such tab.
    choose(browser, "scenario", "ann_vs_darren")
    wait_for(lambda: browser.execute_script("return state.last && state.scenario === 'ann_vs_darren' && "
                                            "document.getElementById('tab-chart-active_accounts') !== null"), what="ann")
    wait_for(lambda: not browser.find_elements(By.ID, "tab-chart-client"), what="no client tab")


def test_the_charts_are_the_vendored_library_and_nothing_comes_from_the_network(browser, server):
    """The charts are Vega-Lite specifications drawn by the Vega the server embeds (third_party/vega):
    every script and resource the page loads comes from the workshop server itself."""
    from selenium.webdriver.common.by import By

    open_page(browser, server, 1280, 800)
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#chart-area .line_a_marks path"), what="the chart")
    versions = browser.execute_script("return [vega.version, vegaLite.version]")
    assert versions == ["6.1.2", "6.3.0"]
    urls = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert any(u.endswith("/vendor/vega.min.js") for u in urls) and any(u.endswith("/charts.js") for u in urls)
    assert all(u.startswith(server) for u in urls), [u for u in urls if not u.startswith(server)]


def test_quick_lever_moves_leave_one_chart_of_the_newest_results(browser, server):
    """Charts are drawn asynchronously: moves faster than a draw leave one chart in the area, of
    the newest results, not a stack of them or an older one drawn last."""
    open_page(browser, server, 1280, 800)
    n = runs(browser)
    for v in ("0.2", "0.4", "0.6", "0.8", "0.3"):
        choose(browser, "a-hunt_share", v)
    wait_for(lambda: runs(browser) > n, what="a run after the moves")
    settled = -1
    while runs(browser) != settled:  # until no run has come in for a second and a half
        settled = runs(browser)
        time.sleep(1.5)
    assert browser.execute_script("const c = document.querySelectorAll('#chart-area .vchart');"
                                  "return c.length === 1 && +c[0].dataset.version === state.version")
    assert value_of(browser, "a-hunt_share") == "0.3"


def test_books_by_manager(browser, server):
    from selenium.webdriver.common.by import By

    open_page(browser, server, 1280, 800)
    wait_for(lambda: browser.find_elements(By.ID, "tab-chart-books"), what="the per-manager tab")
    click(browser, "tab-chart-books")
    wait_for(lambda: browser.find_elements(By.ID, "chart-books"), what="the per-manager lines")
    lines = browser.execute_script("return [...document.querySelectorAll('#chart-books .book_a_marks path, #chart-books .book_b_marks path')]"
                                   ".map(p => [p.parentNode.getAttribute('class').split(' ').pop(), p.getAttribute('aria-label')])")
    assert sorted(lines) == [["book_a_marks", "Ann"], ["book_a_marks", "Darren"], ["book_b_marks", "Ann"], ["book_b_marks", "Darren"]]
    # Darren hunting less (pane B, his lever alone) moves his book, not the team's lines as one.
    browser.find_element(By.ID, "tab-b").click()
    choose(browser, "b-who", "Darren")
    n = runs(browser)
    choose(browser, "b-hunt_share", "0.2")
    wait_for(lambda: runs(browser) > n, what="Darren hunting less")
    d = browser.execute_script("const g = (p, m) => document.querySelector(`#chart-books .book_${p}_marks path[aria-label='${m}']`)"
                               ".getAttribute('d'); return [g('a', 'Darren') !== g('b', 'Darren'), g('a', 'Ann'), g('b', 'Ann')]")
    assert d[0]
    csv = browser.execute_script("return exportCSV()").splitlines()
    assert csv[0] == "pane,manager,month,book_value_mean" and len(csv) == 1 + 2 * 2 * 60
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "workshop-books.png"))


def test_a_room_with_one_real_browser_and_29_scripted_trainees(browser, cli):
    """Part 5 of issue 20: the trainer's console and one trainee's page in Chromium, 29 more
    trainees scripted; four quarters, a rewind, and the debrief, seen on both pages. The story
    is what_the_firm_rewards with 30 managers (27 and 3 seniors), where promotion rewards new
    business, so the debrief has promotions to read."""
    from test_room import Stream, call, start_room, stop

    p, r = start_room(cli, ["what_the_firm_rewards", "--set", "managers.0.count=27", "--set", "organisation.positions.0=27",
                            "--replications", "20"])
    port, key, code = r["port"], r["key"], r["code"]
    streams = []
    try:
        base = f"http://127.0.0.1:{port}"
        console = browser.current_window_handle
        browser.set_window_size(1280, 800)
        iw, ih = browser.execute_script("return [innerWidth, innerHeight]")
        browser.set_window_size(2 * 1280 - iw, 2 * 800 - ih)
        browser.get(f"{base}/room?key={key}")
        wait_for(lambda: browser.execute_script("return !!document.getElementById('advance')"), what="the console")
        assert text_of(browser, "join-code") == code
        assert "code=" + code in text_of(browser, "join-url")
        assert browser.execute_script("const i = document.querySelector('#join img'); return i.complete && i.naturalWidth > 50")
        # The trainee's browser: joins from the address the QR code holds, claims peer-3, moves a lever.
        browser.switch_to.new_window("window")
        trainee = browser.current_window_handle
        browser.set_window_size(900, 1000)
        browser.get(f"{base}/room?code={code}")
        browser.execute_script("document.getElementById('name').value = 'Darren'")
        click(browser, "join-btn")
        wait_for(lambda: browser.execute_script("return document.querySelectorAll('.seats button').length") == 30,
                 what="the managers to choose from")
        browser.execute_script("[...document.querySelectorAll('.seats button')].find(b => b.dataset.m === 'm-3').click()")
        wait_for(lambda: browser.execute_script("return !!document.getElementById('hunt')"), what="the levers")
        browser.execute_script("const h = document.getElementById('hunt'); h.value = 0.85; h.dispatchEvent(new Event('input'))")
        click(browser, "ready")
        # 29 scripted trainees take the other managers.
        status, state = call(port, f"/room/state?key={key}")
        for i, m in enumerate(s["manager"] for s in state["seats"] if s["manager"] != "m-3"):
            s, j = call(port, "/room/join", {"code": code, "name": f"scripted {i}"})
            token = j["token"]
            assert call(port, "/room/claim", {"token": token, "manager": m})[0] == 200
            assert call(port, "/room/levers", {"token": token, "levers": {"hunt_share": 0.3 + 0.02 * i, "ready": True}})[0] == 200
            streams.append(Stream(port, f"token={token}"))
        seat = wait_for(lambda: next((s for s in call(port, f"/room/state?key={key}")[1]["seats"]
                                      if s["manager"] == "m-3" and s["ready"]), None), what="the browser's lever")
        assert seat["levers"]["hunt_share"] == 0.85 and seat["trainee"] == "Darren"

        def console_quarter():
            return browser.execute_script("const h = document.querySelector('.console h2:nth-of-type(1)');"
                                          "return [...document.querySelectorAll('.console h2')].map(x => x.textContent).join('|')")

        # The trainer plays four quarters: the clicker's key, then the button.
        browser.switch_to.window(console)
        for q in (1, 2, 3, 4):
            if q % 2:
                browser.find_element("tag name", "body").send_keys("n")
            else:
                click(browser, "advance")
            wait_for(lambda: f"Quarter {q} " in console_quarter(), timeout=60, what=f"quarter {q} on the console")
            for st in streams:
                st.wait(lambda s: s["quarter"] == q)
        # The console, above the fold at 1280x800: the advance button, the join code and the chart.
        for el in ("advance", "join-code", "chart"):
            bottom = browser.execute_script(f"return document.getElementById('{el}').getBoundingClientRect().bottom")
            assert bottom <= browser.execute_script("return innerHeight"), el
        assert browser.execute_script("return document.querySelectorAll('#chart .book_marks path').length") == 30
        assert "review" in text_of(browser, "log")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / "room-console.png"))
        # The trainee's page followed without a reload.
        browser.switch_to.window(trainee)
        wait_for(lambda: "Quarter 4 played" in text_of(browser, "quarter-note"), what="quarter 4 on the trainee's page")
        assert len(browser.find_elements("css selector", "#mine tr")) == 5  # a header and four quarters
        browser.save_screenshot(str(ARTIFACTS / "room-trainee.png"))
        # Rewind to quarter 2 and play it again; then the debrief.
        browser.switch_to.window(console)
        browser.execute_script("document.getElementById('rewind-to').value = '2'")
        click(browser, "rewind")
        wait_for(lambda: "Quarter 2 " in console_quarter(), what="the rewind")
        for q in (3, 4):
            click(browser, "advance")
            wait_for(lambda: f"Quarter {q} " in console_quarter(), timeout=60, what=f"the replayed quarter {q}")
        click(browser, "debrief-btn")
        wait_for(lambda: browser.execute_script("return !!document.getElementById('debrief')"), timeout=120, what="the debrief")
        text = text_of(browser, "debrief")
        assert "Darren" in text and "What the organisation rewarded" in text and "Attribution beside blame" in text
        # The year's review promoted some: the debrief says whom the rule rewarded.
        assert "Those promoted hunted" in text_of(browser, "rewarded")
        browser.execute_script("document.getElementById('rewarded-h').scrollIntoView()")
        browser.save_screenshot(str(ARTIFACTS / "room-debrief.png"))
        browser.switch_to.window(trainee)
        wait_for(lambda: browser.execute_script("return !!document.querySelector('#debrief tr.mine')"), what="the trainee's debrief")
        assert "Darren" in browser.execute_script("return document.querySelector('#debrief tr.mine').innerText")
        browser.close()
        browser.switch_to.window(console)
    finally:
        for st in streams:
            st.close()
        stop(p)
