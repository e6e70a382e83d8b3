"""Hourly outage schedules (issue 17): the real DTEK and Yasno samples, malformed files, DST in
Europe/Kyiv, p_on on the forecast grid, and the model with hourly power against the daily path."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heatneed import physics, pipeline, schedules
from heatneed.cli import main
from heatneed.config import default_params, load_config
from heatneed.errors import InputError
from heatneed.pipeline import load_inputs

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "outage-schedules"
EXAMPLE_SCHEDULE = ROOT / "examples" / "outage-schedule.csv"
EXAMPLE_QUEUES = ROOT / "examples" / "district-queues.csv"
P = default_params()
MIN_INDOOR = list(pipeline.METRIC_COLUMNS).index("min_indoor_c")


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def spans(slots: pd.DataFrame) -> list[list[pd.Timestamp]]:
    return [[pd.Timestamp(a), pd.Timestamp(b)] for a, b in zip(slots["start"], slots["end"])]


def grid(start: str, hours: int) -> pd.DatetimeIndex:
    """Hourly step boundaries (UTC, tz-naive): ``hours`` steps."""
    return pd.date_range(pd.Timestamp(start).tz_localize(None), periods=hours + 1, freq="h")


def problems(call) -> list[str]:
    with pytest.raises(InputError) as err:
        call()
    return err.value.problems


# --------------------------------------------------------------------------- the shared samples

def test_dtek_fact_sample_gives_the_published_half_hours_in_utc():
    s = schedules.read_schedule(SAMPLES / "dtek_gpv" / "fact_example_2025-10-29.json")
    assert s.source == "DTEK" and s.queues == {"1.1"}
    # GPV1.1 on 29.10.2025 (EET, +02:00): 13 second, 14–16 no, 17 first → off 12:30–16:30 local.
    assert spans(s.slots) == [[utc("2025-10-29T10:30"), utc("2025-10-29T14:30")]]
    queues, published, preset, off = schedules.queue_power(s, grid("2025-10-29T08:00", 8))
    np.testing.assert_array_equal(off[0], [0, 0, 0.5, 1, 1, 1, 0.5, 0])
    np.testing.assert_array_equal(published[0], np.ones(8))
    assert not preset.any()


def test_dtek_preset_sample_repeats_the_weekly_template_and_maybe_is_configurable():
    s = schedules.read_schedule(SAMPLES / "dtek_gpv" / "odesa_preset_excerpt.json")
    assert s.queues == {"1.1", "1.2"} and len(s.preset_days) == 14 and s.slots.empty
    monday = s.preset[(s.preset["queue"] == "1.1") & (s.preset["weekday"] == 0)]
    assert monday[["start_min", "end_min"]].values.tolist() == [[0, 360], [570, 990], [1200, 1440]]
    assert set(s.preset["kind"]) == {"maybe"}
    bounds = grid("2026-02-01T22:00", 24)  # Monday 2 February 2026, Kyiv midnight to midnight
    _, published, preset, off = schedules.queue_power(s, bounds, maybe_off=True)
    assert not published.any() and (preset == 1).all()
    assert off[0].sum() == pytest.approx((360 + 420 + 240) / 60)
    assert not schedules.queue_power(s, bounds, maybe_off=False)[3].any()


def test_yasno_planned_sample_today_and_tomorrow():
    s = schedules.read_schedule(SAMPLES / "yasno" / "planned_outages_example.json")
    assert s.source == "Yasno" and s.queues == {"1.1"}
    assert spans(s.slots) == [
        [utc("2025-11-05T12:00"), utc("2025-11-05T16:00")],  # 840–1080 min, +02:00
        [utc("2025-11-06T15:00"), utc("2025-11-06T18:00")]]  # 1020–1200 min
    assert sorted(s.days["date"]) == [dt.date(2025, 11, 5), dt.date(2025, 11, 6)]


def test_yasno_probable_sample_is_a_weekly_preset_and_empty_days_stay_unknown():
    s = schedules.read_schedule(SAMPLES / "yasno" / "probable_outages_example.json")
    assert s.source == "Yasno" and s.preset_days.values.tolist() == [["1.1", 0]]
    assert s.preset[["start_min", "end_min"]].values.tolist() == [[0, 300], [510, 930], [1140, 1440]]
    _, _, preset, off = schedules.queue_power(s, grid("2026-02-01T22:00", 48))  # Monday, Tuesday
    np.testing.assert_array_equal(preset[0], [1] * 24 + [0] * 24)
    assert off[0].sum() == pytest.approx((300 + 420 + 300) / 60)


def test_yasno_emergency_day_means_no_power_all_day(tmp_path):
    doc = json.loads((SAMPLES / "yasno" / "planned_outages_example.json").read_text())
    doc["1.1"]["tomorrow"]["status"] = "EmergencyShutdowns"
    s = schedules.read_schedule(json.dumps(doc).encode(), "planned.json")
    _, published, _, off = schedules.queue_power(s, grid("2025-11-05T22:00", 24))
    assert (published == 1).all() and (off == 1).all()


# --------------------------------------------------------------------------- malformed files

def test_malformed_json_schedules_are_refused_with_file_and_field():
    dtek = json.loads((SAMPLES / "dtek_gpv" / "fact_example_2025-10-29.json").read_text())
    day = dtek["fact"]["data"]["1761688800"]["GPV1.1"]
    day["25"] = "no"
    day["3"] = "off"
    lines = problems(lambda: schedules.read_schedule(json.dumps(dtek).encode(), "dtek.json"))
    assert "dtek.json, field fact.data.1761688800.GPV1.1.25: hour slot outside 0–24 h (slots are \"1\"…\"24\")" in lines
    assert any(line.startswith("dtek.json, field fact.data.1761688800.GPV1.1.3: unknown value 'off'") for line in lines)

    yasno = json.loads((SAMPLES / "yasno" / "planned_outages_example.json").read_text())
    yasno["1.1"]["today"]["slots"][1]["start"] = 800  # overlaps the slot before it (0–840)
    yasno["1.1"]["tomorrow"]["slots"][2]["end"] = 1500  # past 24 h
    lines = problems(lambda: schedules.read_schedule(json.dumps(yasno).encode(), "yasno.json"))
    assert lines == [
        "yasno.json, field 1.1.today.slots[1]: slot 800–1080 min overlaps 1.1.today.slots[0] (0–840 min)",
        "yasno.json, field 1.1.tomorrow.slots[2]: slot 1200–1500 min lies outside 0–24 h or ends before it starts"]


def test_malformed_csv_schedule_is_refused_with_file_row_and_column():
    text = ("queue,start,end\n"
            "1.1,2026-02-01T02:00,2026-02-01T06:00\n"
            "1.1,2026-02-01T05:00,2026-02-01T08:00\n"  # overlaps row 2
            "1.2,2026-02-01T08:00,2026-02-02T09:00\n"  # 25 h
            "1.2,tomorrow,2026-02-01T09:00\n")
    lines = problems(lambda: schedules.read_schedule(text.encode(), "plan.csv"))
    assert lines == [
        "plan.csv, row 4, column end: outage must end after it starts and last at most 24 h (got 25 h)",
        "plan.csv, row 5, column start: must be an ISO 8601 date-time, e.g. 2026-02-01T06:00 or 01.02.2026 06:00 "
        "(Kyiv time), or 2026-02-01T04:00Z (got 'tomorrow')"]
    # Fix the rows that fail each on their own: the overlap is then reported too.
    fixed = text.replace("2026-02-02T09:00", "2026-02-01T09:00").replace("tomorrow", "2026-02-01T08:30")
    fixed = fixed.replace("1.2,2026-02-01T08:30", "1.3,2026-02-01T08:30")
    assert problems(lambda: schedules.read_schedule(fixed.encode(), "plan.csv")) == [
        "plan.csv, row 3, column start: outage overlaps row 2 of queue 1.1"]
    assert problems(lambda: schedules.read_schedule(b"queue,begin\n1.1,x\n", "plan.csv")) == [
        "plan.csv, column start: required column is missing", "plan.csv, column end: required column is missing"]


def test_district_queues_unknown_queue_duplicates_and_shares_not_summing_to_one():
    inputs = load_inputs()
    s = schedules.read_schedule(EXAMPLE_SCHEDULE)
    text = ("district_code,queue,share\n"
            "UA80000000000126643,1.1,0.5\n"
            "UA80000000000126643,9.9,0.5\n"  # not in the schedule
            "UA80000000000210193,2.1,0.6\n"
            "UA80000000000210193,2.2,0.2\n"  # sums to 0.8
            "UA80000000000336424,GPV3.1,1\n"
            "UA80000000000336424,Черга 3.1,0\n"  # same queue again, and a share of 0
            "UA00,1.1,1\n")
    lines = problems(lambda: schedules.read_district_queues(text.encode(), inputs.districts, s, "queues.csv"))
    assert lines == ["queues.csv, row 7, column share: must be a share above 0 and at most 1 (got 0.0)"]
    text = text.replace("Черга 3.1,0", "Черга 3.1,0.5").replace("GPV3.1,1", "GPV3.1,0.5")
    lines = problems(lambda: schedules.read_district_queues(text.encode(), inputs.districts, s, "queues.csv"))
    assert lines[0].startswith("queues.csv, row 3, column queue: queue '9.9' is not in the schedule "
                               "outage-schedule.csv (it has 1.1, 1.2, 2.1")
    assert "queues.csv, row 4, column share: shares of district UA80000000000210193 sum to 0.8; they must " \
           "sum to 1 (± 0.01)" in lines
    assert "queues.csv, row 7, column queue: district UA80000000000336424 lists queue 3.1 twice" in lines
    assert "queues.csv, row 8, column district_code: district_code 'UA00' is not in the districts file" in lines


def test_shares_within_tolerance_are_scaled_to_one():
    inputs = load_inputs()
    s = schedules.read_schedule(EXAMPLE_SCHEDULE)
    text = "district_code,queue,share\nUA80000000000126643,1.1,0.5\nUA80000000000126643,1.2,0.495\n"
    shares = schedules.read_district_queues(text.encode(), inputs.districts, s, "q.csv")
    assert shares.loc["UA80000000000126643"].sum() == pytest.approx(1.0, abs=1e-15)


def test_cli_refuses_a_bad_schedule_with_exit_2_and_keeps_the_output(tmp_path, capsys):
    out = tmp_path / "list.csv"
    out.write_text("last good list\n")
    bad = tmp_path / "plan.csv"
    bad.write_text("queue,start,end\n1.1,2026-02-01T02:00,2026-02-01T01:00\n")
    code = main(["rank", "--outage-schedule", str(bad), "--district-queues", str(EXAMPLE_QUEUES), "--out", str(out)])
    assert code == 2 and out.read_text() == "last good list\n"
    assert capsys.readouterr().err == ("heatneed: error: plan.csv, row 2, column end: outage must end after it starts "
                                       "and last at most 24 h (got -1 h)\n")
    assert main(["rank", "--outage-schedule", str(EXAMPLE_SCHEDULE)]) == 2
    assert "--outage-schedule needs --district-queues too" in capsys.readouterr().err


# --------------------------------------------------------------------------- time zones

def test_last_sunday_of_march_has_23_hours_and_no_hour_from_3_to_4():
    # 29 March 2026: Kyiv clocks go 03:00 EET → 04:00 EEST. Day key: Kyiv midnight = 2026-03-28T22:00Z.
    assert list(pd.to_datetime(schedules.wall_to_utc([dt.date(2026, 3, 29)] * 3, [180, 240, 1440]))) == \
        [utc("2026-03-29T01:00"), utc("2026-03-29T01:00"), utc("2026-03-29T21:00")]
    values = {str(k): "yes" for k in range(1, 25)}
    values.update({"4": "no", "5": "no", "24": "first"})  # 03–04 (does not exist), 04–05, 23:00–23:30
    doc = {"fact": {"data": {"1774735200": {"GPV1.1": values}}}}
    s = schedules.read_schedule(json.dumps(doc).encode(), "dst.json")
    bounds = grid("2026-03-28T20:00", 28)
    _, published, _, off = schedules.queue_power(s, bounds)
    assert published[0].sum() == 23  # 22:00Z … 21:00Z
    np.testing.assert_array_equal(np.flatnonzero(published[0]), np.arange(2, 25))
    assert off[0].tolist().count(1.0) == 1 and off[0][5] == 1.0  # 04:00–05:00 EEST = 01:00–02:00Z
    assert off[0][24] == 0.5 and off[0].sum() == 1.5  # 23:00–23:30 EEST = 20:00–20:30Z


def test_last_sunday_of_october_has_25_hours_and_the_repeated_hour_counts_twice():
    # 25 October 2026: 04:00 EEST → 03:00 EET; the slot 03–04 lasts from 00:00Z to 02:00Z.
    values = {str(k): ("no" if k == 4 else "yes") for k in range(1, 25)}
    midnight = int(dt.datetime(2026, 10, 25, tzinfo=schedules.KYIV).timestamp())
    s = schedules.read_schedule(json.dumps({"fact": {"data": {str(midnight): {"GPV2.2": values}}}}).encode(), "x.json")
    _, published, _, off = schedules.queue_power(s, grid("2026-10-24T21:00", 25))
    assert published[0].sum() == 25 and off[0].sum() == 2 and off[0][3] == off[0][4] == 1


def test_csv_times_without_offset_are_kyiv_wall_time_and_with_offset_absolute():
    text = "queue,start,end\n1,2026-03-29T02:00,2026-03-29T05:00\n2,2026-03-29T00:00Z,2026-03-29T03:00Z\n"
    s = schedules.read_schedule(text.encode(), "x.csv")
    # 02:00 EET = 00:00Z; 05:00 EEST = 02:00Z: three wall-clock hours, two real ones.
    assert spans(s.slots) == [[utc("2026-03-29T00:00"), utc("2026-03-29T02:00")],
                                                         [utc("2026-03-29T00:00"), utc("2026-03-29T03:00")]]


# --------------------------------------------------------------------------- power on the grid

def test_uncovered_steps_take_the_daily_status_and_emergency_overrides():
    inputs = load_inputs(outage_schedule=EXAMPLE_SCHEDULE, district_queues=EXAMPLE_QUEUES)
    a = pd.DataFrame({"power_on_share": [0.25, 0.25, np.nan], "outage_status": ["scheduled", "emergency", None]},
                     index=["UA80000000000126643", "UA80000000000210193", "UA80000000000336424"])
    # The example covers 1–2 February (Kyiv): 31 Jan 22:00Z to 2 Feb 22:00Z.
    bounds = grid("2026-02-02T12:00", 12)  # 14:00 local on 2 February to 00:00Z on the 3rd
    power, notes = schedules.hourly_power(inputs.hourly_power, a, bounds)
    # District 1: queues 1.1 (0.5) and 1.2 (0.3) off 12–16 local, 2.1 (0.2) off 16–20 local.
    np.testing.assert_allclose(power[0], [0.2, 0.2, 0.8, 0.8, 0.8, 0.8, 1, 1, 1, 1, 0.25, 0.25])
    assert notes.iloc[0] == "power: CSV schedule 83%, daily status (schedule ended) 17%"
    assert (power[1] == 0).all() and notes.iloc[1] == "power: none (emergency status overrides the schedule)"
    np.testing.assert_allclose(power[2, -2:], 0.0)  # unknown status beyond the schedule: no power (worst case)


def test_rank_with_a_schedule_names_the_outage_source_and_the_daily_case_is_unchanged():
    plain = pipeline.rank(load_inputs(), P)
    inputs = load_inputs(outage_schedule=EXAMPLE_SCHEDULE, district_queues=EXAMPLE_QUEUES)
    result = pipeline.rank(inputs, P)
    assert plain.power_on is None and "power:" not in "".join(plain.priority["completeness"])
    assert result.power_on.shape == (10, 72)
    row = result.priority.set_index("district_code").loc["UA80000000000126643"]
    assert row["completeness"] == "complete; power: CSV schedule 64%, daily status (schedule ended) 36%"
    # hours_off_per_day is the modelled mean over the horizon: from 02:00 local on 1 February (the forecast
    # start) to the schedule's end 46 h later, queues 1.x are off 2 + 4 + 8 h and queue 2.1 8 + 8 h, so
    # 0.8·14 + 0.2·16 = 14.4 h; the next 26 h take the daily 18 h a day: 19.5 h. (14.4 + 19.5) / 3 days.
    assert row["hours_off_per_day"] == pytest.approx((14.4 + 19.5) / 3, abs=0.05)


# --------------------------------------------------------------------------- the model with hourly power

def _csv_schedule(off_half_hours: list[int], days: int, start: dt.date) -> bytes:
    """Queue 1 off in the given half-hours of every Kyiv day (wall time)."""
    rows = ["queue,start,end"]
    for day in range(days):
        date = start + dt.timedelta(days=day)
        for j in off_half_hours:
            begin = dt.datetime.combine(date, dt.time()) + dt.timedelta(minutes=30 * j)
            rows.append(f"1,{begin:%Y-%m-%dT%H:%M},{begin + dt.timedelta(minutes=30):%Y-%m-%dT%H:%M}")
    return "\n".join(rows).encode()


def _one_district_power(schedule: bytes, bounds, daily_share: float) -> np.ndarray:
    registry = pd.DataFrame(index=["D"])
    s = schedules.read_schedule(schedule, "s.csv")
    power = schedules.HourlyPower(s, pd.DataFrame({"1": [1.0]}, index=["D"]))
    a = pd.DataFrame({"power_on_share": [daily_share], "outage_status": ["scheduled"]}, index=registry.index)
    return schedules.hourly_power(power, a, bounds)[0]


def _indoor(temp, tau, daily, p, power=None):
    t = np.asarray(temp, dtype=np.float32)[None, :, None]
    indoor = pipeline.indoor_buffer(t.shape, False)
    metrics = pipeline.district_metrics(t, np.zeros_like(t), np.array([[tau, daily, 0.0, 0.0]]), np.ones(t.shape[1]),
                                        p, indoor_out=indoor, power=power)
    return metrics[0], indoor[0, 0].astype(float)


@settings(max_examples=40, deadline=None)
@given(off_slots=st.integers(1, 47), tau=st.floats(40, 200), mean=st.floats(-25, 0), amplitude=st.floats(0, 8),
       phase=st.integers(0, 23))
def test_evenly_spread_outages_stay_within_the_documented_tolerance_of_the_daily_path(off_slots, tau, mean,
                                                                                      amplitude, phase):
    hours_off = off_slots / 2
    spread = sorted({int(i * 48 / off_slots) for i in range(off_slots)})  # evenly over the day
    bounds = grid("2026-01-31T22:00", 72)  # three whole Kyiv days (EET)
    daily = 1 - hours_off / 24
    power = _one_district_power(_csv_schedule(spread, 3, dt.date(2026, 2, 1)), bounds, daily)
    # The daily mean of p_on equals the daily status exactly, day by day.
    np.testing.assert_allclose(power[0].reshape(3, 24).mean(axis=1), daily, atol=1e-12)
    temp = mean + amplitude * np.cos(2 * np.pi * (np.arange(72) - phase) / 24)
    metrics, indoor = _indoor(temp, tau, daily, P)
    metrics_s, indoor_s = _indoor(temp, tau, daily, P, power)
    # Documented tolerance: |ΔT_in| ≤ 2·g_heat·U/τ, U the largest excess of cumulative hours without
    # power over the daily mean (here ≤ 1 h), plus float32 rounding.
    excess = np.abs(np.concatenate([[0.0], np.cumsum(power[0] - daily)])).max()
    tolerance = 2 * P.heater_gain_k * excess / tau + 1e-3
    assert excess <= 1.0
    assert np.abs(indoor_s - indoor).max() <= tolerance
    assert abs(metrics_s[MIN_INDOOR] - metrics[MIN_INDOOR]) <= tolerance


def _periodic_start(temp_eq: np.ndarray, tau: float) -> float:
    """Indoor temperature at the start of a day that repeats (a home unheated for many days) [°C]:
    the fixed point of one day's exact step map T(24) = e^(−24/τ)·T(0) + b."""
    b = physics.indoor_temperature(temp_eq[:24], tau, 0.0, np.ones(24))[-1]
    return float(b / (1 - np.exp(-24 / tau)))


@settings(max_examples=40, deadline=None)
@given(hours_off=st.integers(1, 23), tau=st.floats(12, 200), mean=st.floats(-25, 0), amplitude=st.floats(1, 10),
       coldest=st.integers(0, 23))
def test_outages_in_the_coldest_hours_are_strictly_colder_than_the_daily_path(hours_off, tau, mean, amplitude,
                                                                              coldest):
    temp = (mean - amplitude * np.cos(2 * np.pi * (np.arange(72) - coldest) / 24)).astype(np.float32)
    off = np.zeros(24)
    off[(coldest - hours_off // 2 + np.arange(hours_off)) % 24] = 1  # a block around the coldest hour
    power = np.tile(1 - off, 3)[None, :]
    daily = 1 - hours_off / 24
    coldest_indoor = []
    for p_on, kernel_power in ((np.full(72, daily), None), (power[0], power)):
        eq = physics.equilibrium_temperature(temp.astype(float), p_on, P.internal_gain_k, P.heater_gain_k)
        p = P.replace(initial_indoor_c=_periodic_start(eq, tau))  # each home in its own daily rhythm
        coldest_indoor.append(_indoor(temp, tau, daily, p, kernel_power)[0][MIN_INDOOR])
    assert coldest_indoor[1] < coldest_indoor[0] - 1e-3


def test_a_flat_hourly_share_is_the_daily_path_bit_for_bit():
    fc = pipeline._horizon(load_inputs().forecast, P.horizon_hours)[0]
    temp = fc["temp_c"].transpose("district", "time", "member").values
    wind = fc["wind_kmh"].transpose("district", "time", "member").values
    rng = np.random.default_rng(0)
    cooling = np.column_stack([rng.uniform(40, 200, len(temp)), rng.uniform(0, 1, len(temp)),
                               rng.uniform(0, 30, len(temp)), np.zeros(len(temp))])
    dt_h = np.ones(temp.shape[1])
    flat = np.repeat(cooling[:, [1]], temp.shape[1], axis=1)
    for fused in (False, True):
        np.testing.assert_array_equal(
            pipeline.district_metrics(temp, wind, cooling, dt_h, P, sensitivity=True, fused=fused, power=flat),
            pipeline.district_metrics(temp, wind, cooling, dt_h, P, sensitivity=True, fused=fused))


def test_compiled_and_dask_kernels_take_hourly_power_like_numpy():
    from heatneed import distributed

    fc = pipeline._horizon(load_inputs().forecast, P.horizon_hours)[0]
    temp = fc["temp_c"].transpose("district", "time", "member").values
    wind = fc["wind_kmh"].transpose("district", "time", "member").values
    rng = np.random.default_rng(1)
    cooling = np.column_stack([rng.uniform(40, 200, len(temp)), rng.uniform(0, 1, len(temp)),
                               rng.uniform(0, 30, len(temp)), rng.integers(0, 3, len(temp))])
    power = rng.choice([0.0, 0.5, 1.0], size=temp.shape[:2])
    dt_h = np.ones(temp.shape[1])
    results = []
    for fused in (False, True):
        indoor = pipeline.indoor_buffer(temp.shape, fused)
        metrics = pipeline.district_metrics(temp, wind, cooling, dt_h, P, sensitivity=True, fused=fused,
                                            indoor_out=indoor, power=power)
        results.append((metrics, np.asarray(indoor)))
    np.testing.assert_array_equal(results[1][1], results[0][1])  # indoor temperatures bit for bit
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-6, atol=1e-6)
    daily = pipeline.district_metrics(temp, wind, cooling, dt_h, P, sensitivity=True)
    assert not np.allclose(daily, results[0][0])  # the hourly power is used, not the daily share
    chunked = fc.chunk({"district": 3})
    columns = len(pipeline.METRIC_COLUMNS) + len(pipeline.SENSITIVITY_COLUMNS)
    values, indoor = distributed.district_metrics(
        chunked, cooling, dt_h, P, kernel=pipeline.district_metrics, indoor_kernel=pipeline.indoor_temperatures,
        columns=columns, fused=False, sensitivity=True, power=power)
    np.testing.assert_array_equal(values, results[0][0])
    np.testing.assert_array_equal(indoor.values, results[0][1])


# --------------------------------------------------------------------------- configuration

def test_inputs_table_paths_are_relative_to_the_config_and_unknown_keys_refused(tmp_path):
    (tmp_path / "plan.csv").write_bytes(EXAMPLE_SCHEDULE.read_bytes())
    (tmp_path / "queues.csv").write_bytes(EXAMPLE_QUEUES.read_bytes())
    config_file = tmp_path / "heatneed.toml"
    config_file.write_text('[inputs]\noutage_schedule = "plan.csv"\ndistrict_queues = "queues.csv"\n'
                           "schedule_maybe_off = false\n")
    config = load_config(config_file)
    assert config["inputs"]["outage_schedule"] == str(tmp_path / "plan.csv")
    assert schedules.ScheduleSettings.from_config(config) == schedules.ScheduleSettings(False, 0.01)
    assert schedules.ScheduleSettings.from_config(None) == schedules.ScheduleSettings(True, 0.01)  # defaults.toml
    from heatneed.refresh import RefreshSettings

    settings = RefreshSettings.from_config(config, config_file, output_dir=str(tmp_path / "out"))
    assert settings.inputs["district_queues"] == str(tmp_path / "queues.csv")
    config_file.write_text('[inputs]\nschedule_maybe = "yes"\n')  # the config check names unknown keys
    assert problems(lambda: load_config(config_file)) == [
        f"{config_file}: unknown setting [inputs] schedule_maybe (did you mean schedule_maybe_off?)"]
    config_file.write_text('[inputs]\nschedule_share_tolerance = 2\n')
    assert problems(lambda: schedules.ScheduleSettings.from_config(load_config(config_file), "heatneed.toml")) == [
        "heatneed.toml: [inputs] schedule_share_tolerance must be a number in 0 … 0.5"]


# --------------------------------------------------------------------------- hostile files, and p_on minute by minute

@pytest.mark.parametrize("data, expected", [
    (b'{"fact": {"data": {"1761688800": {"GPV1.1": {"1": "yes"', "not valid JSON"),  # truncated
    (b"[1, 2, 3]", "not a DTEK GPV schedule (fact/preset) or a Yasno planned/probable outages response"),
    (b'{"fact": {"data": [1]}}', "x.json, field fact.data: must map Kyiv-midnight Unix times to queues"),
    (b'{"fact": {"data": {"noon": {}}}}', "x.json, field fact.data.noon: day key must be the Unix time of a Kyiv midnight"),
    (b'{"fact": {"data": {"1761732000": {}}}}', "x.json, field fact.data.1761732000: day key is 2025-10-29T12:00:00+02:00, not a Kyiv midnight"),
    (b'{"fact": {"data": {"1761688800": {"GPV1.1": {"1": "yes"}}}}}', "hour slots 2, 3, 4"),
    (b'{"1.1": {"today": {"slots": [{"start": "0", "end": 60, "type": "Definite"}], "date": "2025-11-05T00:00:00+02:00", "status": "ScheduleApplies"}}}',
     "x.json, field 1.1.today.slots[0]: start and end must be minutes from local midnight (got '0', 60)"),
    (b'{"1.1": {"today": {"slots": [{"start": NaN, "end": 60, "type": "Definite"}], "date": "2025-11-05T00:00:00+02:00", "status": "ScheduleApplies"}}}',
     "start and end must be minutes from local midnight (got nan, 60)"),
    (b'{"1.1": {"today": {"slots": [], "date": "2025-11-05T00:00:00+02:00", "status": "Maybe"}}}',
     "x.json, field 1.1.today.status: unknown status 'Maybe'"),
    (b'{"1.1": {"today": {"slots": [{"start": 0, "end": 60, "type": "Possible"}], "date": "2025-11-05T00:00:00+02:00", "status": "ScheduleApplies"}}}',
     "x.json, field 1.1.today.slots[0].type: unknown type 'Possible'; expected Definite or NotPlanned"),
    (b'{"1.1": {"today": {"slots": [], "date": "2025-11-05T03:00:00+02:00", "status": "NoOutages"}}}',
     "x.json, field 1.1.today.date: 2025-11-05T03:00:00+02:00 is not a Kyiv midnight"),
    (b"queue,start,end\n,2026-02-01T00:00,2026-02-01T01:00\n", "x.json, row 2, column queue: must not be empty"),
    (b"queue,start,end\n1.1,2026-02-01T00:00,2026-02-01T01:00\n1.1,2026-02-01T00:00,2026-02-01T01:00\n",
     "x.json, row 3, column start: outage overlaps row 2 of queue 1.1"),  # duplicated row
    (b"queue,start,end,kind\n1.1,2026-02-01T00:00,2026-02-01T01:00,soon\n",
     "x.json, row 2, column kind: must be one of off, maybe (got 'soon')"),
    (b"queue,start,end\n", "x.json: has a header but no data rows"),
])
def test_hostile_schedules_are_refused_with_one_line_each(data, expected):
    lines = problems(lambda: schedules.read_schedule(data, "x.json"))
    assert any(expected in line for line in lines), lines


def test_huge_schedule_is_refused_before_parsing(tmp_path):
    big = tmp_path / "big.json"
    with open(big, "wb") as fh:
        fh.truncate(schedules.MAX_FILE_BYTES + 1)
    assert problems(lambda: schedules.read_schedule(big)) == ["big.json: is larger than 50 MB; not a schedule"]


def test_xlsx_schedule_and_unordered_rows_read_like_the_csv(tmp_path):
    from openpyxl import Workbook

    rows = [line.split(",") for line in EXAMPLE_SCHEDULE.read_text().splitlines()]
    book = Workbook()
    sheet = book.active
    sheet.append(rows[0])
    for row in reversed(rows[1:]):  # unordered
        sheet.append([row[0], dt.datetime.fromisoformat(row[1]), dt.datetime.fromisoformat(row[2])])
    book.save(tmp_path / "plan.xlsx")
    from_xlsx = schedules.read_schedule(tmp_path / "plan.xlsx")
    from_csv = schedules.read_schedule(EXAMPLE_SCHEDULE)
    bounds = grid("2026-01-31T22:00", 48)
    for a, b in zip(schedules.queue_power(from_xlsx, bounds)[1:], schedules.queue_power(from_csv, bounds)[1:]):
        np.testing.assert_array_equal(a, b)


@settings(max_examples=30, deadline=None)
@given(cuts=st.lists(st.integers(0, 3 * 1440), min_size=2, max_size=14, unique=True),
       days=st.sampled_from([dt.date(2026, 3, 28), dt.date(2026, 10, 24), dt.date(2026, 2, 1)]))
def test_off_share_per_utc_hour_equals_a_count_minute_by_minute(cuts, days):
    """Outages between sorted cut points (Kyiv wall minutes over three days around a DST change):
    queue_power's share of each UTC hour equals counting the UTC minutes inside an outage."""
    cuts = sorted(cuts)
    walls = [dt.datetime.combine(days, dt.time()) + dt.timedelta(minutes=m) for m in cuts]
    pairs = [(a, b) for a, b in zip(walls[0::2], walls[1::2]) if (b - a) <= dt.timedelta(hours=24)]
    text = "queue,start,end\n" + "".join(f"1,{a:%Y-%m-%dT%H:%M},{b:%Y-%m-%dT%H:%M}\n" for a, b in pairs)
    if not pairs:
        return
    try:
        s = schedules.read_schedule(text.encode(), "x.csv")
    except InputError:  # a wall-clock pair that DST makes empty or overlapping is refused, rightly
        return
    bounds = grid(f"{days - dt.timedelta(days=1)}T00:00", 5 * 24)
    off = schedules.queue_power(s, bounds)[3][0]
    minutes = pd.date_range(bounds[0], bounds[-1], freq="min", inclusive="left").values
    inside = np.zeros(len(minutes), dtype=bool)
    for start, end in zip(s.slots["start"].values, s.slots["end"].values):
        inside |= (minutes >= start) & (minutes < end)
    np.testing.assert_allclose(off, inside.reshape(-1, 60).mean(axis=1), atol=1e-9)


def test_refresh_publishes_with_the_schedule_and_records_its_hashes(tmp_path, capsys):
    out = tmp_path / "published"
    forecast = ROOT / "data" / "scenarios" / "kyiv-2026-02" / "forecast.csv"
    code = main(["refresh", "--forecast", str(forecast), "--output-dir", str(out), "--log-level", "ERROR",
                 "--outage-schedule", str(EXAMPLE_SCHEDULE), "--district-queues", str(EXAMPLE_QUEUES)])
    assert code == 0, capsys.readouterr().err
    manifest = json.loads((out / "latest" / "manifest.json").read_text())
    assert manifest["inputs"]["outage_schedule"] == {"file": "outage-schedule.csv",
                                                     "sha256": schedules_sha(EXAMPLE_SCHEDULE)}
    assert manifest["inputs"]["district_queues"]["file"] == "district-queues.csv"
    listed = pd.read_csv(out / "latest" / "priority.csv")
    assert listed["completeness"].str.contains("power: CSV schedule 64%").sum() == 8  # 2 emergencies
    bad = tmp_path / "queues.csv"
    bad.write_text("district_code,queue,share\nUA80000000000126643,7.7,1\n")
    assert main(["refresh", "--forecast", str(forecast), "--output-dir", str(out), "--log-level", "ERROR",
                 "--outage-schedule", str(EXAMPLE_SCHEDULE), "--district-queues", str(bad)]) == 2
    assert "queues.csv, row 2, column queue: queue '7.7' is not in the schedule" in capsys.readouterr().err
    assert json.loads((out / "latest" / "manifest.json").read_text()) == manifest  # nothing published


def schedules_sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()
