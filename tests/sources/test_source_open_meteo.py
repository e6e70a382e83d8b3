"""Open-Meteo forecast and ensemble JSON, saved files and the live client (fake session)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests

from heatneed.errors import InputError, SourceError
from heatneed.sources import read_forecast_file
from heatneed.sources.open_meteo import (ENSEMBLE_URL, FORECAST_URL, OpenMeteoSource,
                                         parse_open_meteo, read_open_meteo_file)

OM = Path(__file__).parent / "fixtures" / "open_meteo"
KYIV, KHARKIV, ODESA = ("UA80", 50.45, 30.52), ("UA63", 49.99, 36.23), ("UA51", 46.48, 30.72)


def table(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["district_code", "lat", "lon"])


def load(name):
    return json.loads((OM / name).read_text(encoding="utf-8"))


def test_one_location_gives_one_deterministic_member():
    ds = read_open_meteo_file(OM / "forecast_one.json", table(KYIV))
    assert ds.sizes == {"district": 1, "time": 6, "member": 1}
    assert ds["temp_c"].sel(district="UA80", member=0).values.tolist() == [
        -12.1, -12.6, -13.0, -13.4, -13.9, -14.2]
    assert ds["wind_kmh"].sel(district="UA80", member=0).values[-1] == 18.4
    assert pd.Timestamp(ds["time"].values[0]) == pd.Timestamp("2026-01-13 00:00")
    assert ds.attrs["source"] == "open-meteo" and ds.attrs["attribution"] == \
        "Open-Meteo (CC BY 4.0)"
    assert bool(ds["is_forecast"].all())


def test_locations_are_matched_to_districts_by_nearest_coordinates():
    # districts in another order than the file's locations, centroids off the grid cells
    ds = read_open_meteo_file(OM / "forecast_list.json", table(ODESA, KYIV, KHARKIV))
    assert ds["district"].values.tolist() == ["UA51", "UA80", "UA63"]
    first = ds["temp_c"].isel(time=0, member=0).to_series()
    assert first.to_dict() == {"UA51": -3.0, "UA80": -12.1, "UA63": -17.5}


def test_nulls_become_nan_in_temperature_and_wind():
    ds = read_open_meteo_file(OM / "forecast_list.json", table(KHARKIV))
    temp = ds["temp_c"].sel(district="UA63", member=0).values
    wind = ds["wind_kmh"].sel(district="UA63", member=0).values
    assert np.isnan(temp[2]) and np.isnan(wind[2])
    assert temp[3] == -18.9 and wind[3] == 24.1


def test_ensemble_members_become_the_member_dimension():
    ds = read_open_meteo_file(OM / "ensemble_list.json", table(KYIV, KHARKIV))
    assert ds["member"].values.tolist() == [0, 1, 2]
    kyiv = ds["temp_c"].sel(district="UA80")
    assert kyiv.isel(time=0).values.tolist() == [-12.0, -11.0, -14.0]
    assert np.isnan(kyiv.sel(member=1).values[2])
    assert ds["temp_c"].sel(district="UA63", member=2).values[0] == -19.0  # 5 K colder copy
    assert ds["wind_kmh"].sel(district="UA80", member=2).values[1] == 12.5


@pytest.mark.parametrize("name, words", [
    ("forecast_fahrenheit.json", "temperature_2m is in '°F', expected '°C'"),
    ("forecast_wind_ms.json", "wind_speed_10m is in 'm/s', expected 'km/h'"),
    ("forecast_kyiv_time.json", "utc_offset_seconds=7200"),
])
def test_unit_and_time_zone_mismatches_are_refused(name, words):
    with pytest.raises(InputError) as err:
        read_open_meteo_file(OM / name, table(KYIV))
    assert err.value.problems[0].startswith(f"{name}: ")
    assert words in err.value.problems[0]


def test_unix_time_format_is_read_as_utc():
    payload = load("forecast_one.json")
    payload["hourly_units"]["time"] = "unixtime"
    payload["hourly"]["time"] = [1768262400 + 3600 * h for h in range(6)]  # 2026-01-13 00:00Z
    ds = parse_open_meteo(payload, table(KYIV), "unix.json")
    assert pd.DatetimeIndex(ds["time"].values)[[0, -1]].tolist() == [
        pd.Timestamp("2026-01-13 00:00"), pd.Timestamp("2026-01-13 05:00")]


def test_district_far_from_every_location_is_refused():
    with pytest.raises(InputError, match=r"no location within 50 km of district\(s\) UA63"):
        read_open_meteo_file(OM / "forecast_one.json", table(KYIV, KHARKIV))


def test_several_models_in_one_answer_are_refused():
    payload = load("forecast_one.json")
    payload["hourly"]["temperature_2m_icon_seamless"] = payload["hourly"]["temperature_2m"]
    payload["hourly_units"]["temperature_2m_icon_seamless"] = "°C"
    with pytest.raises(InputError, match="model suffix"):
        parse_open_meteo(payload, table(KYIV), "answer.json")


def test_error_answer_and_broken_json_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="Cannot initialize"):
        parse_open_meteo({"error": True, "reason": "Cannot initialize WeatherVariable"},
                         table(KYIV), "x.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="broken.json: not readable as Open-Meteo JSON"):
        read_open_meteo_file(broken, table(KYIV))


def test_dispatcher_reads_open_meteo_json():
    ds = read_forecast_file(OM / "forecast_one.json", table(KYIV))
    assert ds["temp_c"].values[0, 0, 0] == -12.1


class FakeResponse:
    def __init__(self, payload, status=200):
        self.payload, self.status_code = payload, status

    def json(self):
        return self.payload


class FakeSession:
    """Answers from the list-of-locations fixture for the coordinates asked."""

    def __init__(self, status=200, error=None):
        self.calls, self.status, self.error = [], status, error
        self.locations = load("forecast_list.json")

    def get(self, url, params=None, timeout=None):
        self.calls.append((url, dict(params), timeout))
        if self.error:
            raise self.error
        if self.status != 200:
            return FakeResponse({"error": True, "reason": "Parameter 'start_hour' is out of "
                                                          "allowed range"}, self.status)
        lats = [float(v) for v in params["latitude"].split(",")]
        answer = [min(self.locations, key=lambda loc: abs(loc["latitude"] - lat))
                  for lat in lats]
        return FakeResponse(answer if len(answer) > 1 else answer[0])


def test_live_source_sends_one_request_per_chunk_in_utc_and_metric_units():
    session = FakeSession()
    source = OpenMeteoSource(chunk_size=2, timeout_s=4, session=session,
                             now=pd.Timestamp("2026-01-13 00:30"))
    ds = source.fetch(table(KYIV, KHARKIV, ODESA), pd.Timestamp("2026-01-13 00:00"),
                      pd.Timestamp("2026-01-13 05:00"))
    assert len(session.calls) == 2
    url, params, timeout = session.calls[0]
    assert url == FORECAST_URL and timeout == 4
    assert params["latitude"] == "50.4500,49.9900" and params["longitude"] == "30.5200,36.2300"
    assert (params["timezone"], params["wind_speed_unit"], params["temperature_unit"]) == \
        ("GMT", "kmh", "celsius")
    assert (params["start_hour"], params["end_hour"]) == ("2026-01-13T00:00", "2026-01-13T05:00")
    assert ds["district"].values.tolist() == ["UA80", "UA63", "UA51"]
    assert ds["temp_c"].isel(time=0, member=0).values.tolist() == [-12.1, -17.5, -3.0]
    assert ds.attrs["issued_at"] == "2026-01-13T00:30:00Z"


def test_ensemble_mode_uses_the_ensemble_endpoint_and_models():
    session = FakeSession()
    OpenMeteoSource(ensemble=True, models=["ecmwf_ifs025"], session=session).fetch(
        table(KYIV), pd.Timestamp("2026-01-13 00:00"), pd.Timestamp("2026-01-13 05:00"))
    url, params, _ = session.calls[0]
    assert url == ENSEMBLE_URL and params["models"] == "ecmwf_ifs025"


def test_http_error_answer_is_a_source_error_with_the_reason():
    with pytest.raises(SourceError, match="HTTP 400: Parameter 'start_hour' is out of"):
        OpenMeteoSource(session=FakeSession(status=400)).fetch(
            table(KYIV), pd.Timestamp("2026-01-13"), pd.Timestamp("2026-01-14"))


def test_connection_failure_is_retried_then_a_source_error(monkeypatch):
    pauses = []
    monkeypatch.setattr("heatneed.sources.open_meteo._time.sleep", pauses.append)
    session = FakeSession(error=requests.ConnectionError("no route to host"))
    with pytest.raises(SourceError, match="no answer from .*no route to host"):
        OpenMeteoSource(max_retries=1, session=session).fetch(
            table(KYIV), pd.Timestamp("2026-01-13"), pd.Timestamp("2026-01-14"))
    assert len(session.calls) == 2 and pauses == [1.0]


def test_real_requests_session_offline_fails_fast():
    began = time.monotonic()
    with pytest.raises(SourceError, match="open-meteo: no answer") as err:
        OpenMeteoSource(max_retries=0, timeout_s=2).fetch(
            table(KYIV), pd.Timestamp("2026-01-13"), pd.Timestamp("2026-01-14"))
    assert time.monotonic() - began < 5
    assert "ConnectionError: " in str(err.value) and "latitude=" not in str(err.value)
