"""The app's Needs tab: the same needs.csv as ``rank --needs-out``, sites uploaded and mapped, what-if."""

from __future__ import annotations

import pandas as pd
from appcheck import downloaded

from heatneed import cli

SITES = ("site_id,name,lat,lon,district_code,capacity_persons,hours_open_per_day,floor_area_m2,generator_kw,"
         "fuel_litres_on_hand\n"
         "K1,School 1,50.40,30.52,,200,24,350,20,100\n"
         "K3,Depot,50.40,30.70,UA80000000000210193,120,24,,30,100\n").encode()


def needs_on_screen(at) -> pd.DataFrame:
    return next(f.value for f in at.dataframe if "shortfall_median" in f.value.columns)


def test_needs_tab_totals_equal_the_clis_needs_csv(app, tmp_path):
    at = app(tab="Needs")  # the tab runs only while open
    assert not at.exception
    sites = tmp_path / "sites.csv"
    sites.write_bytes(SITES)
    at = at.file_uploader(key="upload_warming_sites").set_value(("sites.csv", SITES, "text/csv")).run()
    assert not at.exception and not at.error
    needs_out = tmp_path / "needs.csv"
    assert cli.main(["rank", "--warming-sites", str(sites), "--out", str(tmp_path / "p.csv"),
                     "--needs-out", str(needs_out)]) == 0
    assert downloaded(at, "download_needs").content == needs_out.read_bytes()
    table = needs_on_screen(at)
    cli_table = pd.read_csv(needs_out)
    assert table.iloc[-1]["district_code"] == "TOTAL"
    for col in ("expected_below_12c_24h", "shortfall_median", "heaters_24h_median", "fuel_litres_per_day_24h"):
        assert float(table.iloc[-1][col]) == float(cli_table.iloc[-1][col])
    shown_totals = [m.value for m in at.metric if m.label.startswith(("People below", "Warming places",
                                                                       "Heaters", "Generator fuel"))]
    assert shown_totals[1] == f"{float(cli_table.iloc[-1]['shortfall_median']):,.0f}"  # English grouping
    assert any(c.proto.json for c in at.get("deck_gl_json_chart"))  # the sites map


def test_a_bad_sites_upload_is_refused_next_to_the_upload(app):
    at = app(tab="Needs")  # the tab runs only while open
    bad = SITES.replace(b",200,", b",-1,")
    at = at.file_uploader(key="upload_warming_sites").set_value(("sites.csv", bad, "text/csv")).run()
    assert "sites.csv, row 2, column capacity_persons: must be ≥ 0" in "\n".join(e.value for e in at.error) \
        .replace("\\", "")


def test_what_if_power_failure_shows_the_change(app):
    at = app(tab="Needs")  # the tab runs only while open
    at = at.checkbox(key="what_if_power").check().run()
    assert not at.exception
    table = next(f.value for f in at.dataframe if "rank_change" in f.value.columns)
    assert (table["heaters_24h_median_scenario"].iloc[:-1] == 0).all()


def test_published_view_shows_the_published_needs_csv(app, nothing_published):
    from heatneed import needs, pipeline, store
    from heatneed.config import model_params
    from heatneed.export import priority_bytes

    result = pipeline.rank(pipeline.load_inputs(), model_params())
    data = needs.needs_bytes(needs.needs_table(result, needs.needs_params()))
    info = {"forecast": {"source": "meteostat", "issued_at": "2026-02-01T00:00:00Z", "stale": False,
                         "stale_age_hours": 0.0}, "data_as_of": "2026-02-01T06:00:00Z"}
    with store.refresh_lock(nothing_published):
        store.publish(nothing_published, priority_bytes(result.priority), info, extra={"needs.csv": data})
    at = app(tab="Needs")  # the tab runs only while open
    assert not at.exception and at.radio(key="view").value == "published"
    assert downloaded(at, "download_needs").content == data  # the published file itself
    assert needs_on_screen(at).iloc[-1]["district_code"] == "TOTAL"
