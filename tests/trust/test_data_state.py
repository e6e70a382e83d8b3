"""Issue 11, class 7: the data state travels with the list - which inputs are the embedded,
illustrative scenario and whether the forecast is older than ``stale_after_hours`` - in the
``data_state`` column (last), the CLI's stderr, the manifest and the app."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from heatneed import app_support, cli, pipeline
from heatneed.config import default_params
from heatneed.datastate import DataState, data_state

SCENARIO = pipeline.EMBEDDED_SCENARIO
ISSUED = pd.Timestamp("2026-02-01T00:00:00Z")
ALL = "embedded: districts, unheated, outages, forecast"


@pytest.fixture(scope="module")
def embedded_inputs():
    return pipeline.load_inputs()


@pytest.fixture(scope="module")
def real_copy(tmp_path_factory) -> Path:
    """The scenario's files copied elsewhere: heatneed cannot tell them from real data."""
    folder = tmp_path_factory.mktemp("city")
    for name in ("districts.csv", "unheated.csv", "outages.csv", "forecast.csv"):
        shutil.copy(SCENARIO / name, folder / name)
    return folder


@pytest.mark.parametrize(("age_h", "label"), [(6, ALL), (24, ALL), (24.5, ALL + "; stale"),
                                               (24 * 300, ALL + "; stale")])
def test_embedded_inputs_are_named_and_age_decides_stale(embedded_inputs, age_h, label):
    result = pipeline.rank(embedded_inputs, default_params(), now=ISSUED + pd.Timedelta(hours=age_h))
    assert result.priority.columns[-1] == "data_state"
    assert set(result.priority["data_state"]) == {label}
    assert result.data_state.age_hours == pytest.approx(age_h)
    assert result.stale is label.endswith("stale")


def test_real_inputs_say_real_or_stale(real_copy):
    inputs = pipeline.load_inputs(scenario=real_copy)
    assert inputs.embedded == ()
    fresh = pipeline.rank(inputs, default_params(), now=ISSUED + pd.Timedelta(hours=2))
    assert set(fresh.priority["data_state"]) == {"real"}
    ten_months = ISSUED + pd.DateOffset(months=10)
    old = pipeline.rank(inputs, default_params(), now=ten_months)
    assert set(old.priority["data_state"]) == {"stale"}
    assert old.data_state.age_hours == pytest.approx((ten_months - ISSUED) / pd.Timedelta(hours=1))
    assert "7272.0 h old" in old.data_state.describe()  # never "0.0 h old"
    # the threshold is a setting
    lenient = pipeline.rank(inputs, default_params(), now=ten_months, stale_after_hours=1e6)
    assert set(lenient.priority["data_state"]) == {"real"}


def test_one_embedded_input_is_enough_to_say_so(real_copy):
    inputs = pipeline.load_inputs(unheated=real_copy / "unheated.csv", districts=real_copy / "districts.csv",
                                  forecast=real_copy / "forecast.csv")
    assert inputs.embedded == ("outages",)
    result = pipeline.rank(inputs, default_params(), now=ISSUED)
    assert set(result.priority["data_state"]) == {"embedded: outages"}


def test_unknown_issue_time_and_snapshots_are_stale():
    unknown = data_state((), {"issued_at": ""}, now=ISSUED, stale_after_hours=24)
    assert unknown.stale and unknown.age_hours is None and unknown.label() == "stale"
    assert "of unknown age" in unknown.describe()
    snap = data_state((), {"issued_at": "2026-02-01T00:00:00Z", "stale": True}, now=ISSUED, stale_after_hours=24)
    assert snap.stale and snap.age_hours == 0.0 and snap.label() == "stale"
    assert data_state(("forecast", "districts"), {"issued_at": "2026-02-01T00:00:00Z"}, now=ISSUED,
                      stale_after_hours=24).embedded == ("districts", "forecast")  # fixed order


def test_cli_says_it_on_stderr_and_in_the_csv(tmp_path, capsys):
    out = tmp_path / "p.csv"
    assert cli.main(["rank", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"WARNING: data state: {ALL}; stale (forecast issued 2026-02-01T00:00:00Z, " in err
    assert "ILLUSTRATIVE" in err and " 0.0 h old" not in err
    table = pd.read_csv(out, keep_default_na=False)
    assert table.columns[-1] == "data_state" and set(table["data_state"]) == {ALL + "; stale"}
    config = tmp_path / "c.toml"
    config.write_text("[forecast]\nstale_after_hours = 100000.0\n")
    assert cli.main(["rank", "--config", str(config), "--out", str(out)]) == 0
    assert set(pd.read_csv(out)["data_state"]) == {ALL}
    assert "stale" not in capsys.readouterr().err.split("data state:")[1].split("(")[0]


def test_refresh_manifest_carries_the_state(tmp_path, real_copy, capsys):
    out = tmp_path / "published"
    assert cli.main(["refresh", "--scenario", str(real_copy), "--forecast", str(real_copy / "forecast.csv"),
                     "--output-dir", str(out)]) == 0
    manifest = json.loads((out / "latest" / "manifest.json").read_text())
    state = manifest["data_state"]
    assert state["label"] == "stale" and state["embedded"] == [] and state["stale"] is True
    assert state["forecast_age_hours"] > 24 * 250 and state["stale_after_hours"] == 24.0
    published = pd.read_csv(out / "latest" / "priority.csv")
    assert set(published["data_state"]) == {"stale"}


def test_app_edits_of_the_embedded_reports_stay_illustrative(embedded_inputs):
    base = app_support.editable_reports(embedded_inputs)
    edited = base.copy()
    edited.iloc[0, edited.columns.get_loc("unheated_buildings")] = 1.0
    sources = app_support.edited_sources(embedded_inputs, {}, edited, pd.Timestamp("2026-02-01T07:00Z"))
    assert sources["unheated"].illustrative and sources["unheated"].edited
    inputs = app_support.load_sources(sources)
    assert inputs.embedded == ("districts", "unheated", "outages", "forecast")
    # an edit of a real upload is real
    real = {"unheated": app_support.Upload.of("unheated", "u.csv", (SCENARIO / "unheated.csv").read_bytes())}
    edited_real = app_support.edited_sources(app_support.load_sources(real), real, edited,
                                             pd.Timestamp("2026-02-01T07:00Z"))
    assert not edited_real["unheated"].illustrative
    assert app_support.load_sources(edited_real).embedded == ("districts", "outages", "forecast")


def test_app_header_lines_name_embedded_inputs_and_age():
    state = DataState(("districts", "forecast"), "2026-02-01T00:00:00Z", 7272.0, 24.0, False)
    warning, error, age = app_support.data_state_lines(state, "en")
    assert "ILLUSTRATIVE scenario: district registry, forecast" in warning
    assert "issued 7,272 h ago, older than the 24 h limit" in error and age == "7,272 h old"
    warning, error, age = app_support.data_state_lines(state, "uk")
    assert "реєстр районів, прогноз" in warning and "7\u00a0272 год" in error
    assert app_support.data_state_lines(DataState((), "x", 2.0, 24.0, False), "en") == (None, None, "2.0 h old")


def test_same_bytes_under_other_names_are_cached_apart():
    data = (SCENARIO / "unheated.csv").read_bytes()
    a = {"unheated": app_support.Upload.of("unheated", "www.first.example.csv", data)}
    b = {"unheated": app_support.Upload.of("unheated", "second.csv", data)}
    assert app_support.sources_key(a) != app_support.sources_key(b)
