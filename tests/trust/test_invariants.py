"""Issue 11: before anything is published or exported, every list is checked against what the
model's equations allow; an impossible list is refused (exit 1) and nothing is written."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from heatneed import cli, invariants, pipeline
from heatneed.config import default_params
from heatneed.errors import InvariantError
from heatneed.sources.base import conform, forecast_dataset

BASE = pipeline.load_inputs()
CODES = list(BASE.districts.index)
START = pd.Timestamp("2026-02-01T00:00:00")


def _inputs(temp: np.ndarray, wind: np.ndarray) -> pipeline.Inputs:
    times = pd.date_range(START, periods=temp.shape[1], freq="h")
    ds = forecast_dataset(temp, wind, CODES, times, source="test")
    return dataclasses.replace(BASE, forecast=conform(ds, BASE.districts, "test"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    shape=st.tuples(st.integers(6, 30), st.integers(1, 3)),
    data=st.data(),
    tau=st.floats(40, 200), initial=st.floats(5, 30), gain=st.floats(0, 8), heater=st.floats(0, 20),
)
def test_no_published_indoor_temperature_leaves_what_the_equations_allow(shape, data, tau, initial, gain, heater):
    hours, members = shape
    temp = data.draw(arrays(float, (len(CODES), hours, members), elements=st.floats(-60, 40, width=32)))
    wind = data.draw(arrays(float, (len(CODES), hours, members), elements=st.floats(0, 120, width=32)))
    p = default_params().replace(tau_low_hours=min(tau, 26.0), tau_high_hours=max(tau, 72.0))
    p = p.replace(tau_hours=tau, initial_indoor_c=initial, internal_gain_k=gain,
                                 heater_gain_k=heater, horizon_hours=float(hours))
    result = pipeline.rank(_inputs(temp, wind), p, now=START)  # raises InvariantError if unsound
    # the bound, computed here independently: coldest outdoor .. warmest equilibrium / start
    indoor = result.indoor_c.transpose("district", "member", "time").values
    by_code = dict(zip(CODES, range(len(CODES))))
    for k, code in enumerate(result.indoor_c["district"].values):
        t = temp[by_code[str(code)]]
        lower = min(t.min(), initial) - invariants.TOLERANCE_K
        upper = max(initial, t.max() + gain + heater) + invariants.TOLERANCE_K
        assert lower <= np.nanmin(indoor[k]) and np.nanmax(indoor[k]) <= upper
    pl = result.priority
    assert pl["p_indoor_below_12c"].dropna().between(0, 1).all()
    assert pl["risk_score"].dropna().between(0, 10).all()
    assert (pl["person_hours_below_12c"].dropna() <= pl["residents_unheated"][pl["person_hours_below_12c"].notna()]
            * hours + 1).all()


def _corrupt(monkeypatch, kelvin: float = -950.0):
    """The −930 °C of the issue: a kernel result no valid input can give."""
    real = pipeline.district_metrics

    def broken(*args, **kwargs):
        values = real(*args, **kwargs)
        if kwargs.get("indoor_out") is None:  # the score-range and driver runs keep no temperatures
            return values
        kwargs["indoor_out"][...] += kelvin
        values[:, pipeline.METRIC_COLUMNS.index("min_indoor_c")] += kelvin
        return values

    monkeypatch.setattr(pipeline, "district_metrics", broken)


def test_an_impossible_list_is_refused(monkeypatch):
    _corrupt(monkeypatch)
    with pytest.raises(InvariantError, match="lies outside what the model allows"):
        pipeline.rank(BASE, default_params())


def test_violations_name_each_broken_figure():
    result = pipeline.rank(BASE, default_params(), now=START)
    assert invariants.violations(result) == []
    priority = result.priority.copy()
    priority.loc[0, "p_indoor_below_12c"] = 1.5
    priority.loc[1, "hours_to_5c"] = 0.0
    priority.loc[1, "hours_to_12c"] = 10.0
    lines = invariants.violations(dataclasses.replace(result, priority=priority))
    assert any("p_indoor_below_12c = 1.5 outside 0…1" in line for line in lines)
    assert any("hours_to_5c earlier than hours_to_12c" in line for line in lines)


def test_cli_refuses_with_exit_1_and_writes_nothing(monkeypatch, tmp_path, capsys):
    _corrupt(monkeypatch)
    out = tmp_path / "p.csv"
    out.write_bytes(b"previous list\n")
    assert cli.main(["rank", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "refused to publish a list the model cannot produce" in err and "Traceback" not in err
    assert out.read_bytes() == b"previous list\n" and [p.name for p in tmp_path.iterdir()] == ["p.csv"]
    published = tmp_path / "published"
    assert cli.main(["refresh", "--scenario", str(pipeline.EMBEDDED_SCENARIO), "--output-dir", str(published)]) == 1
    assert not (published / "latest").exists() and not list((published / "lists").glob("*"))


def _with_indoor(result, change):
    """``result`` with a float32 copy of its indoor temperatures changed by ``change(array)``."""
    indoor = result.indoor_c.copy(data=np.array(result.indoor_c.values, dtype=np.float32))
    change(indoor.values)
    return dataclasses.replace(result, indoor_c=indoor)


def test_modelled_temperatures_are_checked_district_by_district_within_the_tolerance():
    result = pipeline.rank(BASE, default_params(), now=START)
    temp = result.inputs.forecast["temp_c"]
    p = result.params
    codes = [str(c) for c in result.indoor_c["district"].values]
    k = 3
    coldest = float(temp.sel(district=result.indoor_c["district"].values[k]).min())
    lower = min(coldest, p.initial_indoor_c)

    def at(value):
        def change(a):
            a[k, 0, -1] = value
        return change

    just_inside = invariants.violations(_with_indoor(result, at(lower - invariants.TOLERANCE_K + 0.01)))
    assert just_inside == []
    lines = invariants.violations(_with_indoor(result, at(lower - invariants.TOLERANCE_K - 0.02)))
    assert len(lines) == 1 and lines[0].startswith(f"district {codes[k]}: modelled indoor temperature")
    assert f"({lower:.1f}…" in lines[0]
    warm = invariants.violations(_with_indoor(result, at(200.0)))
    assert len(warm) == 1 and "…200.0 °C lies outside" in warm[0]
    unknown = invariants.violations(_with_indoor(result, lambda a: a[k].fill(np.nan)))  # no value: nothing to refuse
    assert unknown == []
    for infinite in (-np.inf, np.inf):
        lines = invariants.violations(_with_indoor(result, at(infinite)))
        assert lines[0] == "indoor temperature not finite" and codes[k] in lines[1] and len(lines) == 2
