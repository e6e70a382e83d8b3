"""Ranks at the τ band's ends from the sensitivity runs of the rank itself (no extra kernel runs).

``pipeline.rank(..., sensitivity=True)`` keeps the ensemble-mean band hours at ``tau_low_hours`` and
``tau_high_hours`` (``pipeline.TAU_BAND_HOURS``); ``explain.tau_ranks`` scores them. They must give
what ``pipeline.risk_at_tau`` (a kernel run at that τ) gives, for both kernels, with daily and
hourly power, in process and on dask chunks.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from heatneed import explain, export, pipeline, schedules
from heatneed.config import default_params

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_rank  # noqa: E402  (the synthetic scenario of the benchmarks)

P = default_params()
EXAMPLE_SCHEDULE = ROOT / "examples" / "outage-schedule.csv"
EXAMPLE_QUEUES = ROOT / "examples" / "district-queues.csv"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """40 districts × 48 h × 5 members written by the benchmark's ``write_scenario``."""
    folder = tmp_path_factory.mktemp("synthetic")
    bench_rank.write_scenario(folder, 40, 48, 5)
    return folder


def _inputs(kind: str, folder: Path):
    if kind == "embedded":
        return pipeline.load_inputs()
    if kind == "embedded-hourly":
        return pipeline.load_inputs(outage_schedule=EXAMPLE_SCHEDULE, district_queues=EXAMPLE_QUEUES)
    inputs = pipeline.load_inputs(scenario=folder)
    if kind == "synthetic":
        return inputs
    schedule, queues = bench_rank.synthetic_schedule(40, 48)
    power = schedules.load_hourly_power(schedule, queues, inputs.districts, schedules.ScheduleSettings.from_config(None),
                                        {"outage_schedule": "schedule.csv", "district_queues": "queues.csv"})
    return dataclasses.replace(inputs, hourly_power=power)


@pytest.mark.parametrize("kernel", ["numpy", "fused"])
@pytest.mark.parametrize("kind", ["embedded", "embedded-hourly", "synthetic", "synthetic-hourly"])
def test_tau_scores_from_the_sensitivity_runs_equal_a_kernel_run_at_that_tau(kind, kernel, synthetic, monkeypatch):
    monkeypatch.setattr(pipeline, "FUSED_MIN_CELLS", 0 if kernel == "fused" else 10**12)
    inputs = _inputs(kind, synthetic)
    params = P.replace(tau_low_hours=20.0, tau_high_hours=160.0)  # far apart: the ranks move
    result = pipeline.rank(inputs, params, sensitivity=True)
    assert pipeline.use_fused(result.forecast["temp_c"].size) == (kernel == "fused")
    assert (result.power_on is not None) == kind.endswith("hourly")
    rerun = {tag: pipeline.risk_at_tau(result, tau) for tag, tau in (("tau_low", 20.0), ("tau_high", 160.0))}
    for tag in pipeline.TAU_ENDS:
        kept = pipeline.risk_at_tau_end(result, tag)
        pd.testing.assert_index_equal(kept.index, result.detail.index)
        np.testing.assert_allclose(kept.to_numpy(), rerun[tag].to_numpy(), rtol=0, atol=1e-9)
        assert kept.notna().sum() > 0
    assert not np.allclose(rerun["tau_low"].fillna(0), rerun["tau_high"].fillna(0))  # τ matters here

    def no_kernel(*args, **kwargs):
        raise AssertionError("tau_ranks ran the kernel although the rank kept the band hours")

    monkeypatch.setattr(pipeline, "_run_kernel", no_kernel)
    tau = explain.tau_ranks(result)
    for tag in pipeline.TAU_ENDS:
        np.testing.assert_allclose(tau[f"risk_{tag}"].to_numpy(), rerun[tag].to_numpy(), rtol=0, atol=1e-9)
        d = result.detail
        expected = explain.ranks(rerun[tag], d["residents_unheated"], pd.Series(d.index, index=d.index))
        assert tau[f"rank_{tag}"].to_dict() == expected.to_dict()


def test_without_sensitivity_tau_ranks_runs_the_kernel_as_before():
    result = pipeline.rank(pipeline.load_inputs(), P)
    assert pipeline.risk_at_tau_end(result, "tau_low") is None
    assert not set(pipeline.SENSITIVITY_COLUMNS) & set(result.detail.columns)
    tau = explain.tau_ranks(result)
    np.testing.assert_allclose(tau["risk_tau_high"], pipeline.risk_at_tau(result, P.tau_high_hours), atol=1e-9)
    with pytest.raises(ValueError, match="tau_low, tau_high"):
        pipeline.risk_at_tau_end(result, "tau_mid")


def test_on_dask_chunks_the_kept_band_hours_equal_the_in_process_ones():
    inputs = pipeline.load_inputs()
    in_process = pipeline.rank(inputs, P, sensitivity=True)
    chunked = pipeline.rank(dataclasses.replace(inputs, forecast=inputs.forecast.chunk({"district": 3})), P,
                            sensitivity=True)
    columns = [c for tag in pipeline.TAU_ENDS for c in pipeline.TAU_BAND_HOURS[tag]]
    np.testing.assert_array_equal(chunked.detail[columns].to_numpy(), in_process.detail[columns].to_numpy())
    np.testing.assert_allclose(pipeline.risk_at_tau_end(chunked, "tau_high"),
                               pipeline.risk_at_tau(in_process, P.tau_high_hours), atol=1e-9)


@pytest.mark.parametrize("kernel", ["numpy", "fused"])
def test_at_a_band_of_one_tau_the_kept_band_hours_are_the_main_runs(kernel, monkeypatch):
    monkeypatch.setattr(pipeline, "FUSED_MIN_CELLS", 0 if kernel == "fused" else 10**12)
    inputs = pipeline.load_inputs()
    inputs = dataclasses.replace(inputs, districts=inputs.districts.drop(columns="tau_hours", errors="ignore"))
    params = P.replace(tau_low_hours=P.tau_hours, tau_high_hours=P.tau_hours)
    result = pipeline.rank(inputs, params, sensitivity=True)
    main = result.detail[list(pipeline.risk.BAND_HOURS)].to_numpy()
    assert main[:, 0].max() > 0
    for tag in pipeline.TAU_ENDS:  # (the compiled kernel's τ runs skip the outdoor air: the indoor is the same)
        np.testing.assert_array_equal(result.detail[list(pipeline.TAU_BAND_HOURS[tag])].to_numpy(), main)
        for column in ("min_indoor_c", "hours_to_12c"):
            np.testing.assert_array_equal(result.detail[f"{column}_{tag}"], result.detail[column])


def test_sensitivity_leaves_the_published_list_unchanged(synthetic):
    for inputs in (pipeline.load_inputs(), pipeline.load_inputs(scenario=synthetic)):
        plain = pipeline.rank(inputs, P)
        with_tau = pipeline.rank(inputs, P, sensitivity=True)
        assert export.priority_bytes(with_tau.priority) == export.priority_bytes(plain.priority)
