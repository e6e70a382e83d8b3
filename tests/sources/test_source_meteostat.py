"""Meteostat source run through meteostat's own CSV and stations-DB code on real-format files."""

from __future__ import annotations

import math
import socket
import threading
import time

import numpy as np
import pandas as pd
import pytest

from heatneed.errors import SourceError
from heatneed.sources.meteostat import (MeteostatSource, is_forecast_source,
                                        meteostat_settings)

NOW = pd.Timestamp("2026-01-13 10:00")
START, END = pd.Timestamp("2026-01-12 22:00"), pd.Timestamp("2026-01-14 12:00")
# Fixture stations (tools/make_source_fixtures.py): Kyiv 33345 (50.4000, 30.5667; -18 °C base,
# 14.4 km/h, dwd_mosmix from 2026-01-13 12:00), Boryspil 33347 (50.3333, 30.9000; -22 °C base,
# 21.6 km/h, metno_forecast from 12:00; rows 2026-01-13 00-05 missing, temp empty 2026-01-14
# 06-08), Chernivtsi 33658 (in the DB, no hourly file).
KYIV_CITY = ("UA80", 50.45, 30.52)
BORYSPIL = ("UA3220", 50.35, 30.95)


def station_temp(base_c: float, hour: int) -> float:
    """The fixture's diurnal cycle, worked out by hand: base - 8 K * |hour - 14| / 12."""
    return round(base_c - 8 * abs(hour - 14) / 12, 1)


def table(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["district_code", "lat", "lon"])


def at(ds, code, time, var="temp_c"):
    return ds[var].sel(district=code, time=pd.Timestamp(time), member=0).item()


def test_forecast_rows_are_flagged_from_their_source(meteostat_offline):
    ds = MeteostatSource(method="nearest", now=NOW).fetch(table(KYIV_CITY), START, END)
    flags = ds["is_forecast"].sel(district="UA80", member=0).to_series()
    assert not flags[: "2026-01-13 11:00"].any()
    assert flags["2026-01-13 12:00":].all()
    assert at(ds, "UA80", "2026-01-13 11:00") == pytest.approx(station_temp(-18.0, 11))
    assert at(ds, "UA80", "2026-01-14 02:00") == pytest.approx(station_temp(-18.0, 2))
    assert at(ds, "UA80", "2026-01-13 11:00", "wind_kmh") == pytest.approx(14.4)
    assert ds.sizes == {"district": 1, "time": 39, "member": 1}
    assert ds.attrs["source"] == "meteostat"
    assert ds.attrs["issued_at"] == "2026-01-13T12:00:00Z"  # first model hour
    assert ds.attrs["attribution"].startswith("Meteostat")


def test_station_gaps_are_filled_hour_by_hour_from_the_next_station(meteostat_offline):
    ds = MeteostatSource(method="nearest", now=NOW).fetch(table(BORYSPIL), START, END)
    # Boryspil itself where it has data
    assert at(ds, "UA3220", "2026-01-13 14:00") == pytest.approx(station_temp(-22.0, 14))
    assert at(ds, "UA3220", "2026-01-13 14:00", "wind_kmh") == pytest.approx(21.6)
    # row missing at Boryspil -> Kyiv for temperature and wind
    assert at(ds, "UA3220", "2026-01-13 02:00") == pytest.approx(station_temp(-18.0, 2))
    assert at(ds, "UA3220", "2026-01-13 02:00", "wind_kmh") == pytest.approx(14.4)
    # only the temperature empty at Boryspil -> Kyiv's temperature, Boryspil's wind
    assert at(ds, "UA3220", "2026-01-14 07:00") == pytest.approx(station_temp(-18.0, 7))
    assert at(ds, "UA3220", "2026-01-14 07:00", "wind_kmh") == pytest.approx(21.6)
    assert ds["is_forecast"].sel(time="2026-01-14 07:00").item()  # Kyiv's dwd_mosmix row
    assert not np.isnan(ds["temp_c"].values).any()


def test_interpolation_weights_stations_by_inverse_squared_distance(meteostat_offline):
    ds = MeteostatSource(method="interpolate", now=NOW).fetch(table(KYIV_CITY), START, END)

    def km(lat, lon):  # haversine, by hand
        p1, p2 = math.radians(50.45), math.radians(lat)
        a = (math.sin((p2 - p1) / 2) ** 2
             + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon - 30.52) / 2) ** 2)
        return 2 * 6371 * math.asin(math.sqrt(a))

    w_kyiv, w_bor = 1 / km(50.4000, 30.5667) ** 2, 1 / km(50.3333, 30.9000) ** 2
    expected = (w_kyiv * -18.0 + w_bor * -22.0) / (w_kyiv + w_bor)  # 14 UTC values
    assert at(ds, "UA80", "2026-01-13 14:00") == pytest.approx(expected, abs=0.1)
    # Boryspil has no row at 02 UTC: only Kyiv is left
    assert at(ds, "UA80", "2026-01-13 02:00") == pytest.approx(station_temp(-18.0, 2), abs=0.05)


def test_district_without_station_in_range_is_refused_with_its_code(meteostat_offline):
    far = ("UA1402", 47.10, 37.55)  # Mariupol: no fixture station within 50 km
    with pytest.raises(SourceError, match=r"no weather station within 50 km of district\(s\) "
                                          r"UA1402;"):
        MeteostatSource(now=NOW).fetch(table(KYIV_CITY, far), START, END)


def test_a_larger_radius_reaches_a_station(meteostat_offline):
    north = table(("NORTH", 50.85, 30.5667))  # 0.45° = 50.04 km north of the Kyiv station
    with pytest.raises(SourceError, match="no weather station within 50 km"):
        MeteostatSource(now=NOW).fetch(north, START, END)
    ds = MeteostatSource(radius_km=60, method="nearest", now=NOW).fetch(north, START, END)
    assert at(ds, "NORTH", "2026-01-13 14:00") == pytest.approx(station_temp(-18.0, 14))


def test_meteostat_returning_nothing_is_a_source_error(meteostat_offline):
    chernivtsi = ("UA7310", 48.29, 25.94)  # station 33658 exists but has no hourly file
    with pytest.raises(SourceError, match=r"returned no hourly data .* UA7310"):
        MeteostatSource(now=NOW).fetch(table(KYIV_CITY, chernivtsi), START, END)


def test_window_without_data_is_a_source_error(meteostat_offline):
    with pytest.raises(SourceError, match="returned no hourly data"):
        MeteostatSource(now=NOW).fetch(table(KYIV_CITY), pd.Timestamp("2026-03-01"),
                                       pd.Timestamp("2026-03-02"))


def test_unreachable_network_gives_up_fast(tmp_path, monkeypatch):
    import meteostat as ms

    # no stations DB on disk: meteostat must download it from its real endpoints
    monkeypatch.setattr(ms.config, "stations_db_file", str(tmp_path / "stations.db"))
    monkeypatch.setattr(ms.config, "cache_enable", False)
    began = time.monotonic()
    with pytest.raises(SourceError, match="stations database unavailable"):
        MeteostatSource(now=NOW).fetch(table(KYIV_CITY), START, END)
    assert time.monotonic() - began < 10


def test_stale_stations_db_is_used_when_it_cannot_be_refreshed(meteostat_offline, monkeypatch,
                                                              caplog):
    import os

    db = meteostat_offline.config.stations_db_file
    os.utime(db, (time.time() - 90 * 86400,) * 2)  # older than any TTL
    monkeypatch.setattr(meteostat_offline.config, "stations_db_endpoints",
                        ["https://data.meteostat.net/stations.db"])
    ds = MeteostatSource(method="nearest", now=NOW).fetch(table(KYIV_CITY), START, END)
    assert at(ds, "UA80", "2026-01-13 14:00") == pytest.approx(-18.0)
    assert "could not be refreshed" in caplog.text


def test_a_hanging_read_is_abandoned_at_the_deadline(meteostat_offline, monkeypatch):
    import meteostat.providers.meteostat.hourly as ms_hourly

    release = threading.Event()
    monkeypatch.setattr(ms_hourly, "get_df", lambda station, year: release.wait(20) and None)
    began = time.monotonic()
    try:
        with pytest.raises(SourceError, match="no complete answer within 1 s"):
            MeteostatSource(deadline_s=1, now=NOW).fetch(table(KYIV_CITY), START, END)
        assert time.monotonic() - began < 3
    finally:
        release.set()
        for worker in threading.enumerate():
            if worker.name == "heatneed-meteostat":
                worker.join(10)


def test_heatneed_settings_apply_during_fetch_and_are_restored(meteostat_offline, monkeypatch):
    import meteostat.providers.meteostat.hourly as ms_hourly

    seen = {}
    real = ms_hourly.get_df

    def spy(station, year):
        seen.update(timeout=meteostat_offline.config.network_timeout,
                    retries=meteostat_offline.config.network_max_retries,
                    ttl=meteostat_offline.config.cache_ttl, socket=socket.getdefaulttimeout())
        return real(station, year)

    monkeypatch.setattr(ms_hourly, "get_df", spy)
    before = meteostat_offline.config.network_timeout
    MeteostatSource(timeout_s=7, max_retries=0, cache_ttl_s=1800, now=NOW).fetch(
        table(KYIV_CITY), START, END)
    assert seen == {"timeout": 7, "retries": 0, "ttl": 1800, "socket": 7.0}
    assert meteostat_offline.config.network_timeout == before
    assert socket.getdefaulttimeout() is None


def test_operator_ms_environment_wins_over_heatneed_defaults(meteostat_offline, monkeypatch):
    import meteostat.providers.meteostat.hourly as ms_hourly

    # meteostat read MS_NETWORK_TIMEOUT=45 at import; heatneed must leave it alone
    monkeypatch.setenv("MS_NETWORK_TIMEOUT", "45")
    monkeypatch.setattr(meteostat_offline.config, "network_timeout", 45)
    seen = {}
    real = ms_hourly.get_df
    monkeypatch.setattr(ms_hourly, "get_df", lambda s, y: seen.update(
        timeout=meteostat_offline.config.network_timeout,
        socket=socket.getdefaulttimeout()) or real(s, y))
    MeteostatSource(timeout_s=7, now=NOW).fetch(table(KYIV_CITY), START, END)
    assert seen == {"timeout": 45, "socket": 45.0}
    assert meteostat_settings(7, 1, 3600, environ={"MS_CACHE_TTL": "60"}) == {
        "network_timeout": 7, "network_max_retries": 1, "stations_db_ttl": 30 * 24 * 3600}


@pytest.mark.parametrize("source, expected", [
    ("dwd_mosmix", True), ("metno_forecast", True), ("metar dwd_mosmix", True),
    ("metar", False), ("isd_lite synop", False), (None, False)])
def test_forecast_providers_are_recognised_in_source_strings(source, expected):
    assert is_forecast_source(source) is expected
