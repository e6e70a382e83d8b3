"""The app driven through ``streamlit.testing.v1.AppTest`` on the real ``app.py``."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pandas as pd
import pytest
from appcheck import captions, downloaded, errors_text, priority_table, shown

from heatneed import pipeline, store
from heatneed.config import model_params
from heatneed.export import priority_bytes

PECHERSKYI = "UA80000000000624772"
DESNIANSKYI = "UA80000000000336424"
#: Unheated report as Excel saves it in a Ukrainian locale: BOM, `;`, CRLF. Only Pecherskyi reports
#: unheated buildings, so it moves from 9th to 1st.
EXCEL_UNHEATED = ("\ufeffdistrict_code;reported_at;unheated_buildings;residents\r\n"
                  f"{PECHERSKYI};2026-02-01;400;92000\r\n").encode("utf-8")
BAD_UNHEATED = ("district_code,reported_at,unheated_buildings\n"
                f"{PECHERSKYI},2026-02-01,-5\n"
                "UA80999999999999999,2026-02-01,3\n").encode("utf-8")


def embedded_ranking(**settings) -> pd.DataFrame:
    return pipeline.rank(pipeline.load_inputs(), model_params(**settings)).priority


def ranked_codes(at) -> list[str]:
    return list(priority_table(at).index)


def upload(at, role: str, name: str, data: bytes):
    return at.file_uploader(key=f"upload_{role}").set_value((name, data, "text/csv")).run()


def test_app_tests_cannot_reach_the_network():
    with pytest.raises(OSError, match="blocked"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)


def test_first_render_ranks_the_embedded_scenario(app):
    at = app()
    assert not at.exception
    expected = embedded_ranking()
    assert ranked_codes(at) == list(expected["district_code"])
    table = priority_table(at)
    assert list(table["risk_score"]) == list(expected["risk_score"])
    assert "ILLUSTRATIVE" in at.warning[0].value  # says the embedded data is not real
    figures = {m.label: m.value for m in at.metric}
    residents = int(expected["residents_unheated"].sum())
    assert figures["Residents in unheated buildings"] == f"{residents:,}"  # English grouping: 119,606
    assert figures["Districts at severity 4–5"] == f"{int((expected['severity'] >= 4).sum())} of 10"
    assert figures["Coldest hour outdoors"] == "-28.2 °C"
    assert figures["First homes below 12 °C"] == "already below"  # Desnianskyi: 0 h in the scenario


def test_upload_from_excel_changes_the_ranking(app):
    at = app()
    assert ranked_codes(at)[0] != PECHERSKYI
    upload(at, "unheated", "unheated_today.csv", EXCEL_UNHEATED)
    assert not at.exception and not at.error
    expected = pipeline.rank(pipeline.load_inputs(unheated=EXCEL_UNHEATED, names={"unheated": "x.csv"}),
                             model_params()).priority
    assert ranked_codes(at) == list(expected["district_code"])
    assert ranked_codes(at)[0] == PECHERSKYI
    assert "In use: unheated_today.csv" in captions(at)


def test_bad_upload_shows_each_problem_and_keeps_the_last_good_data(app):
    at = upload(app(), "unheated", "unheated_today.csv", EXCEL_UNHEATED)
    good = ranked_codes(at)
    upload(at, "unheated", "../../etc/bad.csv", BAD_UNHEATED)
    assert not at.exception
    message = errors_text(at)
    assert "“bad.csv” was not used" in message  # the name shown is the file name only, never a path
    assert "bad.csv, row 2, column unheated_buildings: must be ≥ 0" in message
    assert ranked_codes(at) == good
    assert "In use: unheated_today.csv" in captions(at)


def test_bad_forecast_upload_keeps_the_forecast_in_use(app):
    at = app()
    before = priority_table(at)
    at.file_uploader(key="upload_forecast").set_value(("forecast.json", b"{not json", "application/json")).run()
    assert not at.exception
    assert "“forecast.json” was not used" in errors_text(at)
    pd.testing.assert_frame_equal(priority_table(at), before)


SOURCE_FIXTURES = Path(__file__).resolve().parents[1] / "sources" / "fixtures"


@pytest.mark.parametrize("fixture, issued", [
    ("open_meteo/ensemble_list.json", "2026-01-13T0000Z"),
    ("gridded/ensemble_global.nc", "2026-01-12T1800Z"),
])
def test_forecast_upload_in_other_formats_is_used_and_named(app, cli, tmp_path, fixture, issued):
    path = SOURCE_FIXTURES / fixture
    at = app()
    at.file_uploader(key="upload_forecast").set_value((path.name, path.read_bytes(), "application/octet-stream")).run()
    assert not at.exception and not at.error
    out = tmp_path / "cli.csv"
    assert cli("rank", "--forecast", path, "--out", out).returncode == 0
    csv = downloaded(at, "download_csv")
    assert csv.content == out.read_bytes()
    assert re.fullmatch(rf"heatneed-priority_{issued}_[0-9a-f]{{8}}\.csv", csv.filename)


def test_text_from_an_upload_is_never_rendered_as_markdown(app):
    hostile = ("district_code,reported_at,unheated_buildings\n"
               "![x](http://tracker.example/p.png),2026-02-01,3\n").encode()
    at = upload(app(), "unheated", "[click](http://evil.example).csv", hostile)
    raw = "\n".join(e.value for e in at.error)
    # literal: inside code spans, so no link and no image fetched (the browser test checks no <a>)
    assert "“`evil.example).csv`” was not used" in raw  # the last part of the name only, literally
    assert "- `evil.example).csv, row 2, column district_code: district_code '![x](http" in raw
    assert "district_code '![x](http://tracker.example/p.png)' is not in the districts file" in errors_text(at)


def test_settings_change_reranks_and_reset_restores(app):
    at = app()
    at.number_input(key="set_horizon_hours").set_value(24.0).run()
    expected = embedded_ranking(horizon_hours=24.0)
    assert ranked_codes(at) == list(expected["district_code"])
    assert ranked_codes(at) != list(embedded_ranking()["district_code"])
    assert "--horizon-hours 24" in at.code[0].value  # the command line that reproduces the list
    at.button(key="reset_settings").click().run()
    assert at.number_input(key="set_horizon_hours").value == 72.0
    assert ranked_codes(at) == list(embedded_ranking()["district_code"])


def test_a_setting_the_browser_sends_back_empty_falls_back_to_its_default_not_its_minimum(app):
    """A widget the browser draws afresh (a reconnect, a redraw under load) can come back without
    a value: the list must then use the default, not the input's minimum (a loaded server once
    ranked a session with a 12 h horizon, no gains and no heater, all minimums)."""
    at = app()
    for field in ("horizon_hours", "internal_gains_w", "heater_w", "warming_max_absorbed_share"):
        at.number_input(key=f"set_{field}").set_value(None)
    at.run()
    assert not at.exception
    assert at.number_input(key="set_horizon_hours").value == 72.0
    assert at.number_input(key="set_heater_w").value == model_params().heater_w > 0
    assert ranked_codes(at) == list(embedded_ranking()["district_code"])
    assert downloaded(at, "download_csv").content == priority_bytes(embedded_ranking())


def test_download_is_byte_identical_to_the_cli(app, cli, tmp_path):
    at = app()
    out = tmp_path / "cli.csv"
    assert cli("rank", "--out", out).returncode == 0
    plain = downloaded(at, "download_csv")
    assert plain.content == out.read_bytes()
    assert re.fullmatch(r"heatneed-priority_2026-02-01T0000Z_[0-9a-f]{8}\.csv", plain.filename)


def test_download_after_upload_and_settings_equals_the_cli_with_hxl(app, cli, tmp_path):
    at = upload(app(), "unheated", "unheated_today.csv", EXCEL_UNHEATED)
    at.number_input(key="set_tau_hours").set_value(50.0).run()
    at.number_input(key="set_horizon_hours").set_value(48.0).run()
    source = tmp_path / "unheated_today.csv"
    source.write_bytes(EXCEL_UNHEATED)
    out = tmp_path / "cli.csv"
    run = cli("rank", "--unheated", source, "--tau-hours", "50", "--horizon-hours", "48", "--hxl", "--out", out)
    assert run.returncode == 0, run.stderr
    hxl = downloaded(at, "download_hxl")
    assert hxl.content == out.read_bytes()
    assert re.fullmatch(r"heatneed-priority_2026-02-01T0000Z_[0-9a-f]{8}_hxl\.csv", hxl.filename)
    assert hxl.content.splitlines()[1].startswith(b"#priority,#adm5+code")


def test_language_switch_translates_interface_and_district_names(app):
    at = app()
    at.radio(key="lang").set_value("uk").run()
    assert not at.exception
    assert at.title[0].value == "Потреба в обігріві: кому допомогти першими"
    table = priority_table(at)
    assert table.loc[PECHERSKYI, "district"] == "Печерський"
    assert table.loc[DESNIANSKYI, "severity_label"] == "≥10\u00a0000 мешканців імовірно опиняться нижче 5 °C протягом 24 год"
    assert "Деснянський / Desnianskyi" in at.selectbox(key="district").format_func(ranked_codes(at)[0])
    assert ranked_codes(at) == list(embedded_ranking()["district_code"])  # only words change
    assert downloaded(at, "download_csv").content == priority_bytes(embedded_ranking())  # export stays English
    at.radio(key="lang").set_value("en").run()
    assert priority_table(at).loc[PECHERSKYI, "district"] == "Pecherskyi"


def test_editing_counts_in_place_reranks(app):
    at = app()
    registry_row = list(pipeline.load_inputs().districts.index).index(PECHERSKYI)  # editor rows: registry order
    at.session_state["editor_0"] = {"edited_rows": {registry_row: {"unheated_buildings": 400}},
                                    "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception and not at.error
    assert ranked_codes(at)[0] == PECHERSKYI
    assert "In use: your edits in the table below" in captions(at)
    edited = downloaded(at, "download_unheated_edited").content.decode()
    assert f"{PECHERSKYI}," in edited and ",400," in edited


def test_inconsistent_edit_is_refused_and_the_last_good_edit_stays(app):
    registry = list(pipeline.load_inputs().districts.index)
    at = app()
    at.session_state["editor_0"] = {"edited_rows": {registry.index(PECHERSKYI): {"unheated_buildings": 400}},
                                    "added_rows": [], "deleted_rows": []}
    at.run()
    good = ranked_codes(at)
    # 'scheduled' with no hours is refused by the outage rules (README, "Input files": no silent default).
    at.session_state["editor_0"] = {"edited_rows": {
        registry.index(PECHERSKYI): {"unheated_buildings": 400},
        registry.index(DESNIANSKYI): {"outage_status": "scheduled", "hours_off_per_day": None}},
        "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    assert "status 'scheduled' needs hours_off_per_day" in errors_text(at)
    assert ranked_codes(at) == good


def test_district_detail_shows_hours_to_each_threshold(app):
    at = app()
    code = ranked_codes(at)[0]
    result = pipeline.rank(pipeline.load_inputs(), model_params(), sensitivity=True)
    detail = result.detail.loc[code]
    hours = next(f.value for f in at.dataframe if "Threshold" in f.value.columns)
    assert list(hours["Threshold"]) == ["18 °C: WHO minimum", "12 °C: cardiovascular strain",
                                        "5 °C: hypothermia risk; drain heating systems"]
    assert detail["hours_to_12c"] == 0.0 and hours.loc[1, "Hours, median"] == "already below"  # as the header says
    assert detail["hours_to_12c_p10"] == detail["hours_to_12c_p90"] == 0.0
    assert hours.loc[1, "Ensemble P10–P90"] == "already below"  # one value, not "already below – already below"
    tau = detail[["hours_to_12c_tau_low", "hours_to_12c_tau_high"]].tolist()
    assert hours.loc[1, "τ 26 h … τ 72 h"] == ("already below" if tau == [0.0, 0.0] else f"{tau[0]:.1f} … {tau[1]:.1f}")
    assert len(at.get("vega_lite_chart")) >= 2  # outdoor and indoor charts (and the map legend)
    at.selectbox(key="district").set_value(PECHERSKYI).run()
    assert any(shown(m.value).startswith("### Pecherskyi / Печерський") for m in at.markdown)


def test_map_colours_by_severity_and_sizes_by_residents(app):
    import json

    at = app(tab="Map")  # the tab runs only while open
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    layers = {layer["id"]: layer for layer in deck["layers"]}
    assert deck["mapStyle"] == "__MAP_STYLE__"  # pydeck's "no basemap": Streamlit fetches no tiles
    polygons = {p["district_code"]: p for p in layers["district_polygons"]["data"]}
    assert len(polygons) == 10
    assert polygons[DESNIANSKYI]["colour"][:3] == [127, 0, 0]  # severity 5
    circles = {p["district_code"]: p for p in layers["districts"]["data"]}
    assert PECHERSKYI not in circles  # nobody exposed: no circle on its polygon
    assert circles[DESNIANSKYI]["radius_px"] > circles["UA80000000000719633"]["radius_px"]  # 27,601 > 1,150
    assert not any("no shipped boundary" in c.value for c in at.caption)


def test_opens_on_the_latest_published_list(app, nothing_published):
    priority = embedded_ranking(horizon_hours=24.0)
    csv = priority_bytes(priority)
    info = {"forecast": {"source": "meteostat", "issued_at": "2026-02-01T00:00:00Z", "stale": True,
                         "stale_age_hours": 7.0}, "data_as_of": "2026-02-01T06:00:00Z"}
    with store.refresh_lock(nothing_published):
        store.publish(nothing_published, csv, info)
    at = app()
    assert not at.exception
    assert at.radio(key="view").value == "published"
    assert "Published priority list" in shown(at.info[0].value)
    assert "marked STALE" in errors_text(at)
    assert ranked_codes(at) == list(priority["district_code"])
    assert downloaded(at, "download_csv").content == csv  # the published file itself
    at.number_input(key="set_tau_hours").set_value(60.0).run()  # a setting is about the model here
    assert at.radio(key="view").value == "model"
    assert ranked_codes(at) == list(embedded_ranking(tau_hours=60.0)["district_code"])


def test_downloads_are_byte_identical_to_the_golden_files(app):
    """The app's downloads on the embedded scenario equal the committed golden CLI outputs."""
    golden = Path(__file__).resolve().parents[1] / "golden"
    at = app()
    assert downloaded(at, "download_csv").content == (golden / "priority.csv").read_bytes()
    assert downloaded(at, "download_hxl").content == (golden / "priority_hxl.csv").read_bytes()
