"""Hourly outage schedules in the app (issue 17): uploads, refusals, the power bars of the detail view."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from appcheck import captions, errors_text, priority_table

from heatneed import app_support, pipeline
from heatneed.config import model_params

ROOT = Path(__file__).resolve().parents[2]
SCHEDULE = (ROOT / "examples" / "outage-schedule.csv").read_bytes()
QUEUES = (ROOT / "examples" / "district-queues.csv").read_bytes()
HOLOSIIVSKYI = "UA80000000000126643"


def upload(at, role: str, name: str, data: bytes):
    return at.file_uploader(key=f"upload_{role}").set_value((name, data, "text/csv")).run()


def test_schedule_and_queue_uploads_rank_with_hourly_power_and_name_the_source(app):
    at = upload(app(), "outage_schedule", "plan.csv", SCHEDULE)
    assert not at.exception and not at.error
    assert any(c.startswith("Not used yet: upload the other hourly-power file") for c in captions(at))
    assert "power:" not in "".join(priority_table(at)["completeness"])
    upload(at, "district_queues", "queues.csv", QUEUES)
    assert not at.exception and not at.error
    expected = pipeline.rank(pipeline.load_inputs(outage_schedule=SCHEDULE, district_queues=QUEUES,
                                                  names={"outage_schedule": "plan.csv"}), model_params()).priority
    table = priority_table(at)
    assert list(table.index) == list(expected["district_code"])
    assert table.loc[HOLOSIIVSKYI, "completeness"] == \
        "complete; power: CSV schedule 64%, daily status (schedule ended) 36%"
    assert {"In use: plan.csv", "In use: queues.csv"} <= set(captions(at))
    assert "--outage-schedule plan.csv --district-queues queues.csv" in at.code[0].value
    # The detail view: outdoor, indoor and the power bars under it (the map legend is another chart).
    assert any(c.startswith("Share of each hour with power (bars)") for c in captions(at))
    assert len(at.get("vega_lite_chart")) >= 3


def test_bad_queue_file_is_refused_next_to_the_upload_and_the_last_good_data_stays(app):
    at = upload(upload(app(), "outage_schedule", "plan.csv", SCHEDULE), "district_queues", "queues.csv", QUEUES)
    good = priority_table(at)
    bad = QUEUES.replace(b"UA80000000000126643,2.1,0.2", b"UA80000000000126643,2.1,0.4")
    upload(at, "district_queues", "queues2.csv", bad)
    assert not at.exception
    assert "queues2.csv, row 2, column share: shares of district UA80000000000126643 sum to 1.2" in errors_text(at)
    assert priority_table(at).equals(good)


def test_detail_view_power_bars_follow_the_schedule():
    sources = {role: app_support.Upload.of(role, f"{role}.csv", data)
               for role, data in (("outage_schedule", SCHEDULE), ("district_queues", QUEUES))}
    result = pipeline.rank(app_support.load_sources(sources), model_params(), sensitivity=True)
    detail = app_support.district_detail(result, HOLOSIIVSKYI)
    power = detail.series["power_on"].dropna()
    np.testing.assert_array_equal(power.to_numpy(), result.power_on.sel(district=HOLOSIIVSKYI).values)
    assert set(np.round(power[:46], 6)) == {0.2, 0.8, 1.0}  # queues 1.x (0.8) and 2.1 (0.2) off in turn
    assert (power[46:] == 0.25).all()  # the daily 18 h off once the schedule has ended
    # The indoor curve shown is the one ranked: its minimum is the list's min_indoor_c.
    assert detail.series["indoor_c"].min() == result.detail.at[HOLOSIIVSKYI, "min_indoor_c"]
    spec = app_support.power_chart(detail.series, "uk")
    assert spec["mark"]["type"] == "bar" and spec["encoding"]["y"]["title"] == "світло"
    bars = pd.DataFrame(spec["datasets"]["power"])  # the bars drawn are the shares modelled
    np.testing.assert_array_equal(bars["power_on"].to_numpy(), power.to_numpy())
    plain = pipeline.rank(pipeline.load_inputs(), model_params(), sensitivity=True)
    assert (app_support.district_detail(plain, HOLOSIIVSKYI).series["power_on"].dropna() == 0.25).all()


def test_hostile_schedule_uploads_are_refused_next_to_the_uploader(app):
    at = upload(upload(app(), "outage_schedule", "plan.csv", SCHEDULE), "district_queues", "queues.csv", QUEUES)
    good = priority_table(at)
    netcdf = next((ROOT / "tests" / "sources" / "fixtures").rglob("*.nc")).read_bytes()
    hostile = {
        "truncated.json": SCHEDULE[:0] + b'{"fact": {"data": {"1761688800": {"GPV1.1": {"1": "ye',
        "forecast_really_netcdf.json": netcdf,  # the uploader allows .json, .csv, .txt, .xlsx only
        "garbage.csv": bytes(range(256)) * 40,
        "fake.xlsx": b"PK\x03\x04" + b"\x00" * 200,
        "[link](http://example.com).csv": b"queue,start,end\n[x](http://example.com),2026-02-01T00:00,later\n",
    }
    for name, data in hostile.items():
        upload(at, "outage_schedule", name, data)
        assert not at.exception, name
        text = errors_text(at)
        assert "was not used; the previous data stays in use" in text, name
        assert "Traceback" not in text and "<a " not in text, name
        assert priority_table(at).equals(good), name
