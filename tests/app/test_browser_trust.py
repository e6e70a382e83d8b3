"""Data state and literal text in a real browser (Debian chromium via Playwright), issue 11.

The illustrative warning stays while ANY input is still the embedded scenario, also after a good
upload, and the downloaded CSV says so in its last column ``data_state``. Text from files (file
names, cells echoed in problem lines) never becomes a link.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
from appcheck import open_tab, wait_idle

from heatneed.pipeline import PRIORITY_COLUMNS

pytestmark = pytest.mark.browser

SCENARIO_UNHEATED = ("district_code,reported_at,unheated_buildings\n"
                     "UA80000000000624772,2026-02-01T06:00:00Z,40\n"
                     "UA80000000000875983,2026-02-01T06:00:00Z,25\n").encode()


def _upload(page, data: bytes, name: str) -> None:
    open_tab(page, "Inputs")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}])


def test_illustrative_warning_stays_after_an_upload_and_the_csv_says_so(page, tmp_path):
    warning = page.locator("[data-testid='stAlertContentWarning']").filter(has_text="ILLUSTRATIVE")
    warning.first.wait_for(timeout=60_000)
    _upload(page, SCENARIO_UNHEATED, "unheated_today.csv")
    page.get_by_text("In use: unheated_today.csv").first.wait_for(timeout=90_000)
    wait_idle(page)
    text = warning.first.inner_text()
    assert "district registry, power outages, forecast" in text  # still embedded: named
    assert "unheated buildings" not in text.split(":", 1)[-1].split(".")[0]  # the upload is real data
    page.get_by_text("STALE forecast: issued").first.wait_for(timeout=30_000)  # Feb 2026 forecast, > 24 h
    open_tab(page, "Priority list")
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="Download priority list (CSV)").click()
    path = tmp_path / "list.csv"
    info.value.save_as(path)
    table = pd.read_csv(io.BytesIO(path.read_bytes()), keep_default_na=False)
    assert list(table.columns) == PRIORITY_COLUMNS and table.columns[-1] == "data_state"
    assert set(table["data_state"]) == {"embedded: districts, outages, forecast; stale"}


def test_urls_names_and_addresses_from_files_never_become_links(page):
    hostile = ("district_code,reported_at,unheated_buildings\n"
               "https://evil.example/a,2026-02-01,3\n"
               "www.evil.example,2026-02-01,3\n"
               "someone@evil.example,2026-02-01,3\n").encode()
    _upload(page, hostile, "www.evil.example.csv")
    page.get_by_text("is not in the districts file").first.wait_for(timeout=90_000)
    wait_idle(page)
    alert = page.locator("[data-testid='stAlertContentError']").first
    shown = alert.inner_text()
    for needle in ("https://evil.example/a", "www.evil.example", "someone@evil.example", "www.evil.example.csv"):
        assert needle in shown  # shown, literally
    links = page.locator("a").evaluate_all("els => els.map(e => e.href)")
    assert not [h for h in links if "evil" in h], links
