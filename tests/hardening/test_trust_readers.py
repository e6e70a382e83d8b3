"""Issue 11 "Trust", classes 1-5: forecast time axes, quantities and units, plausible reports,
reader errors as exit 2, limits before reading.

The corpus files t1_… to t5_… (tools/make_bad_inputs.py) go through ``rank`` in test_corpus.py
and through the app's uploads in test_app_uploads.py; here: the scheduled refresh on them, the
rules' own behaviour (sorting, short forecasts, clock skew, limits), special files and a
hypothesis property on the order of a NetCDF time axis.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import threading

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hardening_support import CASES, CORPUS, SCENARIO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from refresh_support import files_state, refresh_argv

from heatneed import cli, pipeline
from heatneed.config import default_params
from heatneed.errors import InputError, located, shorten
from heatneed.export import priority_bytes
from heatneed.inputs import plausibility
from heatneed.limits import applied, input_limits
from heatneed.sources import read_forecast_file

NEW = [c for c in CASES if c["file"][:3] in ("t1_", "t2_", "t3_", "t4_", "t5_")]
CODES = pd.read_csv(SCENARIO / "districts.csv", dtype=str)["district_code"].tolist()


def test_the_new_corpus_covers_classes_1_to_5_with_at_least_45_cases():
    assert len(NEW) >= 45
    per_class = {f"t{k}": sum(c["file"].startswith(f"t{k}_") for c in NEW) for k in range(1, 6)}
    assert all(n >= 3 for n in per_class.values()), per_class
    assert sum(c["outcome"] == "error" for c in NEW) >= 45


# --------------------------------------------------------------------------- the scheduled refresh

# One error case per class and role (every corpus case goes through ``rank`` in test_corpus.py;
# the refresh assembles its inputs with the same code, so a sample per class keeps the suite fast).
REFRESH_CASES = list({(c["file"][:2], c["role"]): c for c in NEW if c["outcome"] == "error"}.values())


@pytest.mark.parametrize("case", REFRESH_CASES, ids=lambda c: c["file"])
def test_a_scheduled_refresh_publishes_none_of_the_bad_files(published, run, case):
    before = files_state(published)
    code, err = run(*refresh_argv(published, f"--{case['role']}", CORPUS / case["file"]))
    assert code == 2, err
    assert case["message"] in err and "Traceback" not in err and "internal error" not in err
    assert files_state(published) == before


def test_a_short_forecast_is_published_saying_so_on_every_row(published, run, caplog):
    code, err = run(*refresh_argv(published, "--forecast", CORPUS / "t1_csv_12h_ok.csv"))
    assert code == 0, err
    assert "t1_csv_12h_ok.csv: the forecast covers only 12 of the 72 h horizon" in caplog.text
    published_list = pd.read_csv(published / "latest" / "priority.csv")
    assert published_list["completeness"].str.endswith("; forecast covers only 12 of 72 h").all()
    manifest = json.loads((published / "latest" / "manifest.json").read_text())
    assert manifest["forecast"]["covered_hours"] == 12.0


# --------------------------------------------------------------------------- class 1: time axes

def test_an_unordered_axis_is_sorted_with_a_note_and_ranks_like_the_ordered_one(tmp_path, capsys):
    ordered, shuffled = tmp_path / "ordered.csv", tmp_path / "shuffled.csv"
    assert cli.main(["rank", "--forecast", str(CORPUS / "t1_nc_reversed_ok.nc"), "--out", str(ordered)]) == 0
    capsys.readouterr()
    assert cli.main(["rank", "--forecast", str(CORPUS / "t1_nc_shuffled_ok.nc"), "--out", str(shuffled)]) == 0
    err = capsys.readouterr().err
    assert "heatneed: note: t1_nc_shuffled_ok.nc: the time axis was not in increasing order and has been sorted" \
        in err
    assert ordered.read_bytes() == shuffled.read_bytes()
    ranked = pd.read_csv(shuffled)
    assert ranked["min_indoor_c"].dropna().between(-15.0, 20.0).all()  # −15 °C outside all day: never colder


def test_the_covered_hours_are_in_the_dataset_attrs_and_the_cli_notes(tmp_path, capsys):
    registry = pipeline.load_inputs().districts
    ds = read_forecast_file(CORPUS / "t1_csv_12h_ok.csv", registry)
    assert ds.attrs["covered_hours"] == 12.0
    ds = read_forecast_file(CORPUS / "t1_csv_ecmwf_3h_then_6h_ok.csv", registry)
    assert ds.attrs["covered_hours"] == 36.0  # 0…30 h plus one last 6 h step
    out = tmp_path / "p.csv"
    assert cli.main(["rank", "--forecast", str(CORPUS / "t1_csv_12h_ok.csv"), "--out", str(out)]) == 0
    assert "covers only 12 of the 72 h horizon" in capsys.readouterr().err
    assert cli.main(["rank", "--forecast", str(CORPUS / "t1_csv_12h_ok.csv"), "--horizon-hours", "12",
                     "--out", str(out)]) == 0
    assert "covers only" not in capsys.readouterr().err
    assert not pd.read_csv(out)["completeness"].str.contains("covers only").any()


def test_the_minimum_forecast_length_is_a_setting(tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_text("[inputs]\nmin_forecast_hours = 24\n")
    out = tmp_path / "p.csv"
    code = cli.main(["rank", "--config", str(config), "--forecast", str(CORPUS / "t1_csv_12h_ok.csv"),
                     "--out", str(out)])
    assert code == 2
    assert "t1_csv_12h_ok.csv, column time: covers only 12 h; at least 24 h are needed" in capsys.readouterr().err
    assert not out.exists()


# --------------------------------------------------------------------------- hypothesis: order of the axis

def _nc_forecast(path, order: np.ndarray) -> None:
    """A valid tidy NetCDF forecast of the Kyiv registry whose time axis is written in ``order``."""
    rng = np.random.default_rng(7)
    hours = 36
    temp = -12.0 + rng.normal(0, 4, (len(CODES), hours, 3)).cumsum(axis=1) * 0.3
    wind = rng.uniform(0, 30, temp.shape)
    times = pd.date_range("2026-02-01", periods=hours, freq="h")
    xr.Dataset({"temp_c": (("district", "time", "member"), temp[:, order], {"units": "degC"}),
                "wind_kmh": (("district", "time", "member"), wind[:, order], {"units": "km/h"})},
               coords={"district": CODES, "time": times[order], "member": [0, 1, 2]}).to_netcdf(path)


@pytest.fixture(scope="module")
def base_inputs():
    return pipeline.load_inputs()


@pytest.fixture(scope="module")
def ordered_list(base_inputs, tmp_path_factory):
    path = tmp_path_factory.mktemp("axis") / "ordered.nc"
    _nc_forecast(path, np.arange(36))
    forecast = read_forecast_file(path, base_inputs.districts)
    return priority_bytes(pipeline.rank(dataclasses.replace(base_inputs, forecast=forecast), default_params()).priority)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(list(range(36))), repeat=st.one_of(st.none(), st.integers(0, 34)))
def test_any_order_of_a_netcdf_time_axis_gives_the_same_list_or_a_refusal(order, repeat, base_inputs,
                                                                          ordered_list, tmp_path):
    order = np.array(order)
    if repeat is not None:  # one time written twice (with its own values) instead of another
        order[order == repeat + 1] = repeat
    path = tmp_path / "forecast.nc"
    _nc_forecast(path, order)
    try:
        forecast = read_forecast_file(path, base_inputs.districts)
    except InputError as exc:
        assert repeat is not None, exc.problems
        when = (pd.Timestamp("2026-02-01") + pd.Timedelta(hours=repeat)).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert exc.problems == [located("forecast.nc", f"time {when} appears more than once; each time must "
                                                       "appear once", column="time")]
        return
    assert repeat is None
    result = pipeline.rank(dataclasses.replace(base_inputs, forecast=forecast), default_params())
    assert priority_bytes(result.priority) == ordered_list


# --------------------------------------------------------------------------- class 2: quantities

def _grid(var: str, attrs: dict, value=258.15, **coords) -> xr.Dataset:
    return xr.Dataset({var: (("time", "latitude", "longitude"), np.full((8, 2, 2), value), attrs)},
                      coords={"time": pd.date_range("2026-02-01", periods=8, freq="h"),
                              "latitude": [50.0, 51.0], "longitude": [30.0, 31.0], **coords})


@pytest.mark.parametrize("var, attrs, why", [
    ("t", {"units": "K", "standard_name": "air_temperature", "GRIB_paramId": 130, "GRIB_typeOfLevel": "isobaricInhPa", "GRIB_level_isobaricInhPa": 850.0},
     "'t' has GRIB parameter 130"),
    ("mx2t", {"units": "K", "standard_name": "air_temperature", "GRIB_paramId": 201, "GRIB_stepType": "max"}, "'mx2t' has GRIB parameter 201"),
    ("t2m", {"units": "K", "GRIB_paramId": 167, "GRIB_stepType": "max"}, "'t2m' is a maximum"),
    ("t2m", {"units": "K", "GRIB_paramId": 167, "GRIB_level_isobaricInhPa": 850.0}, "'t2m' is at height level type"),
    ("t2m", {"units": "K", "cell_methods": "time: minimum"}, "'t2m' is a maximum, minimum or mean"),
])
def test_only_2m_air_temperature_is_taken_from_grib_like_variables(var, attrs, why):
    from heatneed.sources.gridded import read_gridded

    with pytest.raises(InputError, match="no 2 m temperature") as caught:
        read_gridded(_grid(var, attrs), pd.DataFrame({"district_code": ["A"], "lat": [50.5], "lon": [30.5]}),
                     name="g.grib2")
    assert why in str(caught.value)


def test_wind_units_attributes_are_honoured_in_gridded_files():
    from heatneed.sources.gridded import read_gridded

    grid = _grid("t2m", {"units": "K"}).assign(
        si10=(("time", "latitude", "longitude"), np.full((8, 2, 2), 5.0), {"units": "m s-1"}))
    ds = read_gridded(grid, pd.DataFrame({"district_code": ["A"], "lat": [50.5], "lon": [30.5]}), name="g.nc")
    assert np.allclose(ds["wind_kmh"].values, 18.0)  # 5 m/s × 3.6
    assert np.allclose(ds["temp_c"].values, -15.0)


# --------------------------------------------------------------------------- class 3: plausible reports

def test_report_times_may_lead_the_clock_by_the_skew_allowance_only():
    now = pd.Timestamp("2026-02-01T12:00Z")
    frame = pd.DataFrame({"district_code": [CODES[0]] * 3, "_row": [2, 3, 4],
                          "reported_at": pd.to_datetime(["2026-02-01T12:59Z", "2026-02-01T13:01Z",
                                                         "2026-02-01T11:00Z"], utc=True),
                          "unheated_buildings": [1.0, 1.0, 1.0]})
    problems = plausibility(frame, "unheated", None, "u.csv", now=now)
    assert input_limits().clock_skew_minutes == 60.0
    assert problems == ["u.csv, row 3, column reported_at: 2026-02-01T13:01Z is in the future "
                        "(now 2026-02-01T12:00Z, 60 min clock skew allowed)"]


def test_every_problem_of_a_file_is_reported_at_once(capsys):
    assert cli.main(["validate", str(CORPUS / "t4_u_unknown_code_and_bad_count.csv")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert any("row 2, column district_code: district_code 'UA99' is not in the districts file" in e for e in err)
    assert any("row 3, column unheated_buildings: must be ≥ 0" in e for e in err)


def test_long_values_are_shortened_in_messages(tmp_path, capsys):
    assert cli.main(["rank", "--unheated", str(CORPUS / "t4_u_2mb_code.csv"), "--out", str(tmp_path / "p.csv")]) == 2
    err = capsys.readouterr().err
    assert len(err) < 600 and "(2,000,002 characters)" in err
    assert shorten("x" * 100, 20) == "xxxxxxxx…xxxxxxxx (100 characters)"


# --------------------------------------------------------------------------- class 5: limits before reading

def _no_hang(seconds: float):
    def fire(*_):
        raise TimeoutError("the reader blocked")

    signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)


@pytest.mark.parametrize("flag, device", [("--forecast", "/dev/zero"), ("--unheated", "/dev/urandom"),
                                          ("--districts", "/dev/zero")])
def test_devices_are_refused_without_reading_them(flag, device, tmp_path, capsys):
    _no_hang(10)
    try:
        code = cli.main(["rank", flag, device, "--out", str(tmp_path / "p.csv")])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    assert code == 2
    assert capsys.readouterr().err.strip() == (f"heatneed: error: {os.path.basename(device)}: is not a regular file "
                                               "(a device, pipe, socket or folder); give a saved file")


def test_a_fifo_never_blocks_a_scheduled_refresh(published, run, tmp_path):
    fifo = tmp_path / "forecast.csv"
    os.mkfifo(fifo)
    before = files_state(published)
    result = {}
    worker = threading.Thread(target=lambda: result.update(out=run(*refresh_argv(published, "--forecast", fifo))),
                              daemon=True)
    worker.start()
    worker.join(30)
    if worker.is_alive():  # unblock the reader so the test process can end, then fail
        open(fifo, "wb").close()
        pytest.fail("the refresh blocked on a FIFO")
    code, err = result["out"]
    assert code == 2 and "forecast.csv: is not a regular file" in err
    assert files_state(published) == before


def test_the_file_size_limit_is_a_setting_for_files_and_uploads(tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_text("[inputs]\nmax_file_bytes = 2000\n")
    code = cli.main(["rank", "--config", str(config), "--out", str(tmp_path / "p.csv")])
    assert code == 2
    err = capsys.readouterr().err
    assert "heatneed: error: forecast.csv: is 1," in err and "at most 2,000 are accepted ([inputs] max_file_bytes)" in err
    from heatneed import app_support as support

    with applied({"inputs": {"max_file_bytes": 1500}}), pytest.raises(InputError) as caught:  # registry: 1,110 B
        support.load_sources({"unheated": support.Upload.of("unheated", "big.csv", b"x" * 1501)})
    assert caught.value.problems == ["big.csv: is 1,501 bytes; at most 1,500 are accepted ([inputs] max_file_bytes)"]


@pytest.mark.parametrize("value", ["0", "nan", "true", "\"big\"", "-5"])
def test_a_bad_limit_setting_is_refused(value, tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_text(f"[inputs]\nmax_file_bytes = {value}\n")
    assert cli.main(["rank", "--config", str(config), "--out", str(tmp_path / "p.csv")]) == 2
    assert "[inputs] max_file_bytes must be a " in capsys.readouterr().err  # a finite, whole number > 0


def test_validate_reports_every_new_case_as_rank_does(capsys):
    """``validate`` uses the same readers: the same verdict and message for every t1_…–t5_ file."""
    wrong = []
    for case in NEW:
        code = cli.main(["validate", str(CORPUS / case["file"])])
        err = capsys.readouterr().err
        if "internal error" in err or (code == 0) != (case["outcome"] == "ok") or case["message"] not in err:
            wrong.append(f"{case['file']}: exit {code}: {err[:200]}")
    assert not wrong, "\n".join(wrong)


def test_netcdf_and_grib_have_their_own_byte_limit(tmp_path):
    """Grids are read lazily (memory bounded by their declared dimensions), so a country ensemble of
    hundreds of MB is not held to the 100 MB limit of files read whole."""
    registry = pipeline.load_inputs().districts
    path = CORPUS / "t1_nc_reversed_ok.nc"
    size = path.stat().st_size
    with applied({"inputs": {"max_file_bytes": 100, "max_grid_file_bytes": size}}):
        assert read_forecast_file(path, registry).sizes["time"] == 24
    with applied({"inputs": {"max_grid_file_bytes": size - 1}}), pytest.raises(InputError) as caught:
        read_forecast_file(path, registry)
    assert caught.value.problems == [f"t1_nc_reversed_ok.nc: is {size:,} bytes; at most {size - 1:,} are accepted "
                                     "([inputs] max_grid_file_bytes)"]
    assert input_limits().max_grid_file_bytes == 16 * 1024 ** 3
