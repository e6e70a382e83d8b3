"""The app's helpers (heatneed.app_support, heatneed.i18n) without Streamlit."""

from __future__ import annotations

import json

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
                                 "python -m heatneed rank --unheated u.csv --tau-hours 50 --config settings.toml "
                                 "--out priority.csv"]


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

    label, kw = support.severity_column(Config, lambda key: i18n.text(key, "uk"))
    assert (label, kw["help"], kw["width"]) == ("Рів.", "Тяжкість", 40)
    colour = dict(zip(kw["options"], kw["color"]))
    assert colour["5"] == "#7f0000" and colour["1"] == "#f7e9a0" and colour["0"] == "#bdbdbd"
    view = support.severity_badges(pd.DataFrame({"severity": [5, 1]}))
    assert view["severity"].tolist() == [["5"], ["1"]]


# --------------------------------------------------------------------------- key figures and detail

def test_key_figures_of_the_scenario(result):
    kf = support.key_figures(result.priority, result.forecast)
    assert kf.residents_unheated == int(result.priority["residents_unheated"].sum())
    assert kf.severe_districts == int((result.priority["severity"] >= 4).sum())
    # The coldest hour is the list's min_temp_c (first such district in list order); the time is that
    # district's coldest hour of the ensemble-median forecast.
    assert kf.coldest_c == result.priority["min_temp_c"].min() == -28.2
    assert kf.coldest_district == result.priority.loc[result.priority["min_temp_c"].idxmin(), "district_code"]
    coldest = result.forecast["temp_c"].median("member").sel(district=kf.coldest_district)
    assert float(coldest.sel(time=kf.coldest_time)) == pytest.approx(float(coldest.min()))
    assert round(float(coldest.min()), 1) == kf.coldest_c
    exposed = result.priority[result.priority["residents_unheated"] > 0]
    assert kf.earliest_hours == exposed["hours_to_12c"].min()
    assert kf.earliest_time == pd.Timestamp(result.forecast["time"].values[0]) + pd.Timedelta(hours=kf.earliest_hours)


def test_the_published_and_the_model_view_agree_on_the_coldest_hour_and_first_crossing(result):
    # Issue 13: the model view took the coldest hour of the member-median forecast (ties: registry
    # order), the published view the list's min_temp_c (ties: list order): Darnytskyi against Desnianskyi.
    model, published = support.key_figures(result.priority, result.forecast), support.key_figures(result.priority)
    for field in ("coldest_c", "coldest_district", "earliest_hours", "earliest_district"):
        assert getattr(model, field) == getattr(published, field), field
    names = pd.Series(dtype=object)
    for lang in ("en", "uk"):
        a, b = support.headline(model, names, lang, 72), support.headline(published, names, lang, 72)
        assert [row[1] for row in a] == [row[1] for row in b]  # the same values; the model adds the times


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


def test_indoor_chart_carries_each_districts_curves_in_a_skeleton_made_once(result):
    """The indoor chart's spec is a skeleton kept per language and setting with each district's
    curves put in by name: the curves are the district's own (rounded as the list), Kyiv wall-clock
    times, and drawing one district never changes another's chart."""
    p = result.params
    first, second = result.priority["district_code"][:2]
    charts = {}
    for code in (first, second, first):
        series = support.district_detail(result, code).series
        spec = support.indoor_chart(series, p, 40.0, "uk")
        median = pd.DataFrame(spec["datasets"]["median"])
        expected = series["indoor_c"].round(1).dropna()
        np.testing.assert_allclose(median["temp_c"], expected.to_numpy())
        assert list(median["time"]) == list(support.wall_clock(expected.index).strftime("%Y-%m-%dT%H:%M:%S"))
        band = pd.DataFrame(spec["datasets"]["tau_band"])
        assert len(band) == len(series) and (band["low"] <= band["high"]).all()
        assert set(band["series"]) == {i18n.text("series_tau_band", "uk", low=i18n.short(p.tau_low_hours, "uk"),
                                                 high=i18n.short(p.tau_high_hours, "uk"))}
        assert {"median", "tau_band", "ensemble_band"} <= set(spec["datasets"])
        assert spec["config"]["locale"]["number"]["decimal"] == ","
        domain = next(layer["encoding"]["color"]["scale"]["domain"] for layer in spec["layer"]
                      if "scale" in layer["encoding"].get("color", {}))
        assert domain[0] == i18n.text("series_indoor", "uk", tau="40") and "@@" not in json.dumps(spec)
        charts.setdefault(code, []).append(spec)
    assert charts[first][0] == charts[first][1]  # the same district again: the same spec
    assert charts[first][0]["datasets"]["median"] != charts[second][0]["datasets"]["median"]


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

# the map's tests are in tests/app/test_map.py


# --------------------------------------------------------------------------- interface text

def test_every_catalogue_has_every_message_with_the_same_placeholders():
    english = i18n.catalogue("en")
    assert set(i18n.LANGUAGES) >= {"en", "uk"}
    for lang in i18n.LANGUAGES:
        other = i18n.catalogue(lang)
        for table in ("messages", "severity", "driver", "outage_status", "completeness", "completeness_item", "role",
                      "alerts", "problem"):
            assert set(other[table]) == set(english[table]), (lang, table)
            for key, message in english[table].items():
                assert other[table][key].strip(), (lang, table, key)
                assert i18n.placeholders(other[table][key]) == i18n.placeholders(message), (lang, table, key)


def test_completeness_is_written_from_its_codes_in_ukrainian():
    note = ("missing: outage status (assumed emergency, 24 h off), share_65plus (national 18.4% shown); "
            "residents estimated at 230 per building")
    assert i18n.completeness(note, "uk") == ("бракує: стану знеструмлення (прийнято аварійне, 24 год без світла), "
                                             "частки 65+ (показано національну 18,4%); "
                                             "мешканців оцінено в 230 на будинок")
    assert i18n.completeness("complete", "uk") == "повні"
    assert i18n.completeness(note, "en") == note
    assert i18n.completeness("a note no template knows", "uk") == "a note no template knows"


def test_severity_labels_are_written_from_their_level_template():
    label = "≥1,000 residents likely below 5 °C within 24 h, or ≥10,000 within 72 h"
    assert i18n.severity_label(label, "uk") == ("≥1\u00a0000 мешканців імовірно опиняться нижче 5 °C протягом 24 год, "
                                                "або ≥10\u00a0000 протягом 72 год")  # numbers in Ukrainian too


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
    assert (label, value) == ("Мешканців без тепла", "119\u00a0606")  # Babel's uk grouping: a no-break space
    assert cold == "-28,2 °C" and cold_note == "03.02 06:00 · Деснянський"
    assert (earliest, where) == ("вже нижче", "Деснянський")
    kf.earliest_hours, kf.earliest_time = None, None
    assert support.headline(kf, names, "en", 72)[3][1] == "not within 72 h"


@pytest.mark.parametrize("lang, already, decimal", [("en", "below now", "12.3"), ("uk", "вже нижче", "12,3")])
def test_hours_to_a_threshold_read_already_below_at_zero_in_the_table(result, inputs, lang, already, decimal):
    view = support.priority_view(result.priority, support.district_names(inputs.districts, lang), lang)
    view = view.assign(hours_to_12c=[0.0, 12.3, np.nan] + [0.0] * (len(view) - 3))
    html = support.styled_priority(view, lang).to_html()
    assert html.count(already) >= len(view) - 2 and decimal in html
    assert view["hours_to_12c"].iloc[0] == 0.0  # the cell keeps its number: sorting stays numeric


def test_every_needs_and_what_if_column_has_a_header_in_each_language(result):
    from heatneed import needs

    class Config:
        @staticmethod
        def Column(label, help):
            return label, help

    tables = [support.needs_view(result),
              needs.what_if(result, needs.needs_params(), needs.Scenario(power_off_hours=24.0), None)]
    for table in tables:
        for lang in ("en", "uk"):
            config = support.needs_column_config(Config, table.columns, lang)
            assert set(config) == set(table.columns), set(table.columns) - set(config)
    uk = support.needs_column_config(Config, tables[1].columns, "uk")
    assert uk["heaters_24h_median_change"] == ("Обігрівачів, 24 год (медіана) (зміна)", "heaters_24h_median_change")
