"""The map in a real browser: a click on a district polygon chooses that district (issue 13)."""

from __future__ import annotations

import io
import math
import time

import numpy as np
import pytest
import shapely
from appcheck import open_tab
from PIL import Image

from heatneed import app_map, pipeline
from heatneed import app_support as support
from heatneed.config import default_params

pytestmark = pytest.mark.browser

HOLOSIIVSKYI = "UA80000000000126643"  # a large polygon, rank 4 in the embedded scenario (not the default choice)


def mercator_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def click_point(data: app_map.MapData, view, code: str, width: float, height: float) -> tuple[float, float]:
    """A pixel inside ``code``'s polygon, away from every circle, in a canvas of ``width`` × ``height``
    showing ``view`` (deck.gl: the view's centre at the canvas centre, 512·2^zoom px per world)."""
    world = 512 * 2 ** view.zoom

    def pixel(lon, lat):
        return (width / 2 + (lon - view.longitude) / 360 * world,
                height / 2 + (mercator_y(view.latitude) - mercator_y(lat)) / (2 * math.pi) * world)

    polygon = next(f for c, f in data.join.matched["feature"].items() if c == code).shape.buffer(-0.004)
    x0, y0, x1, y1 = polygon.bounds
    circles = [(pixel(p["lon"], p["lat"]), p["radius_px"]) for p in data.points]
    best, room = None, -1.0
    for lon in np.linspace(x0, x1, 25):
        for lat in np.linspace(y0, y1, 25):
            if not polygon.contains(shapely.Point(lon, lat)):
                continue
            x, y = pixel(lon, lat)
            gap = min(math.dist((x, y), c) - r for c, r in circles)
            if 20 < x < width - 20 and 20 < y < height - 20 and gap > room:
                best, room = (x, y), gap
    assert best is not None and room > 8, "no clear point inside the polygon"
    return best


def severity_pixels(page, timeout_s: float) -> int:
    """Pixels of the severity-5 fill (#7f0000 at alpha 200 over the grey backdrop ≈ (151, 51, 51)) on
    the map canvas, polled until deck.gl has drawn them. Streamlit's selection colours (its primary
    red for the chosen object, grey for the rest) do not count."""
    coloured, deadline = 0, time.monotonic() + timeout_s
    while coloured <= 2000 and time.monotonic() < deadline:
        try:
            shot = page.locator("[data-testid='stDeckGlJsonChart'] canvas").first.screenshot(timeout=5_000)
        except Exception:  # the chart is being replaced after a click: try again
            page.wait_for_timeout(250)
            continue
        pixels = np.asarray(Image.open(io.BytesIO(shot)).convert("RGB")).astype(int)
        r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
        coloured = int(((r > 120) & (r < 185) & (g < 75) & (b < 75)).sum())
        page.wait_for_timeout(250)
    return coloured


def test_clicking_a_polygon_chooses_its_district(page):
    inputs = pipeline.load_inputs()
    priority = pipeline.rank(inputs, default_params()).priority
    data = app_map.map_data(priority, inputs.districts, support.district_names(inputs.districts, "en"), "en")
    view = app_map.map_deck(data, height_px=560).initial_view_state

    open_tab(page, "Map")
    chart = page.locator("[data-testid='stDeckGlJsonChart']")
    chart.wait_for(timeout=60_000)
    assert severity_pixels(page, timeout_s=60) > 2000, "no severity-coloured polygons on the map canvas"

    canvas = page.locator("[data-testid='stDeckGlJsonChart'] canvas").first
    box = canvas.bounding_box()
    x, y = click_point(data, view, HOLOSIIVSKYI, box["width"], box["height"])
    canvas.hover(position={"x": x, "y": y}, force=True)  # deck.gl picks where the pointer is
    page.mouse.click(box["x"] + x, box["y"] + y)  # through deck.gl's view overlay, at the computed pixel
    page.get_by_text("Chosen on the map: Holosiivskyi / Голосіївський (rank 4)").wait_for(timeout=30_000)
    assert severity_pixels(page, timeout_s=30) > 2000  # the new chart starts unselected: colours are back
    assert page.blocked_hosts == []  # no basemap: the page asked for nothing beyond the app's server

    open_tab(page, "Priority list")
    page.get_by_role("heading", name="Holosiivskyi / Голосіївський — severity 4").wait_for(timeout=30_000)
    selector = page.locator("[data-testid='stSelectbox']").filter(has_text="District").first
    assert selector.locator("input").first.input_value() == "4. Holosiivskyi / Голосіївський"
