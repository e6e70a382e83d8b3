"""The app in Ukrainian and English at 1366×768 (laptop) and 390×844 (phone), in Debian's chromium.

Writes the screenshots committed in ``docs/screenshots/`` (``<lang>-<width>x<height>.png``, the
priority list scrolled into view) and checks what they should show: the five key columns of the
list inside a phone's width, Ukrainian numbers and labels under ``?lang=uk``, the language kept on
reload and written to the address by the radio, and Streamlit's own uploader texts translated.
"""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from appcheck import open_tab, wait_idle
from PIL import Image

from heatneed import app_support as support
from heatneed import i18n

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
NBSP = "\u00a0"
#: English interface texts that must not be left on the Ukrainian page (visible text).
ENGLISH = ["Priority list", "Model settings", "Reset to defaults", "Forecast horizon", "Download priority list",
           "District detail", "Residents", "Severity", "Hours to", "Data as of", "Forecast issued", "Advanced",
           "About the model", "Coldest hour", "Upload", "per file", "Drag and drop", "Browse files"]
pytestmark = pytest.mark.browser


def open_app(browser, server, width: int, height: int, query: str = ""):
    """A fresh page (browser language English) on the app after its first run; loopback only."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_() if urlparse(route.request.url).hostname in
               {"127.0.0.1", "localhost"} else route.abort())
    page.goto(server + query)
    wait_idle(page)
    page.locator("[data-testid='stDataFrame'] canvas").first.wait_for(timeout=90_000)
    return context, page


def header_separators(canvas_png: bytes) -> list[int]:
    """x [px] of the vertical lines between the table's header cells, read from the drawn canvas
    (glide-data-grid draws the table on a canvas: its header cells are not elements)."""
    pixels = np.asarray(Image.open(io.BytesIO(canvas_png)).convert("RGB")).astype(int)
    band = pixels[4:30]  # inside the header row (35 px high), below its top border
    background = np.median(band.reshape(-1, 3), axis=0)
    uniform = (band == band[:1]).all(axis=(0, 2))
    darker = np.abs(band[0] - background).sum(axis=1) > 6
    return [int(x) for x in np.flatnonzero(uniform & darker)]


@pytest.mark.parametrize("lang, width, height", [("uk", 390, 844), ("en", 390, 844), ("uk", 1366, 768),
                                                  ("en", 1366, 768)])
def test_screenshots_and_key_columns_in_view(browser, server, lang, width, height):
    context, page = open_app(browser, server, width, height, "/?lang=uk" if lang == "uk" else "")
    try:
        table = page.locator("[data-testid='stDataFrame']").first
        table.scroll_into_view_if_needed()
        page.wait_for_timeout(500)  # the canvas redraws after the scroll
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{lang}-{width}x{height}.png"))
        # The first five headers are the key columns, with their short labels in this language.
        headers = page.locator("[data-testid='stDataFrame'] [role='columnheader']").all_inner_texts()
        key_labels = [i18n.text(short, lang) for short, _, _ in support.KEY_COLUMNS.values()]
        assert headers[:5] == key_labels
        # ... and all five end inside the viewport: the row selector's and their right borders are
        # drawn, left of the canvas's right edge, which is inside the window.
        canvas = table.locator("canvas").first
        box = canvas.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        lines = header_separators(canvas.screenshot())
        assert len(lines) >= 6 and lines[5] < box["width"] - 1, lines
        text = page.locator("[data-testid='stMain']").inner_text()
        if lang == "uk":
            assert f"119{NBSP}606" in text  # residents in unheated buildings: Babel's Ukrainian grouping
            assert "-28,2 °C" in text  # coldest hour: a decimal comma
            detail = page.locator("[data-testid='stDataFrame']").nth(1).locator("[role='gridcell']").all_inner_texts()
            assert any("," in cell and cell.lstrip("+").replace(",", "").replace(NBSP, "").isdigit()
                       for cell in detail), detail  # "why this rank" points, e.g. +2,3
            sidebar = page.locator("[data-testid='stSidebar']")
            visible = text + (sidebar.inner_text() if sidebar.is_visible() else "")
            left = [s for s in ENGLISH if s in visible.replace("Language · Мова", "")]
            assert not left, left
            # The key figures' labels wrap instead of ending in "…": nothing overflows its box.
            labels = page.evaluate("""() => [...document.querySelectorAll(
                "[data-testid='stMetricLabel'] [data-testid='stMarkdownContainer']")]
                .filter(e => e.offsetParent !== null).map(e => {
                    const text = document.createRange();  // the laid-out text, wider than its box when cut
                    text.selectNodeContents(e);
                    return [e.innerText, text.getBoundingClientRect().width - e.getBoundingClientRect().width];
                })""")
            assert [text for text, _ in labels][:4] == [i18n.text(k, "uk") for k in ("kf_residents", "kf_severe",
                                                                                    "kf_coldest", "kf_earliest")]
            assert all(overflow <= 0.01 for _, overflow in labels), labels  # no "…" (0.6 px was enough for one)
        else:
            assert "119,606" in text and "-28.2 °C" in text
    finally:
        context.close()


def test_lang_is_kept_on_reload_and_the_radio_writes_the_address(browser, server):
    context, page = open_app(browser, server, 1366, 768, "/?lang=uk")
    try:
        assert page.get_by_role("tab", name=i18n.text("tab_list", "uk")).is_visible()
        page.reload()
        wait_idle(page)
        page.get_by_role("tab", name=i18n.text("tab_list", "uk")).wait_for(timeout=60_000)
        assert parse_qs(urlparse(page.url).query)["lang"] == ["uk"]
        # Streamlit's own uploader texts, drawn in Ukrainian by the CSS (the original text is size 0).
        open_tab(page, i18n.text("tab_inputs", "uk"))
        zone = page.locator(".st-key-upload_unheated [data-testid='stFileUploaderDropzone']")
        zone.wait_for(timeout=30_000)
        after = zone.evaluate("""z => {
            const p = z.querySelector("button p");
            const s = z.querySelector("[data-testid='stFileUploaderDropzoneInstructions'] span");
            return [getComputedStyle(p).fontSize, getComputedStyle(p, '::after').content,
                    getComputedStyle(s).fontSize, getComputedStyle(s, '::after').content,
                    z.querySelector('button').getBoundingClientRect().width];
        }""")
        assert after[0] == after[2] == "0px"
        assert after[1] == '"Вибрати файл"'
        assert after[3].startswith('"До 100 МБ на файл • CSV') and after[4] > 60
        page.locator("[data-testid='stSidebar'] label").filter(has_text="English").click()
        wait_idle(page)
        page.get_by_role("tab", name=i18n.text("tab_list", "en")).wait_for(timeout=60_000)
        assert parse_qs(urlparse(page.url).query)["lang"] == ["en"]
    finally:
        context.close()
