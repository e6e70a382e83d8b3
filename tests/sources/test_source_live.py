"""Own snapshots and the live entry point: fresh data, fallback when young, refusal when old."""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd
import pytest

from heatneed.errors import InputError, SourceError
from heatneed.sources.base import forecast_dataset
from heatneed.sources.live import fetch_forecast, forecast_settings
from heatneed.sources.snapshot import (latest_snapshot, list_snapshots, save_snapshot,
                                       snapshot_name)

NOW = pd.Timestamp("2026-01-13 10:00")
START, END = pd.Timestamp("2026-01-13 10:00"), pd.Timestamp("2026-01-14 10:00")
KYIV_CITY = ("UA80", 50.45, 30.52)


def table(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["district_code", "lat", "lon"])


def sample(source="meteostat", codes=("UA80", "UA32"), start="2026-01-13 00:00", hours=48):
    times = pd.date_range(start, periods=hours, freq="h")
    temp = -10.0 - np.arange(len(codes) * hours, dtype=float).reshape(len(codes), hours) / 10
    return forecast_dataset(temp, np.full(temp.shape, 12.0), list(codes), times,
                            source=source, is_forecast=(np.arange(hours) >= 12)[None, :, None])


@pytest.fixture
def offline_meteostat(tmp_path, monkeypatch):
    """meteostat with no stations DB and sockets blocked: every live fetch fails."""
    import meteostat as ms

    monkeypatch.setattr(ms.config, "stations_db_file", str(tmp_path / "no-stations.db"))
    monkeypatch.setattr(ms.config, "cache_enable", False)
    return ms


def test_snapshot_round_trip_keeps_values_types_and_age(tmp_path):
    path = save_snapshot(sample(), tmp_path, "meteostat", pd.Timestamp("2026-01-13 06:15"))
    assert path.name == "meteostat_20260113T061500Z.nc"
    assert not list(tmp_path.glob("*.part"))  # the temporary file was renamed away
    snap = latest_snapshot(tmp_path, "meteostat", 12, now=NOW)
    assert snap.age_hours == pytest.approx(3.75)
    assert snap.dataset["district"].values.tolist() == ["UA80", "UA32"]
    assert snap.dataset["is_forecast"].dtype == bool
    assert snap.dataset["is_forecast"].sel(district="UA80", member=0).values.sum() == 36
    np.testing.assert_allclose(snap.dataset["temp_c"].values, sample()["temp_c"].values)
    assert snap.dataset.attrs["fetched_at"] == "2026-01-13T06:15:00Z"


def test_newest_snapshot_wins_and_source_filters(tmp_path):
    save_snapshot(sample(), tmp_path, "meteostat", pd.Timestamp("2026-01-13 04:00"))
    save_snapshot(sample(), tmp_path, "meteostat", pd.Timestamp("2026-01-13 08:00"))
    save_snapshot(sample("open-meteo"), tmp_path, "open-meteo", pd.Timestamp("2026-01-13 09:00"))
    assert latest_snapshot(tmp_path, "meteostat", 12, NOW).path.name == \
        snapshot_name("meteostat", pd.Timestamp("2026-01-13 08:00"))
    assert latest_snapshot(tmp_path, None, 12, NOW).dataset.attrs["source"] == "open-meteo"
    assert latest_snapshot(tmp_path, "meteostat", 1.5, NOW) is None  # 2 h old > 1.5 h


def test_corrupt_snapshot_is_skipped_with_a_warning(tmp_path, caplog):
    save_snapshot(sample(), tmp_path, "meteostat", pd.Timestamp("2026-01-13 05:00"))
    bad = tmp_path / snapshot_name("meteostat", pd.Timestamp("2026-01-13 09:00"))
    bad.write_bytes(b"\x89HDF\r\n truncated by a power cut")
    with caplog.at_level(logging.WARNING):
        snap = latest_snapshot(tmp_path, "meteostat", 12, NOW)
    assert snap.fetched_at == pd.Timestamp("2026-01-13 05:00")
    assert f"skipping unreadable forecast snapshot {bad}" in caplog.text
    assert len(list_snapshots(tmp_path)) == 2


def test_live_failure_uses_a_young_snapshot_marked_stale_with_its_age(tmp_path,
                                                                    offline_meteostat):
    snap = sample(start="2026-01-12 12:00", hours=36)  # ends 2026-01-13 23:00, before END
    save_snapshot(snap, tmp_path, "meteostat", pd.Timestamp("2026-01-13 04:30"))
    began = time.monotonic()
    ds = fetch_forecast("meteostat", table(KYIV_CITY), START, END, {}, tmp_path, now=NOW)
    assert time.monotonic() - began < 10  # default timeouts and retries, network cut
    assert ds.attrs["stale"] is True and ds.attrs["stale_age_hours"] == pytest.approx(5.5)
    assert ds["district"].values.tolist() == ["UA80"]  # cut to the districts asked for
    times = pd.DatetimeIndex(ds["time"].values)
    assert (times[0], times[-1], len(times)) == (START, pd.Timestamp("2026-01-13 23:00"), 14)
    assert ds["temp_c"].sel(time=START, member=0).item() == pytest.approx(
        snap["temp_c"].sel(district="UA80", time=START, member=0).item())


def test_live_failure_with_only_an_old_snapshot_is_a_source_error(tmp_path, offline_meteostat):
    save_snapshot(sample(), tmp_path, "meteostat", pd.Timestamp("2026-01-12 16:00"))
    with pytest.raises(SourceError) as err:
        fetch_forecast("meteostat", table(KYIV_CITY), START, END,
                       {"max_snapshot_age_hours": 12, "max_retries": 0}, tmp_path, now=NOW)
    message = str(err.value)
    assert message.startswith("meteostat: stations database unavailable")
    assert "newest meteostat snapshot meteostat_20260112T160000Z.nc is 18.0 h old " \
           "(limit 12 h)" in message
    assert "\n" not in message


def test_live_failure_without_snapshots_says_so(tmp_path, offline_meteostat):
    with pytest.raises(SourceError, match=r"; no meteostat snapshot in "):
        fetch_forecast("meteostat", table(KYIV_CITY), START, END, {"max_retries": 0},
                       tmp_path / "none", now=NOW)


def test_snapshot_missing_a_district_is_not_used(tmp_path, offline_meteostat):
    save_snapshot(sample(codes=("UA32",)), tmp_path, "meteostat", pd.Timestamp("2026-01-13 09:00"))
    with pytest.raises(SourceError, match="does not cover these districts"):
        fetch_forecast("meteostat", table(KYIV_CITY), START, END, {"max_retries": 0}, tmp_path,
                       now=NOW)


def test_fresh_fetch_is_saved_and_marked_not_stale(tmp_path, meteostat_offline):
    start, end = pd.Timestamp("2026-01-12 22:00"), pd.Timestamp("2026-01-14 12:00")
    ds = fetch_forecast("meteostat", table(KYIV_CITY), start, end, {"method": "nearest"},
                        tmp_path, now=NOW)
    assert ds.attrs["stale"] is False and ds.attrs["stale_age_hours"] == 0.0
    [(fetched_at, path)] = list_snapshots(tmp_path, "meteostat")
    assert fetched_at == NOW and path.name == "meteostat_20260113T100000Z.nc"
    saved = latest_snapshot(tmp_path, "meteostat", 1, NOW).dataset
    np.testing.assert_allclose(saved["temp_c"].values, ds["temp_c"].values)


def test_snapshot_source_needs_no_network_and_reports_age(tmp_path):
    save_snapshot(sample("open-meteo"), tmp_path, "open-meteo", pd.Timestamp("2026-01-13 07:00"))
    ds = fetch_forecast("snapshot", table(KYIV_CITY), START, END, {}, tmp_path, now=NOW)
    assert ds.attrs["source"] == "open-meteo"
    assert ds.attrs["stale"] is True and ds.attrs["stale_age_hours"] == pytest.approx(3.0)
    with pytest.raises(SourceError, match="is 3.0 h old \\(limit 2 h\\)"):
        fetch_forecast("snapshot", table(KYIV_CITY), START, END,
                       {"max_snapshot_age_hours": 2}, tmp_path, now=NOW)


def test_bad_settings_and_unknown_source_are_input_errors(tmp_path):
    with pytest.raises(InputError, match=r"\[forecast\] timeout_s must be a float"):
        forecast_settings({"timeout_s": "soon"})
    with pytest.raises(InputError, match="ensemble must be true or false"):
        forecast_settings({"ensemble": "yes"})
    with pytest.raises(InputError, match="unknown forecast source 'dwd'"):
        fetch_forecast("dwd", table(KYIV_CITY), START, END, {}, tmp_path, now=NOW)
    assert forecast_settings({"snapshot_dir": "x"})["max_snapshot_age_hours"] == 12.0
