"""``heatneed calibrate --forecast-source meteostat``: outdoor observations near the district, offline fixtures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from heatneed import calibrate as cal
from heatneed.cli import main
from heatneed.sources.meteostat import MeteostatSource

HOLOSIIVSKYI = ("UA80000000000126643", 50.3323, 30.5546)  # embedded registry centroid


def test_outdoor_from_meteostat_stations_near_the_district(meteostat_offline, tmp_path, capsys):
    """Readings without outdoor_c: the fixture stations' hourly series drive the fit; τ and gain come back."""
    start, end = pd.Timestamp("2026-01-13 00:00"), pd.Timestamp("2026-01-14 10:00")
    stations = MeteostatSource(now=end).fetch(
        pd.DataFrame([HOLOSIIVSKYI], columns=["district_code", "lat", "lon"]), start, end)
    outdoor = stations["temp_c"].isel(member=0, district=0).to_series().loc[start:end]
    t = ((outdoor.index - start) / pd.Timedelta(hours=1)).to_numpy(float)
    indoor = cal.simulate(cal.episode(t, 0 * t, outdoor.to_numpy()), 30.0, 4.0, 20.0)
    readings = tmp_path / "r.csv"
    pd.DataFrame({"site_id": "flat1", "time": outdoor.index.strftime("%Y-%m-%dT%H:%MZ"),
                  "indoor_c": indoor.round(4)}).to_csv(readings, index=False)
    code = main(["calibrate", str(readings), "--forecast-source", "meteostat", "--district", HOLOSIIVSKYI[0],
                 "--sites-out", str(tmp_path / "sites.csv")])
    out, err = capsys.readouterr()
    assert code == 0, err
    site = pd.read_csv(tmp_path / "sites.csv").iloc[0]
    assert site["tau_hours"] == pytest.approx(30.0, abs=0.1)
    assert site["gain_k"] == pytest.approx(4.0, abs=0.1)
    assert out.splitlines()[1].startswith(HOLOSIIVSKYI[0] + ",30.0,")
    assert np.isfinite(site["rmse_k"]) and site["rmse_k"] < 0.01
