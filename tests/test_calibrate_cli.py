"""``heatneed calibrate``: the readings reader, the command line, and calibrated τ flowing into ``rank``."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from heatneed import calibrate as cal
from heatneed import pipeline
from heatneed.cli import main
from heatneed.config import model_params
from heatneed.errors import InputError
from heatneed.readings import read_readings

HOLOSIIVSKYI = "UA80000000000126643"
S = cal.calibrate_settings()


def readings_frame(sites=((60.0, 3.0), (90.0, 5.0), (120.0, 2.0)), hours=150, district=HOLOSIIVSKYI, seed=3):
    """Hourly model-generated readings of several flats (τ [h], gain [K]) with 0.2 K noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(0, float(hours))
    outdoor = -8 + 4 * np.sin(2 * np.pi * t / 24)
    times = pd.Timestamp("2026-01-10", tz="UTC") + pd.to_timedelta(t, unit="h")
    frames = []
    for i, (tau, gain) in enumerate(sites):
        indoor = cal.simulate(cal.episode(t, 0 * t, outdoor), tau, gain, 20.0) + rng.normal(0, 0.2, t.size)
        frames.append(pd.DataFrame({"site_id": f"flat{i}", "time": times.strftime("%Y-%m-%dT%H:%MZ"),
                                    "indoor_c": indoor.round(2), "outdoor_c": outdoor.round(2),
                                    "district_code": district}))
    return pd.concat(frames, ignore_index=True)


def write(frame: pd.DataFrame, path) -> str:
    frame.to_csv(path, index=False)
    return str(path)


def run(capsys, *args) -> tuple[int, str, str]:
    code = main(["calibrate", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- reader

def test_readings_with_ukrainian_excel_dialect_and_any_row_order_are_read(tmp_path):
    frame = readings_frame(hours=30).sample(frac=1.0, random_state=1)  # shuffled rows
    text = frame.to_csv(index=False, sep=";", decimal=",")
    path = tmp_path / "r.csv"
    path.write_bytes(("\ufeff" + text).encode("utf-8"))
    read = read_readings(path)
    assert len(read) == len(frame)
    assert read.groupby("site_id")["time"].apply(lambda s: s.is_monotonic_increasing).all()
    assert read["indoor_c"].dtype == float


def test_xlsx_readings_give_the_same_fit_as_csv(tmp_path):
    frame = readings_frame(sites=((80.0, 3.0),), hours=120)
    csv = write(frame, tmp_path / "r.csv")
    xlsx = tmp_path / "r.xlsx"
    excel = frame.assign(time=pd.to_datetime(frame["time"]).dt.tz_localize(None), heating_on=False)
    excel.to_excel(xlsx, index=False, engine="openpyxl")
    a = cal.calibrate(read_readings(csv), S).sites
    b = cal.calibrate(read_readings(xlsx), S).sites
    assert b.at[0, "tau_hours"] == pytest.approx(a.at[0, "tau_hours"], rel=1e-9)
    assert b.at[0, "heating_from"] == "heating_on column"


@pytest.mark.parametrize("edit, line", [
    (lambda f: f.assign(indoor_c=f["indoor_c"].astype(object).where(f.index != 4, "warm")),
     "r.csv, row 6, column indoor_c: must be a number (got 'warm')"),
    (lambda f: f.assign(indoor_c=f["indoor_c"].where(f.index != 2, 68.0)),
     "r.csv, row 4, column indoor_c: must be an indoor temperature between -50 and 45 °C"),
    (lambda f: f.assign(time=f["time"].where(f.index != 7, "yesterday")),
     "r.csv, row 9, column time: must be an ISO 8601 date or date-time"),
    (lambda f: f.assign(heating_on=np.where(f.index == 3, "maybe", "false")),
     "r.csv, row 5, column heating_on: must be true or false"),
    (lambda f: pd.concat([f, f.iloc[[5]]], ignore_index=True),
     "site 'flat0' has two readings at 2026-01-10 05:00Z (also row 7)"),
    (lambda f: f.assign(district_code=np.where(f.index == 9, "UA99", HOLOSIIVSKYI)),
     "r.csv, row 11, column district_code: district_code 'UA99' is not in the districts file"),
    (lambda f: f.drop(columns="indoor_c"), "r.csv, column indoor_c: required column is missing"),
])
def test_bad_readings_give_one_line_naming_file_row_and_column(tmp_path, edit, line):
    path = write(edit(readings_frame(sites=((60.0, 3.0),), hours=12)), tmp_path / "r.csv")
    registry = pd.read_csv(cal.default_registry_file()).set_index("district_code", drop=False)
    with pytest.raises(InputError) as caught:
        read_readings(path, registry=registry)
    assert any(p.startswith(line) or line in p for p in caught.value.problems), caught.value.problems


def test_truncated_csv_and_damaged_workbook_are_named(tmp_path):
    cut = tmp_path / "cut.csv"
    cut.write_text("site_id,time,indoor_c,outdoor_c\na,2026-01-01T00:00Z,20.1,-5\na,2026-01-01T01:00Z")
    with pytest.raises(InputError) as caught:
        read_readings(cut)
    assert caught.value.problems == ["cut.csv, row 3, column indoor_c: must not be empty",
                                     "cut.csv, row 3, column outdoor_c: must not be empty"]
    broken = tmp_path / "r.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    with pytest.raises(InputError, match=r"^r.xlsx: not a readable Excel workbook"):
        read_readings(broken)


def test_heating_on_column_splits_episodes_and_heated_hours_are_not_fitted():
    t = np.arange(0, 80.0)
    outdoor = np.full(t.size, -10.0)
    first = cal.simulate(cal.episode(t[:40], 0 * t[:40], outdoor[:40]), 50.0, 3.0, 20.0)
    second = cal.simulate(cal.episode(t[:30], 0 * t[:30], outdoor[:30]), 50.0, 3.0, 19.0)
    indoor = np.r_[first, np.full(10, 20.5), second]  # 10 heated hours in between
    site = pd.DataFrame({"time": pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(t, unit="h"),
                         "indoor_c": indoor, "outdoor_c": outdoor, "heating_on": np.r_[[False] * 40, [True] * 10,
                                                                                          [False] * 30],
                         "_row": np.arange(80) + 2})
    episodes, how = cal.split_episodes(site, S)
    assert how == "heating_on column" and [len(e.indoor_c) for e in episodes] == [40, 30]
    detected, how = cal.split_episodes(site.drop(columns="heating_on"), S)
    assert how == "detected from indoor rises"
    assert len(detected) == 2 and len(detected[0].indoor_c) == 40  # ends at the lowest reading before the rise
    fit = cal.fit_first_order(episodes, S)
    assert fit.tau_hours == pytest.approx(50.0, rel=1e-6)


# --------------------------------------------------------------------------- command line

def test_calibrate_writes_district_rows_the_registry_accepts(tmp_path, capsys):
    readings = write(readings_frame(), tmp_path / "r.csv")
    code, out, err = run(capsys, readings, "--out", tmp_path / "params.csv", "--sites-out", tmp_path / "sites.csv",
                         "--registry-out", tmp_path / "districts.csv")
    assert code == 0, err
    params = pd.read_csv(tmp_path / "params.csv")
    assert list(params.columns) == cal.DISTRICT_COLUMNS
    row = params.iloc[0]
    assert row["district_code"] == HOLOSIIVSKYI and row["n_sites"] == 3
    sites = pd.read_csv(tmp_path / "sites.csv").set_index("site_id")
    assert sites["status"].eq("free").all()
    np.testing.assert_allclose(sites["tau_hours"], [60, 90, 120], rtol=0.06)
    assert row["tau_hours"] == pytest.approx(sites["tau_hours"].median(), abs=0.05)
    assert row["tau_low_hours"] < row["tau_hours"] < row["tau_high_hours"]
    assert err.count("τ and gain fitted") == 3
    from heatneed.inputs import load_districts

    merged = load_districts(tmp_path / "districts.csv")  # validated like any registry
    assert merged.at[HOLOSIIVSKYI, "tau_hours"] == row["tau_hours"]
    assert merged["tau_hours"].notna().sum() == 1


def test_bad_readings_exit_2_and_leave_the_output_untouched(tmp_path, capsys):
    out = tmp_path / "params.csv"
    out.write_text("previous\n")
    bad = readings_frame(hours=10).assign(indoor_c="x")
    code, _, err = run(capsys, write(bad, tmp_path / "r.csv"), "--out", out)
    assert code == 2
    assert err.splitlines()[0] == "heatneed: error: r.csv, row 2, column indoor_c: must be a number (got 'x')"
    assert out.read_text() == "previous\n"


def test_readings_without_outdoor_need_a_source_and_flat_data_is_refused(tmp_path, capsys):
    frame = readings_frame(hours=20)
    code, _, err = run(capsys, write(frame.drop(columns="outdoor_c"), tmp_path / "a.csv"))
    assert code == 2 and "no outdoor_c column; give --outdoor FILE or --forecast-source" in err
    flat = frame.assign(indoor_c=18.0)
    code, _, err = run(capsys, write(flat, tmp_path / "b.csv"))
    assert code == 2
    assert "refused: τ cannot be measured from these readings" in err
    assert "no site gave a usable τ" in err


def test_outdoor_file_is_interpolated_to_the_reading_times(tmp_path, capsys):
    frame = readings_frame(sites=((70.0, 3.0),), hours=100)
    outdoor = frame[["time", "outdoor_c"]].iloc[::2]  # every second hour: linear in between
    write(outdoor, tmp_path / "outdoor.csv")
    readings = write(frame.drop(columns="outdoor_c").iloc[::2], tmp_path / "r.csv")
    code, out, err = run(capsys, readings, "--outdoor", tmp_path / "outdoor.csv")
    assert code == 0, err
    assert pd.read_csv(io.StringIO(out)).at[0, "tau_hours"] == pytest.approx(70.0, rel=0.1)
    short = write(outdoor.iloc[:10], tmp_path / "short.csv")
    code, _, err = run(capsys, readings, "--outdoor", short)
    assert code == 2 and "r.csv, row 12, column time: no outdoor temperature in short.csv covers 2026-01-10 20:00Z" in err


def test_calibrate_exit_code_end_to_end(cli, tmp_path):
    bad = tmp_path / "r.csv"
    bad.write_text("site_id,time,indoor_c\n")
    done = cli("calibrate", bad)
    assert done.returncode == 2
    assert done.stderr.strip() == "heatneed: error: r.csv: has a header but no data rows"


# --------------------------------------------------------------------------- into the ranking

def test_calibrated_tau_flows_into_rank_and_moves_hours_to_12c_as_the_physics_says(tmp_path):
    readings = write(readings_frame(sites=((40.0, 3.0), (45.0, 3.0), (50.0, 3.0))), tmp_path / "r.csv")
    result, registry = cal.calibrate_files(readings)
    merged = cal.registry_bytes(registry, result.districts)
    tau = float(pd.read_csv(io.BytesIO(merged)).set_index("district_code").at[HOLOSIIVSKYI, "tau_hours"])
    assert tau == pytest.approx(45.0, rel=0.05)
    p = model_params()
    calibrated = pipeline.rank(pipeline.load_inputs(districts=merged, names={"districts": "districts.csv"}), p)
    default = pipeline.rank(pipeline.load_inputs(), p)
    everywhere = pipeline.rank(pipeline.load_inputs(), p.replace(tau_hours=tau))
    got, base, same_tau = (r.detail for r in (calibrated, default, everywhere))
    assert got.at[HOLOSIIVSKYI, "tau_hours"] == tau
    # the calibrated district is modelled exactly as with τ set for everyone; the others are untouched
    assert got.at[HOLOSIIVSKYI, "hours_to_12c"] == pytest.approx(same_tau.at[HOLOSIIVSKYI, "hours_to_12c"], rel=1e-6)
    others = got.index != HOLOSIIVSKYI
    pd.testing.assert_series_equal(got.loc[others, "hours_to_12c"], base.loc[others, "hours_to_12c"])
    # a shorter τ than the default 100 h: the flats reach 12 °C sooner, in proportion to τ at first order
    assert got.at[HOLOSIIVSKYI, "hours_to_12c"] < base.at[HOLOSIIVSKYI, "hours_to_12c"]
    ratio = got.at[HOLOSIIVSKYI, "hours_to_12c"] / base.at[HOLOSIIVSKYI, "hours_to_12c"]
    assert ratio == pytest.approx(tau / p.tau_hours, rel=0.25)


def test_site_names_cannot_become_spreadsheet_formulas(tmp_path, capsys):
    frame = readings_frame(sites=((60.0, 3.0),), hours=60).assign(site_id="=HYPERLINK(\"http://x\")")
    code, _, err = run(capsys, write(frame, tmp_path / "r.csv"), "--sites-out", tmp_path / "sites.csv")
    assert code == 0, err
    assert (tmp_path / "sites.csv").read_text().splitlines()[1].startswith("\"'=HYPERLINK(")
