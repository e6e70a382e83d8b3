"""Speed (issue 13): what a rerun no longer recomputes, and that nothing shown changes because of it.

The timings themselves are measured by ``benchmarks/bench_app.py`` (README: Speed), not asserted
here: on a shared machine they move with the load.
"""

from __future__ import annotations

import dataclasses
import gc
import io
import json

import pandas as pd
import pytest

from heatneed import app_support as support
from heatneed import i18n, pipeline
from heatneed.config import default_params
from heatneed.export import priority_bytes
from heatneed.ui import state


class Owner:
    """Stands in for a cached object (``RankResult``, ``Inputs``): weak-referenceable."""


def test_derived_computes_once_per_object_and_name_and_forgets_a_collected_object():
    calls = []

    def make(x):
        calls.append(x)
        return x * 2

    a, b = Owner(), Owner()
    assert state.derived(a, "double", make, 3) == 6
    assert state.derived(a, "double", make, 99) == 6  # the same object and name: the value kept
    assert state.derived(a, "double_99", make, 99) == 198  # another name: computed
    assert state.derived(b, "double", make, 4) == 8  # another object: computed
    assert calls == [3, 99, 4]
    key = id(a)
    assert key in state._DERIVED
    del a
    gc.collect()
    assert key not in state._DERIVED  # dropped with its object, before the id can be reused


@pytest.fixture(scope="module")
def kyiv():
    return pipeline.rank(pipeline.load_inputs(), default_params(), sensitivity=True)


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_name_labels_are_both_names_of_every_district(kyiv, lang):
    districts = kyiv.inputs.districts
    labels = support.name_labels(districts, lang)
    assert len(labels) == 10
    for code in districts.index:
        first = support.district_names(districts, lang)[code]
        second = support.district_names(districts, "en" if lang == "uk" else "uk")[code]
        assert labels[code] == (first if first == second else f"{first} / {second}")
    assert labels["UA80000000000624772"] == ("Pecherskyi / Печерський" if lang == "en" else "Печерський / Pecherskyi")


def test_name_labels_without_ukrainian_names_are_the_names_alone(kyiv):
    districts = kyiv.inputs.districts.drop(columns="district_name_uk")
    assert (support.name_labels(districts, "uk") == districts["district_name"]).all()


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_priority_view_translates_each_row_as_its_own_label(kyiv, lang):
    from heatneed import i18n

    names = support.district_names(kyiv.inputs.districts, lang)
    view = support.priority_view(kyiv.priority, names, lang)
    rows = kyiv.priority.set_index("district_code")
    assert list(view.index) == list(kyiv.priority["district_code"])
    for code in view.index:
        assert view.at[code, "district"] == names[code]
        assert view.at[code, "severity_label"] == i18n.severity_label(rows.at[code, "severity_label"], lang)
        assert view.at[code, "main_driver"] == i18n.driver(rows.at[code, "main_driver"] or "", lang)
        assert view.at[code, "outage_status"] == i18n.outage_status(rows.at[code, "outage_status"], lang)
        assert view.at[code, "completeness"] == i18n.completeness(rows.at[code, "completeness"] or "", lang)


def test_priority_view_names_a_district_missing_from_the_names_by_its_listed_name(kyiv):
    names = support.district_names(kyiv.inputs.districts, "en").drop("UA80000000000624772")
    view = support.priority_view(kyiv.priority, names, "en")
    assert view.at["UA80000000000624772", "district"] == "Pecherskyi"


def test_listing_downloads_are_made_once_on_first_use_from_the_list_alone(kyiv):
    listing = support.model_listing(kyiv)
    assert "csv" not in vars(listing.files) and "hxl" not in vars(listing.files)  # nothing made yet
    assert listing.hxl is listing.hxl and listing.csv is listing.csv
    assert listing.csv == priority_bytes(kyiv.priority, "csv")
    assert listing.hxl.splitlines()[1].startswith(b"#")  # the HXL hashtag row
    assert {f.name for f in dataclasses.fields(listing.files)} == {"priority", "published_csv"}  # no ranking


def test_map_and_needs_tabs_run_only_while_open(app):
    from appcheck import priority_table

    at = app()
    assert not at.exception
    assert not at.get("deck_gl_json_chart")  # the map tab is closed
    assert not any("shortfall_median" in f.value.columns for f in at.dataframe)  # so is the needs tab
    assert len(priority_table(at)) == 10  # the list tab is open
    at = app(tab="Map")
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    from heatneed.app_map import POLYGON_LAYER

    assert len(next(layer for layer in deck["layers"] if layer["id"] == POLYGON_LAYER)["data"]) == 10
    at = app(tab="Needs")
    table = next(f.value for f in at.dataframe if "shortfall_median" in f.value.columns)
    assert table.iloc[-1]["district_code"] == "TOTAL"


def test_a_rerank_shows_the_new_listing_not_a_kept_one(app):
    """``derived`` is keyed by the ranking: a new τ gives a new list and new bytes."""
    from appcheck import downloaded, priority_table

    at = app()
    before = downloaded(at, "download_csv", deferred=True)
    hxl_before = downloaded(at, "download_hxl", deferred=True)
    hours = priority_table(at)["hours_to_12c"].copy()
    at = at.number_input(key="set_tau_hours").set_value(120.0).run()
    assert not at.exception
    after = downloaded(at, "download_csv").content
    assert after != before.content
    expected = pipeline.rank(pipeline.load_inputs(), default_params().replace(tau_hours=120.0)).priority
    assert after == priority_bytes(expected, "csv")
    hxl_after = downloaded(at, "download_hxl")
    assert hxl_after.content == priority_bytes(expected, "csv", hxl=True) != hxl_before.content
    # the names carry the settings' digest: a new τ, a new name (the same data time)
    assert downloaded(at, "download_csv").filename != before.filename
    assert hxl_after.filename != hxl_before.filename and hxl_after.filename.endswith("_hxl.csv")
    later = priority_table(at)["hours_to_12c"]
    exposed = hours.notna() & (hours > 0)
    assert (later[exposed] >= hours[exposed]).all() and (later[exposed] > hours[exposed]).any()  # slower cooling
    assert pd.read_csv(io.BytesIO(after))["hours_to_12c"].notna().any()


def test_the_open_tab_stays_open_when_the_language_changes(app):
    at = app(tab="Map")
    assert len(at.get("deck_gl_json_chart")) == 1
    at = at.radio(key="lang").set_value("uk").run()
    assert not at.exception
    assert at.session_state["tab"] == i18n.text("tab_map", "uk")
    assert len(at.get("deck_gl_json_chart")) == 1  # still the map, now in Ukrainian


# --------------------------------------------------------------------------- long lists

@pytest.fixture(scope="module")
def country(tmp_path_factory):
    """A synthetic list of 130 hromadas (the benchmarks' inputs) as the uploads a session starts with."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from bench_rank import write_scenario

    paths = write_scenario(tmp_path_factory.mktemp("country"), 130, 24, 3)
    return {role: support.Upload.of(role, path.name, path.read_bytes()) for role, path in paths.items()}


def test_a_long_list_shows_its_first_rows_and_all_on_request(app, country):
    """[app] table_rows (100): the table shows the first 100 of 130 rows, said in a caption; "All
    districts" shows every row; the download and the district selector always hold all 130."""
    from appcheck import captions, downloaded, priority_table

    at = app(sources=dict(country))
    assert not at.exception
    table = priority_table(at)
    download = pd.read_csv(io.BytesIO(downloaded(at, "download_csv", deferred=True).content))
    assert len(download) == 130
    assert list(table.index) == list(download["district_code"][:100])  # the first 100, in list order
    assert "Showing the first 100 of 130 districts, highest risk first." in " ".join(captions(at))
    assert len(at.selectbox(key="district").options) == 130
    last = download["district_code"].iloc[-1]
    at = at.selectbox(key="district").set_value(last).run()  # a district beyond the table's rows
    assert not at.exception
    assert at.selectbox(key="district").value == last
    at = at.toggle(key="table_all").set_value(True).run()
    assert not at.exception
    assert list(priority_table(at).index) == list(download["district_code"])
    assert not any(c.startswith("Showing the first") for c in captions(at))
    at = at.number_input(key="set_tau_hours").set_value(70.0).run()  # a re-rank keeps the choice
    assert len(priority_table(at)) == 130


def test_a_short_list_has_no_row_switch(app):
    at = app()
    assert not at.toggle  # 10 districts: every row shown, nothing to switch

