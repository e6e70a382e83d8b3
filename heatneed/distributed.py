"""The pipeline on dask: chunked xarray forecasts and dask.distributed clusters (README: Scale and dask).

This module is an executor: it knows nothing of the model. ``pipeline.rank`` hands it the kernel
(``pipeline.district_metrics``) and the indoor-temperature kernel, and they are mapped over district
chunks of the forecast's dask arrays. Each chunk holds whole time series and ensembles, so a chunk's numbers are
exactly those of the in-process path. With a scheduler address the graph runs on that cluster
(``distributed.Client(address)``), otherwise on dask's current scheduler. Only the per-district
results (a dozen numbers per district) travel back; scores and ranking stay in ``pipeline.rank``.

A forecast larger than memory stays lazy end to end: open it with ``chunks`` (e.g.
``xr.open_dataset(path, chunks={"time": 24})`` for a grid, then ``sources.gridded.read_gridded``,
or ``sources.tidy.read_tidy_netcdf(path, registry, chunks={"district": 200})``); every task then
reads only its own pieces. Workers need ``heatneed`` installed and the files at the same path.
"""

from __future__ import annotations

import contextlib

import numpy as np
import xarray as xr

from .config import ModelParams
from .errors import SourceError

#: Upper bound of one forecast variable's chunk [bytes] when the district chunks are chosen here.
CHUNK_BYTES = 16 * 2**20
#: Seconds to wait for the scheduler before giving up.
CONNECT_TIMEOUT_S = 10


def scheduler_address(flag: str | None, config: dict) -> str | None:
    """The scheduler to run on: ``--dask-scheduler`` if given, else ``[dask] scheduler`` of the config."""
    return flag or (config.get("dask") or {}).get("scheduler") or None


@contextlib.contextmanager
def connect(address: str):
    """A ``distributed.Client`` on the scheduler at ``address``, closed on exit (the cluster stays).

    Raises ``SourceError`` (exit code 1) when dask.distributed is missing or the scheduler cannot
    be reached.
    """
    try:
        from distributed import Client
    except ImportError:
        raise SourceError("running on a dask cluster needs dask.distributed: pip install 'dask[distributed]'") from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise SourceError(f"cannot reach the dask scheduler at {address}: {exc}") from None
    try:
        yield client
    finally:
        client.close()


def forecast_arrays(forecast: xr.Dataset, chunk_bytes: int | None = None):
    """``temp_c`` and ``wind_kmh`` as dask arrays (district, time, member), chunked over district only.

    Existing district chunks are kept when they fit in ``chunk_bytes`` (default ``CHUNK_BYTES``) per
    variable and split when not; time and member are joined into one chunk (the recurrence runs
    along all of time, the statistics over all members). In-memory arrays are cut into chunks
    without copying.
    """
    import dask.array as da

    temp, wind = (forecast[var].transpose("district", "time", "member").data for var in ("temp_c", "wind_kmh"))
    existing = temp.chunks[0] if isinstance(temp, da.Array) else (temp.shape[0],)
    row_bytes = temp.shape[1] * temp.shape[2] * max(temp.dtype.itemsize, wind.dtype.itemsize)
    per_chunk = max(1, (chunk_bytes or CHUNK_BYTES) // max(row_bytes, 1))
    chunks = (tuple(piece for size in existing for piece in _split(size, per_chunk)), -1, -1)
    return tuple(data.rechunk(chunks) if isinstance(data, da.Array) else da.from_array(data, chunks=chunks)
                 for data in (temp, wind))


def _split(size: int, most: int) -> list[int]:
    """``size`` as near-equal parts of at most ``most``."""
    parts = -(-size // most)
    return [size // parts + (1 if i < size % parts else 0) for i in range(parts)]


def district_metrics(forecast: xr.Dataset, cooling: np.ndarray, dt: np.ndarray, p: ModelParams, *,
                     kernel, indoor_kernel, columns: int, fused: bool, sensitivity: bool = False,
                     scheduler: str | None = None, power: np.ndarray | None = None):
    """``kernel`` per district chunk on dask; returns ``(values, indoor_c)``.

    ``kernel(temp, wind, cooling, dt, p, sensitivity=, fused=, power=)`` gives a chunk's (district,
    ``columns``) results, ``indoor_kernel(temp, cooling, dt, p, power=)`` its (district, member, time+1)
    indoor temperatures; both take (district, time, member) forecast chunks. ``fused`` is chosen once
    for the whole forecast, as in process, not per chunk size. ``power``: share of each step with power
    (district, time) from an hourly schedule, chunked with the districts; None = the daily share.
    ``values`` is the computed (district, columns) float64 array; ``indoor_c`` a lazy DataArray
    (district, member, time+1) [°C] that recomputes a chunk's indoor temperatures when read. With
    ``scheduler`` the results are computed on that dask.distributed cluster.
    """
    import dask.array as da

    temp, wind = forecast_arrays(forecast)
    per_district = da.from_array(cooling, chunks=(temp.chunks[0], cooling.shape[1]))
    # The daily share as a (district, 1) stand-in keeps one graph for both cases.
    hourly = power is not None
    per_step = da.from_array(np.asarray(power if hourly else np.zeros((len(cooling), 1)), dtype=np.float32),
                             chunks=(temp.chunks[0], -1))
    metrics = da.blockwise(_metrics_chunk, "dk", temp, "dtm", wind, "dtm", per_district, "dc", per_step, "ds",
                           new_axes={"k": columns}, concatenate=True, dtype=np.float64, meta=np.empty((0, 0)),
                           dt=dt, p=p, sensitivity=sensitivity, fused=fused, hourly=hourly, kernel=kernel)
    if scheduler:
        with connect(scheduler) as client:
            values = client.compute(metrics).result()
    else:
        values = metrics.compute()
    indoor = da.map_blocks(_indoor_chunk, temp, per_district[:, None, :], per_step[:, None, :], dtype=np.float32,
                           chunks=(temp.chunks[0], (temp.shape[2],), (temp.shape[1] + 1,)),
                           meta=np.empty((0, 0, 0), np.float32), dt=dt, p=p, hourly=hourly,
                           indoor_kernel=indoor_kernel)
    return values, xr.DataArray(indoor, dims=("district", "member", "time"), attrs={"units": "degC"})


def _metrics_chunk(temp, wind, cooling, power, *, dt, p, sensitivity, fused, hourly, kernel):
    return kernel(temp, wind, cooling, dt, p, sensitivity=sensitivity, fused=fused, power=power if hourly else None)


def _indoor_chunk(temp, cooling, power, *, dt, p, hourly, indoor_kernel):
    return indoor_kernel(temp, cooling[:, 0, :], dt, p, power=power[:, 0, :] if hourly else None)
