"""The same pipeline in process, on chunked xarray and on a dask.distributed cluster (issue 6)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from heatneed import distributed, pipeline
from heatneed.config import default_params
from heatneed.errors import SourceError

import bench_rank
import scale_support
from scale_support import SMALL_WORKER_MEMORY

pytest.importorskip("dask")
P = default_params().replace(horizon_hours=72.0)


def assert_same_result(result, reference, rtol=1e-6):
    """Same ranking, same priority list, and every per-district number equal to ``rtol``."""
    pd.testing.assert_frame_equal(result.priority, reference.priority)
    numbers = reference.detail.select_dtypes("number").columns
    np.testing.assert_allclose(result.detail[numbers].to_numpy(float), reference.detail[numbers].to_numpy(float),
                               rtol=rtol, atol=0)


@pytest.fixture(scope="module")
def country():
    """240 synthetic hromadas × 96 h × 11 members: heat lost before and after the start, every outage status."""
    return bench_rank.synthetic_inputs(240, 96, 11, seed=3)


@pytest.fixture(scope="module")
def in_process(country):
    return pipeline.rank(country, P, sensitivity=True)


def test_chunked_xarray_forecast_gives_the_in_process_result(country, in_process):
    chunked = dataclasses.replace(country, forecast=country.forecast.chunk({"district": 50}))
    result = pipeline.rank(chunked, P, sensitivity=True)
    assert result.forecast["temp_c"].chunks is not None  # stayed lazy
    assert_same_result(result, in_process)
    np.testing.assert_array_equal(result.indoor_c.values, in_process.indoor_c.values)


def test_local_cluster_gives_the_in_process_ranking(country, in_process, cluster, monkeypatch):
    monkeypatch.setattr(distributed, "CHUNK_BYTES", 200_000)  # several chunks on each worker
    assert len(distributed.forecast_arrays(country.forecast)[0].chunks[0]) >= 4
    result = pipeline.rank(country, P, sensitivity=True, scheduler=cluster.scheduler_address)
    assert_same_result(result, in_process)
    code = in_process.priority["district_code"].iloc[0]
    np.testing.assert_array_equal(result.indoor_c.sel(district=code).values,
                                  in_process.indoor_c.sel(district=code).values)


def test_the_kernel_is_chosen_for_the_whole_forecast_not_per_chunk(country, in_process, cluster, client,
                                                                     monkeypatch):
    monkeypatch.setattr(distributed, "CHUNK_BYTES", 200_000)  # chunks far below FUSED_MIN_CELLS
    modelled = country.forecast["temp_c"].isel(time=slice(0, int(P.horizon_hours)))  # hourly steps
    monkeypatch.setattr(pipeline, "FUSED_MIN_CELLS", modelled.size)  # the whole forecast is large
    chosen = []
    real = pipeline.district_metrics  # the kernel rank() hands to the dask executor
    # Record the chunks of the main run (the score-range and driver runs choose their own kernel in process).
    monkeypatch.setattr(pipeline, "district_metrics",
                        lambda *a, **kw: ("fused" in kw and chosen.append(kw["fused"])) or real(*a, **kw))
    chunked = dataclasses.replace(country, forecast=country.forecast.chunk({"district": 50}))
    assert_same_result(pipeline.rank(chunked, P, sensitivity=True), in_process)  # dask's local threads
    assert len(chosen) >= 4 and all(chosen)

    monkeypatch.setattr(pipeline, "district_metrics", real)
    result = pipeline.rank(country, P, sensitivity=True, scheduler=cluster.scheduler_address)
    assert all(client.run(lambda: "heatneed.fused" in sys.modules).values())  # compiled on the workers
    assert_same_result(result, in_process)  # against the numpy kernel in process


def test_cluster_workers_cannot_reach_the_network(client):
    import socket

    def try_outside():
        replies = []
        for attempt in (lambda: socket.create_connection(("example.org", 80), timeout=1),
                        lambda: socket.socket().connect(("192.0.2.1", 80))):  # TEST-NET-1, never routed
            try:
                attempt()
                replies.append("connected")
            except OSError as exc:
                replies.append(str(exc))
        return replies

    replies = [reply for per_worker in client.run(try_outside).values() for reply in per_worker]
    assert len(replies) == 4 and all("blocked in tests" in reply for reply in replies), replies


def test_unreachable_scheduler_is_a_source_error(country, monkeypatch):
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT_S", 1)
    with pytest.raises(SourceError, match="cannot reach the dask scheduler at tcp://127.0.0.1:9"):
        pipeline.rank(country, P, scheduler="tcp://127.0.0.1:9")


def test_scheduler_comes_from_the_flag_then_the_config():
    config = {"dask": {"scheduler": "tcp://10.0.0.5:8786"}}
    assert distributed.scheduler_address("tcp://127.0.0.1:8786", config) == "tcp://127.0.0.1:8786"
    assert distributed.scheduler_address(None, config) == "tcp://10.0.0.5:8786"
    assert distributed.scheduler_address(None, {"dask": {"scheduler": ""}}) is None
    assert distributed.scheduler_address(None, {}) is None


# ------------------------------------------------------------------ a file no worker may hold whole

def write_grid(path: Path, members=15, hours=168, step=0.1):
    """An ECMWF-style ensemble grid over Ukraine (t2m [K], u10/v10 [m/s]), written chunk by chunk."""
    import dask
    import dask.array as da

    lat = np.arange(53.5, 43.45, -step)
    lon = np.arange(21.5, 41.55, step)
    shape, chunks = (members, hours, len(lat), len(lon)), (members, 8, len(lat), len(lon))
    rng = da.random.default_rng(7)
    hour = np.arange(hours)[:, None, None]
    cold = (268.0 - 0.6 * (lat[:, None] - 48.5) - 0.2 * (lon[None, :] - 31.0) - 3 * np.cos(2 * np.pi * hour / 24))
    noise = rng.standard_normal(shape, chunks=chunks, dtype=np.float32)
    dims = ("number", "time", "latitude", "longitude")
    grid = xr.Dataset(
        {"t2m": (dims, noise * 1.5 + cold.astype(np.float32)[None], {"units": "K"}),
         "u10": (dims, rng.standard_normal(shape, chunks=chunks, dtype=np.float32) * 4 + 3, {"units": "m s**-1"}),
         "v10": (dims, rng.standard_normal(shape, chunks=chunks, dtype=np.float32) * 4, {"units": "m s**-1"})},
        coords={"number": np.arange(members), "time": pd.date_range("2026-02-01", periods=hours, freq="h"),
                "latitude": lat, "longitude": lon})
    with dask.config.set(scheduler="threads"):
        grid.to_netcdf(path)
    return path


def test_gridded_file_larger_than_a_worker_is_ranked_in_pieces_never_held_whole(tmp_path, small_cluster):
    from heatneed.sources.gridded import read_gridded

    cluster, client = small_cluster
    path = write_grid(tmp_path / "ens.nc")
    size = path.stat().st_size  # ~610 MB of float32 t2m/u10/v10
    assert size > 1.1 * SMALL_WORKER_MEMORY
    frames = bench_rank.synthetic_frames(300, seed=5)
    files = {role: frame.to_csv(index=False).encode() for role, frame in frames.items()}
    names = {role: f"{role}.csv" for role in files}
    workers = set(client.scheduler_info()["workers"])
    client.run(scale_support.import_what_a_task_needs)
    if not all(client.run(bench_rank.reset_peak_rss).values()) or not bench_rank.reset_peak_rss():
        pytest.fail("peak memory cannot be reset here (/proc/self/clear_refs): the test cannot measure")
    rss_before = client.run(bench_rank.peak_rss_mb)  # [MiB]
    before = bench_rank.peak_rss_mb()

    with xr.open_dataset(path, chunks={"time": 8}) as grid:  # 15 MB pieces
        lazy = pipeline.load_inputs(**files, forecast=read_gridded(grid, frames["districts"], name=path.name),
                                    names=names)
        result = pipeline.rank(lazy, P, scheduler=cluster.scheduler_address)
        grew = {worker: (peak - rss_before[worker]) * 2**20
                for worker, peak in client.run(bench_rank.peak_rss_mb).items()}
        assert set(client.scheduler_info()["workers"]) == workers  # no worker ran out of memory
        assert max(grew.values()) < size / 4, (size, grew)  # each worker held a few pieces at a time
        assert (bench_rank.peak_rss_mb() - before) * 2**20 < size / 2  # this process streamed the file for the input checks
        loaded = dataclasses.replace(lazy, forecast=lazy.forecast.load())
    assert_same_result(result, pipeline.rank(loaded, P))
    assert result.priority["risk_score"].notna().sum() == len(frames["unheated"])


def test_cli_runs_on_the_cluster_given_by_flag_or_config(cluster, client, tmp_path, capsysbinary):
    from heatneed import cli

    def rank(*flags):
        assert cli.main(["rank", *flags]) == 0
        return capsysbinary.readouterr().out

    def tasks_run():
        return client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.transition_counter)

    config = tmp_path / "heatneed.toml"
    config.write_text(f'[dask]\nscheduler = "{cluster.scheduler_address}"\n')
    plain = rank()
    before = tasks_run()
    assert rank("--dask-scheduler", cluster.scheduler_address) == plain
    middle = tasks_run()
    assert rank("--config", str(config)) == plain
    assert before < middle < tasks_run()
