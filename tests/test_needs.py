"""Needs in numbers (heatneed/needs.py, heatneed/warming_sites.py): hand-computed values, properties,
site assignment, bad sites files, needs.csv totals, refresh publishing."""

from __future__ import annotations

import dataclasses
import functools
import io
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heatneed import cli, needs, pipeline, store
from heatneed.config import default_params
from heatneed.errors import InputError
from heatneed.warming_sites import attach, load_sites, with_site_capacity
from synth import frames, to_inputs

SCENARIO = pipeline.EMBEDDED_SCENARIO

# The hand-computed case fixes the model's numbers (τ 100 h, gains 3.9 and 10 K) so that its arithmetic
# stays readable whatever the defaults become.
P = default_params().replace(tau_low_hours=40.0, tau_hours=100.0, tau_high_hours=200.0, internal_gain_k=3.9,
                             heater_gain_k=10.0)
NP = needs.needs_params()
PROPERTY = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- a small case by hand

def small_case(temp_c=-20.0, hours_off=12.0, residents=230, members=2, hours=48):
    """One district, a constant forecast, residents given: every need can be worked out by hand."""
    districts = pd.DataFrame({"district_code": ["UA990001"], "district_name": ["Test"], "admin1_code": ["UA99"],
                              "lat": [50.0], "lon": [30.0], "population": [100_000]})
    unheated = pd.DataFrame({"district_code": ["UA990001"], "reported_at": ["2026-02-01"],
                             "unheated_buildings": [1], "residents": [residents],
                             "unheated_since": ["2026-02-01T00:00:00Z"]})  # heat lost at the forecast start
    status = "emergency" if hours_off == 24 else ("none" if hours_off == 0 else "scheduled")
    outages = pd.DataFrame({"district_code": ["UA990001"], "status": [status], "hours_off_per_day": [hours_off],
                            "reported_at": ["2026-02-01T06:00:00Z"]})
    times = pd.date_range("2026-02-01", periods=hours, freq="h").strftime("%Y-%m-%dT%H:%M:%SZ")
    forecast = pd.DataFrame([(t, m) for t in times for m in range(members)], columns=["time", "member"])
    forecast["district_code"], forecast["temp_c"], forecast["wind_kmh"] = "UA990001", temp_c, 10.0
    return to_inputs(districts, unheated, outages, forecast)


SITES = (b"site_id,name,lat,lon,district_code,capacity_persons,hours_open_per_day,floor_area_m2,"
         b"generator_kw,fuel_litres_on_hand,has_heating\n"
         b"S1,School,50.0,30.0,UA990001,100,24,175,20,100,yes\n"
         b"S2,Library,50.0,30.0,UA990001,30,8,,10,50,\n")


def needs_of(inputs, sites=SITES, scenario=None, np_=NP):
    if sites is not None:
        inputs = attach(inputs, sites, name="sites.csv")
    result = pipeline.rank(inputs, P)
    return result, needs.needs_table(result, np_, inputs.sites, scenario)


def test_each_need_matches_the_hand_computed_small_case():
    result, table = needs_of(small_case())
    row = table.iloc[0]
    # Indoor: T_eq = −20 + 3.9 + (1 − 12/24)·10 = −11.1 °C; T(t) = −11.1 + 31.1·e^(−t/100);
    # below 12 °C at t = 100·ln(31.1/23.1) = 29.74 h: not within 24 h, within the 48 h horizon.
    assert math.isclose(100 * math.log(31.1 / 23.1), 29.74, abs_tol=0.01)
    assert row["expected_below_12c_24h"] == 0 and row["expected_below_12c"] == 230
    assert row["people_below_12c_median"] == 230 and row["people_below_12c_p90"] == 230
    # Capacity: S1 min(100, ⌊175 m² / 3.5⌋ = 50) = 50, S2 30 → 80 persons.
    assert row["warming_capacity"] == 80 and row["warming_sites"] == 2 and row["capacity_source"] == "sites"
    # Shortfall: max(0, 0.5 × 230 − 80) = 35 within the horizon; within 24 h nobody is below 12 °C: 0.
    assert row["shortfall_median"] == 35 and row["shortfall_p90"] == 35 and row["shortfall_24h_median"] == 0
    # Heaters: flats ⌈230 / 2.3⌉ = 100; per flat 77 W/K × (18 − (−20) − 3.9) K = 2625.7 W = 2.63 kW;
    # ⌈2.6257 / 2 kW⌉ = 2 heaters per flat → 200 heaters, 262.6 kW.
    assert row["flats_with_power"] == 100
    assert row["heater_kw_per_flat_24h_median"] == pytest.approx(2.63, abs=0.005)
    assert row["heater_kw_24h_median"] == pytest.approx(262.6, abs=0.05)
    assert row["heater_kw_p90"] == pytest.approx(262.6, abs=0.05)
    assert row["heaters_24h_median"] == 200 and row["heaters_p90"] == 200
    # Fuel: S1 20 kW × 0.75 × min(12 h off, 24 h open) × 0.25 L/kWh = 45 L/day;
    # S2 10 × 0.75 × min(12, 8) × 0.25 = 15 L/day → 60 L/day; 48 h → 120 L; 150 L on hand / 60 = 2.5 days.
    assert row["generator_kw"] == 30.0
    assert row["fuel_litres_per_day_24h"] == pytest.approx(60.0)
    assert row["fuel_litres_horizon"] == pytest.approx(120.0)
    assert row["days_of_fuel"] == pytest.approx(2.5)
    # Optional items are off by default: no columns.
    assert "blankets_median" not in table and "hot_meals_per_day_median" not in table


def test_optional_items_appear_when_their_rates_are_set():
    np_ = needs.needs_params({"needs": {"blankets_per_person_below_9c": 1.5, "hot_meals_per_person_per_day": 2}})
    _, table = needs_of(small_case(), np_=np_)
    row = table.iloc[0]
    # Below 9 °C: t = 100·ln(31.1/20.1) = 43.65 h < 48 h → all 230; 1.5 each → 345 blankets.
    assert row["blankets_median"] == 345
    # At sites: min(0.5 × 230, 80) = 80 persons × 2 meals = 160 per day.
    assert row["hot_meals_per_day_median"] == 160


def test_formulas_match_the_planning_figures():
    # 77 W/K flat at −20 °C, 18 °C target, 3.9 K gains → ≈ 2.6 kW (research figure).
    assert needs.heater_kw_per_flat(-20.0, 77.0, 18.0, 3.9) == pytest.approx(2.6257)
    assert needs.heater_kw_per_flat(20.0, 77.0, 18.0, 3.9) == 0.0  # warm enough: no heater
    # 20 kW set at 75 % load, 0.33 L/kWh ≈ 4.9 L/h ([GenFuel]).
    assert needs.generator_litres_per_day(20.0, 0.75, 1.0, 0.33) == pytest.approx(4.95)
    assert np.isnan(needs.days_of_fuel(100.0, 0.0))
    assert needs.heaters_per_flat(4.0, 2.0) == 2 and needs.heaters_per_flat(4.01, 2.0) == 3


def test_without_power_heaters_are_zero_and_the_cold_moves_to_warming_places():
    _, some = needs_of(small_case(hours_off=12))
    _, none = needs_of(small_case(hours_off=24))
    assert none.iloc[0]["heaters_median"] == 0 and none.iloc[0]["flats_with_power"] == 0
    assert none.iloc[0]["expected_below_12c_24h"] >= some.iloc[0]["expected_below_12c_24h"]
    assert none.iloc[0]["fuel_litres_per_day_24h"] > some.iloc[0]["fuel_litres_per_day_24h"]


# --------------------------------------------------------------------------- properties

ADDITIVE = ["expected_below_12c_24h", "expected_below_12c", "people_below_12c_24h_median", "people_below_12c_p90",
            "shortfall_24h_median", "shortfall_24h_p90", "shortfall_median", "shortfall_p90",
            "heater_kw_24h_median", "heater_kw_p90", "heaters_24h_median", "heaters_p90",
            "fuel_litres_per_day_24h", "fuel_litres_horizon"]


def rows(table):
    return table[table["district_code"] != needs.TOTAL_CODE].set_index("district_code").sort_index()


@functools.lru_cache(maxsize=None)
def base_case(seed, capacity=50):
    """Validated inputs and sites for three made-up districts; properties change them in place of
    re-reading files (the readers have their own tests)."""
    d, u, o, f = frames(3, hours=30, seed=seed)
    o = o.astype({"hours_off_per_day": float})
    o.loc[o["status"] == "emergency", ["status", "hours_off_per_day"]] = ["scheduled", 20.0]
    inputs = attach(to_inputs(d, u, o, f), sites_for(d, capacity), name="sites.csv")
    return inputs


def all_needs(inputs, sites=None):
    sites = inputs.sites if sites is None else sites
    inputs = dataclasses.replace(with_site_capacity(inputs, sites), sites=sites)
    result = pipeline.rank(inputs, P)
    return rows(needs.needs_table(result, NP, sites))[ADDITIVE].astype(float).fillna(-1)


def sites_for(d, capacity):
    lines = ["site_id,name,lat,lon,district_code,capacity_persons,hours_open_per_day,generator_kw,fuel_litres_on_hand"]
    lines += [f"S{i},Site {i},50,30,{code},{capacity},24,15,80" for i, code in enumerate(d["district_code"])]
    return "\n".join(lines).encode()


@PROPERTY
@given(seed=st.integers(0, 5), delta=st.floats(0.5, 15), which=st.integers(0, 2))
def test_colder_forecast_never_lowers_a_need(seed, delta, which):
    inputs = base_case(seed)
    fc = inputs.forecast
    colder = fc.assign(temp_c=fc["temp_c"] - delta * (fc["district"] == inputs.districts.index[which]))
    assert (all_needs(dataclasses.replace(inputs, forecast=colder)) >= all_needs(inputs)).all().all()


@PROPERTY
@given(seed=st.integers(0, 5), extra=st.integers(1, 500), which=st.integers(0, 2))
def test_more_residents_never_lower_a_need(seed, extra, which):
    inputs = base_case(seed)
    more = inputs.unheated.copy()
    more.loc[inputs.districts.index[which], "unheated_buildings"] += extra
    assert (all_needs(dataclasses.replace(inputs, unheated=more)) >= all_needs(inputs)).all().all()


@PROPERTY
@given(seed=st.integers(0, 5), extra=st.floats(0.5, 23), which=st.integers(0, 2))
def test_more_hours_off_never_lower_a_need_while_some_power_remains(seed, extra, which):
    inputs = base_case(seed)
    worse = inputs.outages.copy()
    code = inputs.districts.index[which]
    worse.loc[code, ["status", "hours_off_per_day"]] = ["scheduled",
                                                        min(23.5, float(worse.loc[code, "hours_off_per_day"]) + extra)]
    assert (all_needs(dataclasses.replace(inputs, outages=worse)) >= all_needs(inputs)).all().all()


@PROPERTY
@given(seed=st.integers(0, 5), low=st.integers(0, 3000), more=st.integers(1, 3000))
def test_more_site_capacity_never_raises_the_shortfall(seed, low, more):
    inputs = base_case(seed)
    shortfall = [c for c in ADDITIVE if c.startswith("shortfall")]
    small = all_needs(inputs, inputs.sites.assign(capacity_usable=float(low)))[shortfall]
    large = all_needs(inputs, inputs.sites.assign(capacity_usable=float(low + more)))[shortfall]
    assert (large <= small).all().all()


# --------------------------------------------------------------------------- needs.csv

def test_needs_csv_totals_equal_the_sum_of_rows_and_carry_hxl(tmp_path):
    out, needs_out = tmp_path / "p.csv", tmp_path / "needs.csv"
    sites = tmp_path / "sites.csv"
    sites.write_bytes(KYIV_SITES)
    assert cli.main(["rank", "--warming-sites", str(sites), "--out", str(out), "--needs-out", str(needs_out),
                     "--hxl"]) == 0
    raw = needs_out.read_bytes().decode()
    assert raw.splitlines()[1].startswith("#adm5+code,#adm5+name")
    table = pd.read_csv(io.StringIO(raw), skiprows=[1])
    body, total = table.iloc[:-1], table.iloc[-1]
    assert total["district_code"] == "TOTAL" and len(body) == 10
    for col, (kind, _) in needs.NEEDS_COLUMNS.items():
        if kind in ("count", "sum") and col in table:
            assert total[col] == pytest.approx(body[col].sum(), abs=1e-9), col
    assert total["days_of_fuel"] == pytest.approx(round(total["fuel_litres_on_hand"] / total["fuel_litres_per_day_24h"], 1))


# Holosiivskyi (50.40 N, 30.52 E) and Shevchenkivskyi (50.46, 30.48) by polygon; Darnytskyi by code.
KYIV_SITES = ("site_id,name,lat,lon,district_code,capacity_persons,hours_open_per_day,floor_area_m2,generator_kw,"
              "fuel_litres_on_hand,has_heating\n"
              "K1,Школа №1,50.40,30.52,,200,24,350,20,100,так\n"
              "K2,Library,50.46,30.48,,80,12,,10,50,\n"
              "K3,Депо,50.40,30.70,UA80000000000210193,120,24,,30,100,yes\n").encode()


def test_sites_are_assigned_by_polygon_when_boundaries_exist():
    inputs = pipeline.load_inputs()
    sites = load_sites(KYIV_SITES, inputs.districts, 3.5, "sites.csv").set_index("site_id")
    assert list(sites["assigned_by"]) == ["polygon", "polygon", "given"]
    assert sites.loc["K1", "district_code"] == "UA80000000000126643"  # Holosiivskyi
    assert sites.loc["K2", "district_code"] == "UA80000000001078669"  # Shevchenkivskyi
    assert sites.loc["K1", "capacity_usable"] == 100  # ⌊350 / 3.5⌋ < 200


def test_site_capacity_replaces_the_registry_warming_places_in_the_ranking():
    inputs = pipeline.load_inputs()
    with_sites = attach(inputs, KYIV_SITES, name="sites.csv")
    places = with_sites.districts["warming_places"]
    assert places["UA80000000000126643"] == 100 and places["UA80000000000210193"] == 120
    assert places["UA80000000000551439"] == 0  # the file lists no site there
    assert with_sites.hashes["warming_sites"] and with_sites.files["warming_sites"] == "sites.csv"


def test_sites_without_heating_or_never_open_add_no_capacity():
    data = ("site_id,name,lat,lon,capacity_persons,hours_open_per_day,has_heating\n"
            "A,x,50.40,30.52,40,24,Ні\nB,y,50.40,30.52,50,0,yes\nC,z,50.40,30.52,60,1,\n").encode()
    sites = load_sites(data, pipeline.load_inputs().districts, 3.5, "s.csv")
    assert list(sites["capacity_usable"]) == [0, 0, 60]


def test_sites_without_boundaries_go_to_the_nearest_centroid():
    d, u, o, f = frames(3, hours=30, seed=1)
    inputs = to_inputs(d, u, o, f)
    lat, lon = inputs.districts["lat"].iloc[2], inputs.districts["lon"].iloc[2]
    data = f"site_id,name,lat,lon,capacity_persons,hours_open_per_day\nA,x,{lat + 0.01},{lon},10,24\n".encode()
    sites = load_sites(data, inputs.districts, 3.5, "s.csv")
    assert sites.loc[0, "district_code"] == inputs.districts.index[2]
    assert sites.loc[0, "assigned_by"] == "nearest_centroid"


def test_sites_from_an_xlsx_workbook_are_read():
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    for line in KYIV_SITES.decode().splitlines():
        ws.append([float(c) if c.replace(".", "", 1).isdigit() else (c or None) for c in line.split(",")])
    buf = io.BytesIO()
    wb.save(buf)
    sites = load_sites(buf.getvalue(), pipeline.load_inputs().districts, 3.5, "sites.xlsx")
    assert list(sites["capacity_usable"]) == [100, 80, 120]


BAD_SITES = ("site_id,name,lat,lon,district_code,capacity_persons,hours_open_per_day\n"
             "B1,Negative,50.40,30.52,,-1,24\n"
             "B2,Lviv,49.84,24.03,,50,24\n"
             "B3,Nowhere,50.40,30.52,UA0000,50,24\n").encode()


def test_a_bad_sites_file_is_refused_with_file_row_and_column():
    registry = pipeline.load_inputs().districts
    with pytest.raises(InputError) as exc:
        load_sites(BAD_SITES, registry, 3.5, "sites.csv")
    assert exc.value.problems == ["sites.csv, row 2, column capacity_persons: must be ≥ 0 (got -1.0)"]
    fixed = BAD_SITES.replace(b",-1,", b",10,")
    with pytest.raises(InputError) as exc:
        load_sites(fixed, registry, 3.5, "sites.csv")
    assert exc.value.problems == [
        "sites.csv, row 4, column district_code: district_code 'UA0000' is not in the districts file",
        "sites.csv, row 3, column lat: the site at lat 49.84, lon 24.03 lies outside every district of the "
        "districts file (give district_code or fix the location)"]


def test_a_bad_sites_file_exits_2_and_publishes_nothing(tmp_path, capsys):
    sites = tmp_path / "sites.csv"
    sites.write_bytes(BAD_SITES.replace(b",-1,", b",10,"))
    out, needs_out = tmp_path / "p.csv", tmp_path / "needs.csv"
    assert cli.main(["rank", "--warming-sites", str(sites), "--out", str(out), "--needs-out", str(needs_out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("heatneed: error: sites.csv, row 4, column district_code")
    assert err[1].startswith("heatneed: error: sites.csv, row 3, column lat")
    assert not out.exists() and not needs_out.exists()
    published = tmp_path / "pub"
    code = cli.main(["refresh", "--forecast", str(SCENARIO / "forecast.csv"), "--warming-sites", str(sites),
                     "--output-dir", str(published)])
    assert code == 2 and not (published / store.LATEST).exists()


def test_refresh_publishes_needs_csv_in_the_manifest(tmp_path):
    sites = tmp_path / "sites.csv"
    sites.write_bytes(KYIV_SITES)
    out = tmp_path / "pub"
    assert cli.main(["refresh", "--forecast", str(SCENARIO / "forecast.csv"), "--warming-sites", str(sites),
                     "--output-dir", str(out)]) == 0
    manifest = json.loads((out / "latest" / "manifest.json").read_text())
    data = (out / "latest" / "needs.csv").read_bytes()
    assert manifest["files"]["latest/needs.csv"]["sha256"] == store.sha256_hex(data)
    dated = [k for k in manifest["files"] if k.startswith("lists/needs_")]
    assert dated and (out / dated[0]).read_bytes() == data
    assert manifest["inputs"]["warming_sites"]["file"] == "sites.csv"
    published = store.read_published(out)
    assert store.read_published_file(published, "needs.csv") == data
    # The run's history row keeps its manifest: which needs file, with its sha256, went with the list.
    import sqlite3

    with sqlite3.connect(out / store.HISTORY_FILE) as con:
        (recorded,) = con.execute("SELECT manifest FROM runs WHERE run_id = ?", (manifest["run_id"],)).fetchone()
    assert json.loads(recorded)["files"]["latest/needs.csv"] == manifest["files"]["latest/needs.csv"]
    # The same bytes as rank --needs-out for the same inputs.
    needs_out = tmp_path / "needs.csv"
    assert cli.main(["rank", "--forecast", str(SCENARIO / "forecast.csv"), "--warming-sites", str(sites),
                     "--out", str(tmp_path / "p.csv"), "--needs-out", str(needs_out)]) == 0
    assert needs_out.read_bytes() == data


def test_bad_needs_settings_and_flags_are_usage_errors(tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_text("[needs]\nbogus = 1\n")  # unknown keys first, as for every table
    assert cli.main(["rank", "--config", str(config), "--out", str(tmp_path / "p.csv")]) == 2
    assert "unknown setting [needs] bogus" in capsys.readouterr().err
    config.write_text("[needs]\nheater_rating_kw = -2\n")
    assert cli.main(["rank", "--config", str(config), "--out", str(tmp_path / "p.csv")]) == 2
    assert "heater_rating_kw must be a number > 0" in capsys.readouterr().err
    assert cli.main(["rank", "--what-if-power-off-hours", "24", "--out", str(tmp_path / "p.csv")]) == 2
    assert cli.main(["rank", "--what-if-heat-returns", "soon", "--what-if-out", str(tmp_path / "w.csv"),
                     "--out", str(tmp_path / "p.csv")]) == 2
    assert not (tmp_path / "p.csv").exists()


# --------------------------------------------------------------------------- what-if

@pytest.fixture(scope="module")
def kyiv():
    return pipeline.rank(pipeline.load_inputs(), P)


def test_a_scenario_that_changes_nothing_reproduces_the_baseline(kyiv):
    later = needs.Scenario(heat_returns_at=pd.Timestamp("2030-01-01", tz="UTC"))
    same = needs.scenario_priority(kyiv, later)
    assert list(same["district_code"]) == list(kyiv.priority["district_code"])
    assert (same["risk_score"].fillna(-1) == kyiv.priority["risk_score"].fillna(-1)).all()
    # float64 recomputation against the pipeline's float32: equal to the published decimal.
    assert np.allclose(same["min_indoor_c"], kyiv.priority["min_indoor_c"], atol=0.11, equal_nan=True)
    state = needs.member_state(kyiv, needs.Scenario(power_off_hours=0.0))
    assert np.array_equal(state.indoor_c, kyiv.indoor_c.values.astype(float))


def test_power_failing_for_24h_never_lowers_the_cold_needs_and_runs_on_the_same_ensemble(kyiv):
    table = needs.what_if(kyiv, NP, needs.Scenario(power_off_hours=24))
    body = table[table["district_code"] != needs.TOTAL_CODE]
    assert (body["expected_below_12c_24h_change"] >= 0).all()
    assert (body["heaters_24h_median_scenario"] == 0).all()  # no power in the first 24 h: no heater runs
    assert (body["risk_scenario"].fillna(-1) >= body["risk_baseline"].fillna(-1)).all()
    assert set(body["rank_scenario"]) == set(range(1, 11))
    total = table.iloc[-1]
    assert total["expected_below_12c_24h_change"] == body["expected_below_12c_24h_change"].sum()


def test_heat_returning_ends_the_exposure_after_it(kyiv):
    start = pd.Timestamp(kyiv.indoor_c["time"].values[0], tz="UTC")
    now = needs.needs_table(kyiv, NP, scenario=needs.Scenario(heat_returns_at=start))
    assert (rows(now)[["expected_below_12c", "heaters_median", "heater_kw_median"]].fillna(0) == 0).all().all()
    later = needs.what_if(kyiv, NP, needs.Scenario(heat_returns_at=start + pd.Timedelta(hours=12)))
    assert (later["expected_below_12c_change"].iloc[:-1] <= 0).all()


def test_what_if_flags_write_the_comparison(tmp_path, kyiv):
    out = tmp_path / "w.csv"
    assert cli.main(["rank", "--what-if-power-off-hours", "24", "--what-if-heat-returns", "2026-02-02T12:00Z",
                     "--what-if-out", str(out), "--out", str(tmp_path / "p.csv")]) == 0
    table = pd.read_csv(out, dtype={"district_code": str})
    scenario = needs.Scenario(24.0, pd.Timestamp("2026-02-02T12:00Z"))
    expected = needs.what_if(pipeline.rank(pipeline.load_inputs(), default_params()), NP, scenario)  # as the CLI
    assert table["scenario"].iloc[0] == "power off everywhere for 24 h; heat returns at 2026-02-02T12:00Z"
    assert list(table["rank_scenario"].iloc[:-1]) == list(expected["rank_scenario"].iloc[:-1])
    assert (table["expected_below_12c_change"] == expected["expected_below_12c_change"].astype(float)).all()


def test_config_inputs_warming_sites_is_relative_to_the_config_file(tmp_path):
    folder = tmp_path / "etc"
    folder.mkdir()
    (folder / "sites.csv").write_bytes(KYIV_SITES)
    (folder / "heatneed.toml").write_text('[inputs]\nwarming_sites = "sites.csv"\n')
    needs_out = tmp_path / "needs.csv"
    assert cli.main(["rank", "--config", str(folder / "heatneed.toml"), "--out", str(tmp_path / "p.csv"),
                     "--needs-out", str(needs_out)]) == 0
    table = pd.read_csv(needs_out)
    assert table.iloc[-1]["warming_sites"] == 3 and (table["capacity_source"].iloc[:-1] == "sites").all()


def test_validate_reports_every_problem_of_a_sites_file(tmp_path):
    from heatneed.validate import validate_files

    path = tmp_path / "sites.csv"
    path.write_bytes(BAD_SITES.replace(b",-1,", b",10,"))
    ok, problems = validate_files([str(path)])
    assert ok == [] and len(problems) == 2
    assert problems[0].startswith("sites.csv, row 4, column district_code")
    path.write_bytes(KYIV_SITES)
    assert validate_files([str(path)]) == (["sites.csv: OK (warming_sites)"], [])


def test_needs_csv_neutralises_formula_like_text():
    d, u, o, f = frames(2, hours=30, seed=3)
    d.loc[0, "district_name"] = "=HYPERLINK(\"http://x\")"
    result = pipeline.rank(to_inputs(d, u, o, f), P)
    text = needs.needs_bytes(needs.needs_table(result, NP)).decode()
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
