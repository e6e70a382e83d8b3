"""The app in a real browser (Debian chromium via Playwright) against ``streamlit run app.py``.

For what AppTest cannot see: the real download, the map drawn on a canvas without basemap tiles,
and an upload through the browser (multipart POST with Streamlit's XSRF protection on).
"""

from __future__ import annotations

import io
import re
import time

import numpy as np
import pandas as pd
import pytest
from appcheck import open_tab, wait_idle
from PIL import Image

from heatneed.pipeline import PRIORITY_COLUMNS

pytestmark = pytest.mark.browser


def test_download_in_the_browser_gives_the_cli_file(page, cli, tmp_path):
    assert cli("rank", "--out", tmp_path / "cli.csv").returncode == 0
    cli_csv = (tmp_path / "cli.csv").read_bytes()
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="Download priority list (CSV)").click()
    download = info.value
    assert re.fullmatch(r"heatneed-priority_2026-02-01T0000Z_[0-9a-f]{8}\.csv", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    data = path.read_bytes()
    table = pd.read_csv(io.BytesIO(data))
    assert list(table.columns) == PRIORITY_COLUMNS
    expected = pd.read_csv(io.BytesIO(cli_csv))
    assert table.iloc[0].to_dict() == expected.iloc[0].to_dict()
    assert table.loc[0, "rank"] == 1 and table.loc[0, "district_name"] == "Desnianskyi"
    assert data == cli_csv


def test_map_draws_districts_without_basemap_tiles(page):
    open_tab(page, "Map")
    chart = page.locator("[data-testid='stDeckGlJsonChart']")
    chart.wait_for(timeout=60_000)
    canvas = chart.locator("canvas").first
    canvas.wait_for(timeout=60_000)
    reds, deadline = 0, time.monotonic() + 60
    while reds <= 500 and time.monotonic() < deadline:  # deck.gl draws once its layers load: poll
        pixels = np.asarray(Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")).astype(int)
        r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
        reds = int(((r > 110) & (g < 90) & (b < 90)).sum())  # severity 4–5 markers
        page.wait_for_timeout(250)
    assert reds > 500, "no severity-coloured polygons on the map canvas"
    assert page.blocked_hosts == [], "the map asked for something beyond the app's server (a basemap?)"


def test_bad_upload_in_the_browser_shows_the_problem_and_keeps_the_list(page):
    residents = page.get_by_text("119,606").first  # key figure of the embedded scenario
    residents.wait_for(timeout=60_000)
    open_tab(page, "Inputs")
    bad = b"district_code;reported_at;unheated_buildings\nUA80000000000624772;2026-02-01;-5\n"
    page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(
        files=[{"name": "unheated_today.csv", "mimeType": "text/csv", "buffer": bad}])
    page.get_by_text("unheated_today.csv, row 2, column unheated_buildings: must be ≥ 0").wait_for(timeout=90_000)
    wait_idle(page)
    page.get_by_text("In use: embedded scenario (kyiv-2026-02)").first.wait_for(timeout=60_000)
    residents.wait_for(timeout=60_000)  # the ranking shown is still the scenario's
    assert page.get_by_text("Traceback").count() == 0
