"""The map (``heatneed.app_map``): layers, colours by severity, circle sizes, tooltips, selection,
for the 10 Kyiv districts and 1,469 hromadas."""

from __future__ import annotations

import json
import math
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from heatneed import app_map, pipeline
from heatneed import app_support as support
from heatneed.config import default_params

ROOT = Path(__file__).resolve().parents[2]
PECHERSKYI = "UA80000000000624772"
DESNIANSKYI = "UA80000000000336424"
RAW_FLOAT = re.compile(r"\d\.\d{3,}")


def rgb(severity: int) -> list[int]:
    colour = support.SEVERITY_COLOURS[severity]
    return [int(colour[i:i + 2], 16) for i in (1, 3, 5)] + [app_map.POLYGON_ALPHA]


@pytest.fixture(scope="module")
def kyiv():
    inputs = pipeline.load_inputs()
    return inputs, pipeline.rank(inputs, default_params()).priority


@pytest.fixture(scope="module")
def hromadas(kyiv):
    """The shipped hromada registry with a SYNTHETIC population and list (tests only: heatneed ships
    no hromada population), severities 0–5 and residents drawn with a fixed seed."""
    registry = pd.read_csv(ROOT / "data" / "registries" / "ukraine_hromadas.csv").set_index("district_code")
    rng = np.random.default_rng(13)
    n = len(registry)
    severity = rng.integers(0, 6, n)
    labels = dict(zip(kyiv[1]["severity"], kyiv[1]["severity_label"]))
    priority = pd.DataFrame({"district_code": registry.index, "rank": np.arange(1, n + 1), "severity": severity,
                             "severity_label": [labels.get(s, "") for s in severity],
                             "residents_unheated": np.where(rng.random(n) < 0.2, 0, rng.integers(1, 60_000, n))})
    return registry, priority


def layers_of(deck) -> dict:
    return {layer["id"]: layer for layer in json.loads(deck.to_json())["layers"]}


def test_kyiv_polygons_are_coloured_by_severity_and_circles_sized_by_residents(kyiv):
    inputs, priority = kyiv
    data = app_map.map_data(priority, inputs.districts, support.district_names(inputs.districts, "en"), "en")
    layers = layers_of(app_map.map_deck(data))
    assert list(layers) == ["backdrop", "district_polygons", "districts", "names"]
    severity = priority.set_index("district_code")["severity"]
    residents = priority.set_index("district_code")["residents_unheated"]
    polygons = layers["district_polygons"]["data"]
    assert {p["district_code"] for p in polygons} == set(inputs.districts.index)
    for p in polygons:
        assert p["colour"] == rgb(int(severity[p["district_code"]]))
    circles = {p["district_code"]: p for p in layers["districts"]["data"]}
    assert set(circles) == set(residents[residents > 0].index)  # none where nobody is without heat
    assert PECHERSKYI not in circles and residents[PECHERSKYI] == 0
    assert circles[DESNIANSKYI]["radius_px"] == pytest.approx(6 + 0.12 * math.sqrt(27_601), abs=0.01)
    assert all(c["fill"] == app_map.RING_FILL for c in circles.values())  # rings on polygons
    radii = [c["radius_px"] for c in layers["districts"]["data"]]
    assert radii == sorted(radii, reverse=True)  # small circles on top, clickable
    assert not data.join.unmatched


def test_the_map_needs_no_network_and_its_json_is_compact(kyiv):
    inputs, priority = kyiv
    data = app_map.map_data(priority, inputs.districts, support.district_names(inputs.districts, "uk"), "uk")
    deck = app_map.map_deck(data)
    text = deck.to_json()
    spec = json.loads(text)
    assert spec["mapStyle"] == "__MAP_STYLE__" and "mapProvider" not in spec  # pydeck's "no basemap"
    layers = {layer["id"]: layer for layer in spec["layers"]}
    assert layers["districts"]["radiusUnits"] == "pixels"  # a literal, not an expression on the data
    assert layers["names"]["characterSet"] == "auto"  # Cyrillic names need the automatic glyph set
    assert "url" not in json.dumps(spec["layers"]).lower()
    assert "\n " not in text and "Деснянський" in text  # no indentation, Cyrillic as is
    assert deck.to_json() is text  # made once per deck
    # the backdrop near Kyiv only: Kyiv city and the oblasts around it, not all 27
    assert 2 <= len({json.dumps(p["polygon"][0][:1]) for p in layers["backdrop"]["data"]}) < 27


def test_the_view_frames_every_polygon(kyiv):
    inputs, priority = kyiv
    data = app_map.map_data(priority, inputs.districts, support.district_names(inputs.districts, "en"), "en")
    view = app_map.map_deck(data, 900, 560).initial_view_state
    half_width_deg = 900 / 2 * 360 / (512 * 2 ** view.zoom)
    assert (data.bounds["lon"] - view.longitude).abs().max() < half_width_deg
    assert data.bounds["lon"].min() < 30.3 and data.bounds["lon"].max() > 30.8  # polygons, not just centroids


def test_tooltips_carry_localised_numbers_and_no_raw_floats(kyiv):
    inputs, priority = kyiv
    for lang, expected in (("en", "27,601"), ("uk", "27\u00a0601")):
        data = app_map.map_data(priority, inputs.districts, support.district_names(inputs.districts, lang), lang)
        tip = data.districts.set_index("district_code").at[DESNIANSKYI, "tooltip"]
        assert tip.startswith("1. ") and f"{expected} " in tip
        assert not any(RAW_FLOAT.search(t) for t in data.districts["tooltip"])
    assert "мешканців без тепла" in tip and "Деснянський" in tip


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=0, max_value=10**9))
def test_whole_numbers_are_formatted_as_babel_formats_them(value):
    for lang, locale in (("en", "en_GB"), ("uk", "uk_UA")):
        assert app_map.integers([value], lang) == [format_decimal(value, format="#,##0", locale=locale)]


def test_a_district_without_a_boundary_is_a_filled_point_and_reported(kyiv):
    inputs, priority = kyiv
    districts = inputs.districts.copy()
    extra = districts.loc[[PECHERSKYI]].rename(index={PECHERSKYI: "MY-NEW-1"})
    districts = pd.concat([districts, extra])
    listed = pd.concat([priority, priority[priority["district_code"] == PECHERSKYI].assign(
        district_code="MY-NEW-1", rank=11, severity=3)])
    data = app_map.map_data(listed, districts, support.district_names(districts, "en"), "en")
    assert data.join.unmatched == ("MY-NEW-1",)
    point = next(p for p in data.points if p["district_code"] == "MY-NEW-1")
    assert point["fill"] == rgb(3) and point["radius_px"] == 6.0  # drawn although nobody is without heat
    assert point["tooltip"].endswith("(no boundary: shown as a point)")
    assert "MY-NEW-1" not in {p["district_code"] for p in data.polygons}


def test_1469_hromadas_build_fast_with_polygons_coloured_by_severity(hromadas):
    registry, priority = hromadas
    names = registry["district_name_uk"]
    start = time.perf_counter()
    data, deck = app_map.cached_deck(priority, registry, names, "uk")
    text = deck.to_json()
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0, elapsed  # about 0.2 s alone on a 2-core machine (README); generous when shared
    layers = {layer["id"]: layer for layer in json.loads(text)["layers"]}
    assert list(layers) == ["backdrop", "district_polygons", "districts"]  # no names for 1,469 districts
    assert len(layers["backdrop"]["data"]) >= 27
    polygons = layers["district_polygons"]["data"]
    assert len({p["district_code"] for p in polygons}) == 1443 and len(polygons) >= 1443
    severity = priority.set_index("district_code")["severity"]
    assert all(p["colour"] == rgb(int(severity[p["district_code"]])) for p in polygons)
    residents = priority.set_index("district_code")["residents_unheated"]
    unmatched = set(data.join.unmatched)
    located = set(registry.index[registry["lat"].notna()])
    expected = (set(residents[residents > 0].index) - unmatched) | (unmatched & located)
    assert {p["district_code"] for p in layers["districts"]["data"]} == expected
    assert len(text) < 5_000_000
    # the same content again: the same deck, nothing rebuilt
    again = app_map.cached_deck(priority.copy(), registry.copy(), names.copy(), "uk")
    assert again[1] is deck
    changed = app_map.cached_deck(priority.assign(severity=5), registry, names, "uk")
    assert changed[1] is not deck


def test_a_click_on_a_polygon_or_a_circle_names_its_district():
    assert app_map.selected_code({"indices": {"district_polygons": [3]},
                                  "objects": {"district_polygons": [{"district_code": DESNIANSKYI, "polygon": []}]}}) \
        == DESNIANSKYI
    assert app_map.selected_code({"objects": {"districts": [{"district_code": PECHERSKYI}]}}) == PECHERSKYI
    assert app_map.selected_code({"objects": {"backdrop": [{"polygon": []}]}}) is None
    assert app_map.selected_code({"indices": {}, "objects": {}}) is None
    assert app_map.selected_code(None) is None


def test_the_size_legend_draws_the_map_radii_with_localised_labels():
    from lxml import etree

    svg = etree.fromstring(app_map.size_legend_svg("uk").encode())
    ns = {"s": "http://www.w3.org/2000/svg"}
    circles = svg.findall("s:circle", ns)
    radii = support.marker_radius_px(app_map.SIZE_LEGEND_RESIDENTS)
    assert [float(c.get("r")) for c in circles] == pytest.approx([*radii, 6.0], abs=0.05)
    texts = [t.text for t in svg.findall("s:text", ns)]
    assert texts == ["Розмір кола: мешканці неопалюваних будинків", "1\u00a0000", "10\u00a0000", "100\u00a0000",
                     "(немає меж: показано точкою)"]
    assert circles[-1].get("fill") == support.SEVERITY_COLOURS[3]  # the point of a district without polygon
    bottom = max(float(c.get("cy")) + float(c.get("r")) for c in circles)
    assert bottom <= float(svg.get("height"))  # nothing clipped


def test_an_empty_list_gives_an_empty_map_without_error(kyiv):
    inputs, priority = kyiv
    data, deck = app_map.cached_deck(priority.iloc[:0], inputs.districts, support.district_names(inputs.districts, "en"),
                                     "en")
    assert data.polygons == [] and data.points == [] and data.bounds.empty
    layers = layers_of(deck)
    assert layers["district_polygons"]["data"] == [] and layers["districts"]["data"] == []


def test_the_colour_legend_has_every_severity_in_the_map_colours(kyiv):
    from lxml import etree

    svg = etree.fromstring(app_map.severity_legend_svg(default_params().labels(), "uk").encode())
    ns = {"s": "http://www.w3.org/2000/svg"}
    fills = [r.get("fill") for r in svg.findall("s:rect", ns)]
    assert fills == [support.SEVERITY_COLOURS[k] for k in (5, 4, 3, 2, 1, 0)]
    texts = [t.text for t in svg.findall("s:text", ns)]
    assert texts[0] == "Колір заливки: тяжкість" and texts[-1].startswith("0 не оцінено")
    assert texts[1].startswith("5 ") and "мешканців" in texts[1]  # the label in Ukrainian


def test_a_list_from_another_registry_still_gets_its_polygons_by_code(kyiv, hromadas):
    inputs, _ = kyiv  # the app's registry is Kyiv's; the list (e.g. published) is of hromadas
    _, priority = hromadas
    listed = priority.iloc[:30].assign(district_name=[f"H{i}" for i in range(30)])
    listed = pd.concat([listed, listed.iloc[:1].assign(district_code="ZZ-NOWHERE", district_name="Nowhere")])
    data = app_map.map_data(listed, inputs.districts, support.district_names(inputs.districts, "en"), "en")
    with_polygon = set(data.join.matched.index)
    assert len(data.districts) == 31 and len(with_polygon) >= 28  # 30 hromadas, a few of them without polygon
    assert {p["district_code"] for p in data.polygons} == with_polygon
    assert data.missing == [c for c in listed["district_code"] if c not in with_polygon]  # no coordinates either
    assert "ZZ-NOWHERE" in data.missing
    assert all(p["district_code"] in with_polygon for p in data.points)  # no coordinates: rings only
    names = data.districts.set_index("district_code")["name"]
    assert names[listed["district_code"].iloc[0]] == "H0"  # the list's own name
