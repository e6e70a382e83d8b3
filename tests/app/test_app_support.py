"""The app's helpers (heatneed.app_support, heatneed.i18n) without Streamlit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from heatneed import app_support as support
from heatneed import i18n, pipeline
from heatneed.config import model_params
from heatneed.errors import InputError
from heatneed.inputs import load_table

PECHERSKYI = "UA80000000000624772"
DESNIANSKYI = "UA80000000000336424"
NOW = pd.Timestamp("2026-02-01T09:30:00Z")


@pytest.fixture(scope="module")
def inputs():
    return pipeline.load_inputs()


@pytest.fixture(scope="module")
def result(inputs):
    return pipeline.rank(inputs, model_params(), sensitivity=True)


# --------------------------------------------------------------------------- inputs from uploads and edits

@pytest.mark.parametrize("name, shown", [
    ("C:\\Users\\ops\\Desktop\\unheated.csv", "unheated.csv"),
    ("../../etc/passwd", "passwd"),
    ("звіт\x00\n.csv", "звіт.csv"),
    ("", "upload"),
    ("a" * 200 + ".parquet", "a" * 72 + ".parquet"),
])
def test_upload_names_are_display_text_never_paths(name, shown):
    assert support.Upload.of("unheated", name, b"x").name == shown


def test_upload_key_changes_with_content_and_name():
    """Cached results carry the file name (forecast source, messages): same bytes under another
    name must not get the first session's results (issue 11)."""
    a = {"unheated": support.Upload.of("unheated", "a.csv", b"1")}
    b = {"unheated": support.Upload.of("unheated", "b.csv", b"1")}
    c = {"unheated": support.Upload.of("unheated", "a.csv", b"2")}
    a2 = {"unheated": support.Upload.of("unheated", "dir/a.csv", b"1")}  # the same name shown
    assert len({support.sources_key(x) for x in (a, b, c)}) == 3
    assert support.sources_key(a) == support.sources_key(a2)


def test_unedited_table_changes_nothing(inputs):
    table = support.editable_reports(inputs)
    assert support.edited_sources(inputs, {}, table.copy(), NOW) == {}


def test_edited_count_becomes_a_report_made_now(inputs):
    table = support.editable_reports(inputs)
    table.loc[PECHERSKYI, "unheated_buildings"] = 400.0
    sources = support.edited_sources(inputs, {}, table, NOW)
    assert set(sources) == {"unheated"}  # outage columns untouched: the outage file stays as it was
    reports = load_table(sources["unheated"].data, "unheated").set_index("district_code")
    assert reports.loc[PECHERSKYI, "unheated_buildings"] == 400
    assert reports.loc[PECHERSKYI, "reported_at"] == NOW
    original = inputs.unheated.loc[DESNIANSKYI]
    assert reports.loc[DESNIANSKYI, "reported_at"] == original["reported_at"]
    assert reports.loc[DESNIANSKYI, "unheated_since"] == original["unheated_since"]
    again = support.load_sources(sources)
    assert again.unheated.loc[PECHERSKYI, "unheated_buildings"] == 400


def test_status_set_to_none_clears_its_hours(inputs):
    table = support.editable_reports(inputs)
    table.loc[DESNIANSKYI, "outage_status"] = "none"
    sources = support.edited_sources(inputs, {}, table, NOW)
    outages = support.load_sources(sources).outages
    assert outages.loc[DESNIANSKYI, "status"] == "none"
    assert outages.loc[DESNIANSKYI, "hours_off_per_day"] == 0


def test_scheduled_without_hours_is_refused_by_the_input_rules(inputs):
    table = support.editable_reports(inputs)
    table.loc[DESNIANSKYI, "outage_status"] = "scheduled"  # emergency with no hours -> scheduled, no hours
    with pytest.raises(InputError, match="scheduled' needs hours_off_per_day"):
        support.load_sources(support.edited_sources(inputs, {}, table, NOW))


# --------------------------------------------------------------------------- settings, names, export

def test_every_setting_has_its_source_from_defaults_toml():
    sources = support.setting_sources()
    for field in support.SETTINGS:
        assert sources[field], field
    assert sources["tau_high_hours"] == sources["tau_low_hours"]  # one comment for the pair
    assert "VIVA" in sources["tau_hours"]


def test_setting_ranges_contain_the_defaults():
    params = model_params()
    for field, (low, high, _, _) in support.SETTINGS.items():
        assert low <= getattr(params, field) <= high, field


def test_cli_command_reproduces_settings():
    defaults = model_params()
    changed = defaults.replace(tau_hours=50.0, residents_per_building=200.0)
    text = support.cli_command(changed, defaults, {"unheated": support.Upload.of("unheated", "u.csv", b"")})
    assert text.splitlines() == ["# settings.toml", "[model]", "residents_per_building = 200.0", "",
                                 "python -m heatneed rank --unheated <u.csv> --tau-hours 50 --config settings.toml "
                                 "--out priority.csv"]


@pytest.mark.parametrize("issued, hxl, name", [
    ("2026-02-01T00:00:00Z", False, "heatneed-priority_2026-02-01T0000Z.csv"),
    ("2026-02-01T06:00:00+02:00", True, "heatneed-priority_2026-02-01T0400Z_hxl.csv"),
    ("2026-02-01 06:00", False, "heatneed-priority_2026-02-01T0600Z.csv"),
    ("", False, "heatneed-priority_unknown-issue-time.csv"),
    ("../../x", False, "heatneed-priority_unknown-issue-time.csv"),
])
def test_export_file_name_carries_the_issue_time(issued, hxl, name):
    assert support.export_file_name(issued, hxl) == name


def test_district_names_in_both_languages(inputs):
    assert support.district_names(inputs.districts, "uk")[PECHERSKYI] == "Печерський"
    assert support.both_names(inputs.districts, PECHERSKYI, "en") == "Pecherskyi / Печерський"
    assert support.both_names(inputs.districts, PECHERSKYI, "uk") == "Печерський / Pecherskyi"
    assert support.both_names(inputs.districts, "UA12", "uk", "Dnipro") == "Dnipro"  # not in the registry


def test_priority_view_translates_labels_only(result, inputs):
    view = support.priority_view(result.priority, support.district_names(inputs.districts, "uk"), "uk")
    assert list(view.index) == list(result.priority["district_code"])
    assert list(view["risk_score"]) == list(result.priority["risk_score"])
    assert view.loc[DESNIANSKYI, "outage_status"] == "аварійні"
    assert view.loc[DESNIANSKYI, "main_driver"] == "кількість людей"


def test_severity_cells_are_coloured_by_class():
    class Config:  # st.column_config's MultiselectColumn, recorded
        @staticmethod
        def MultiselectColumn(label, **kw):  # noqa: N802
            return label, kw

    label, kw = support.severity_column(Config, "Severity")
    colour = dict(zip(kw["options"], kw["color"]))
    assert colour["5"] == "#7f0000" and colour["1"] == "#f7e9a0" and colour["0"] == "#bdbdbd"
    view = support.severity_badges(pd.DataFrame({"severity": [5, 1]}))
    assert view["severity"].tolist() == [["5"], ["1"]]


# --------------------------------------------------------------------------- key figures and detail

def test_key_figures_of_the_scenario(result):
    kf = support.key_figures(result.priority, result.forecast)
    assert kf.residents_unheated == int(result.priority["residents_unheated"].sum())
    assert kf.severe_districts == int((result.priority["severity"] >= 4).sum())
    coldest = result.forecast["temp_c"].median("member")
    assert kf.coldest_c == pytest.approx(float(coldest.min()))
    assert float(coldest.sel(district=kf.coldest_district, time=kf.coldest_time)) == kf.coldest_c
    exposed = result.priority[result.priority["residents_unheated"] > 0]
    assert kf.earliest_hours == exposed["hours_to_12c"].min()
    assert kf.earliest_time == pd.Timestamp(result.forecast["time"].values[0]) + pd.Timedelta(hours=kf.earliest_hours)


def test_key_figures_ignore_districts_without_unheated_homes(result):
    priority = result.priority.assign(residents_unheated=0)
    kf = support.key_figures(priority)
    assert kf.earliest_hours is None and kf.residents_unheated == 0
    assert kf.coldest_time is None and kf.coldest_c == result.priority["min_temp_c"].min()


def test_local_time_is_kyiv_time():
    assert support.local_time("2026-02-01T04:00:00Z") == "01.02 06:00"
    assert support.local_time(pd.Timestamp("2026-07-01 04:00")) == "01.07 07:00"  # summer time
    assert support.local_time("") == "" and support.local_time(None) == ""


def test_district_series_match_the_pipeline(result):
    code = result.priority["district_code"][0]
    series = support.district_detail(result, code).series
    indoor = result.indoor_c.sel(district=code)
    np.testing.assert_allclose(series["indoor_c"].to_numpy(), indoor.median("member").values, rtol=1e-6)
    detail = result.detail.loc[code]
    assert series["indoor_c_tau_low"].min() == pytest.approx(detail["min_indoor_c_tau_low"], abs=1e-4)
    assert series["indoor_c_tau_high"].min() == pytest.approx(detail["min_indoor_c_tau_high"], abs=1e-4)
    assert (series["indoor_c_p10"] <= series["indoor_c_p90"]).all()
    assert series["outdoor_c"].min() == pytest.approx(detail["min_temp_c"], abs=0.05)
    assert len(series) == result.forecast.sizes["time"] + 1  # indoor at every step boundary


@pytest.mark.parametrize("rank", [0, 4, 8])
def test_threshold_hours_match_the_pipeline(result, rank):
    code = result.priority["district_code"][rank]
    hours = support.district_detail(result, code).hours
    detail = result.detail.loc[code]
    p = result.params
    assert list(hours.index) == [p.minimal_c, p.moderate_c, p.very_high_c]
    for ours, theirs in (("median", "hours_to_12c"), ("p10", "hours_to_12c_p10"), ("p90", "hours_to_12c_p90"),
                         ("tau_low", "hours_to_12c_tau_low"), ("tau_high", "hours_to_12c_tau_high")):
        assert hours.at[p.moderate_c, ours] == pytest.approx(detail[theirs], nan_ok=True, abs=1e-6), ours
    assert hours.at[p.very_high_c, "median"] == pytest.approx(detail["hours_to_5c"], nan_ok=True, abs=1e-6)
    warmest_first = hours["median"].fillna(np.inf)
    assert warmest_first.is_monotonic_increasing  # 18 °C is reached before 12 °C before 5 °C


# --------------------------------------------------------------------------- map

def test_map_points_carry_severity_colour_and_residents_size(result, inputs):
    points = support.map_points(result.priority, inputs.districts,
                                support.district_names(inputs.districts, "en"), "en").set_index("district_code")
    assert len(points) == 10
    assert points.loc[DESNIANSKYI, "colour"] == [127, 0, 0, 220]
    assert points.loc[PECHERSKYI, "radius_px"] == 6.0
    assert support.marker_radius_px([0, 2500, 1e9]).tolist() == [6.0, 12.0, 48.0]


def test_map_view_shows_every_point(result, inputs):
    points = support.map_points(result.priority, inputs.districts,
                                support.district_names(inputs.districts, "en"), "en")
    view = support.view_state(points)
    half_width_deg = 900 / 2 * 360 / (512 * 2 ** view.zoom)
    assert (abs(points["lon"] - view.longitude) < half_width_deg).all()


def test_map_layers_need_no_network(result, inputs):
    import json

    points = support.map_points(result.priority, inputs.districts,
                                support.district_names(inputs.districts, "uk"), "uk")
    deck = json.loads(support.map_deck(points, "uk").to_json())
    markers, names = deck["layers"]
    assert markers["radiusUnits"] == "pixels"  # a literal, not an expression on the data
    assert names["characterSet"] == "auto"  # Cyrillic names need the automatic glyph set
    assert "url" not in json.dumps(deck["layers"]).lower()


# --------------------------------------------------------------------------- interface text

def test_every_catalogue_has_every_message_with_the_same_placeholders():
    english = i18n.catalogue("en")
    assert set(i18n.LANGUAGES) >= {"en", "uk"}
    for lang in i18n.LANGUAGES:
        other = i18n.catalogue(lang)
        for table in ("messages", "severity", "driver", "outage_status", "completeness", "completeness_item", "role",
                      "alerts"):
            assert set(other[table]) == set(english[table]), (lang, table)
            for key, message in english[table].items():
                assert other[table][key].strip(), (lang, table, key)
                assert i18n.placeholders(other[table][key]) == i18n.placeholders(message), (lang, table, key)


def test_completeness_is_written_from_its_codes_in_ukrainian():
    note = ("missing: outage status (assumed emergency, 24 h off), share_65plus (national 18.4% shown); "
            "residents estimated at 230 per building")
    assert i18n.completeness(note, "uk") == ("бракує: стану знеструмлення (прийнято аварійне, 24 год без світла), "
                                             "частки 65+ (показано національну 18.4%); "
                                             "мешканців оцінено в 230 на будинок")
    assert i18n.completeness("complete", "uk") == "повні"
    assert i18n.completeness(note, "en") == note
    assert i18n.completeness("a note no template knows", "uk") == "a note no template knows"


def test_severity_labels_are_written_from_their_level_template():
    label = "≥1,000 residents likely below 5 °C within 24 h, or ≥10,000 within 72 h"
    assert i18n.severity_label(label, "uk") == ("≥1,000 мешканців імовірно опиняться нижче 5 °C протягом 24 год, "
                                                "або ≥10,000 протягом 72 год")


def test_model_labels_are_translated(result):
    p = result.params
    for label in p.labels():
        assert i18n.severity_label(label, "uk") != label
    from heatneed.risk import DRIVERS

    for driver in DRIVERS.values():
        assert i18n.driver(driver, "uk") != driver
    assert i18n.completeness("missing: outage status (assumed emergency, 24 h off), warming_places (assumed none), "
                             "unheated_since (assumed long before the forecast)", "uk") == (
        "бракує: стану знеструмлення (прийнято аварійне, 24 год без світла), місць обігріву (прийнято, що немає), "
        "часу втрати тепла (прийнято: задовго до прогнозу)")


def test_chart_times_are_kyiv_wall_clock_whatever_the_viewer_zone():
    times = support.wall_clock(["2026-02-01T04:00:00", "2026-07-01T04:00:00"])
    assert times.tz is None
    assert list(times.strftime("%H:%M")) == ["06:00", "07:00"]


def test_headline_in_ukrainian(result, inputs):
    kf = support.key_figures(result.priority, result.forecast)
    names = support.district_names(inputs.districts, "uk")
    (label, value, _, _), _, (_, cold, cold_note, _), (_, earliest, where, _) = support.headline(kf, names, "uk", 72)
    assert (label, value) == ("Мешканців без тепла", "119 606")
    assert cold == "-28.2 °C" and cold_note == "03.02 06:00 · Дарницький"
    assert (earliest, where) == ("вже нижче", "Деснянський")
    kf.earliest_hours, kf.earliest_time = None, None
    assert support.headline(kf, names, "en", 72)[3][1] == "not within 72 h"
