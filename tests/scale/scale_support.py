"""Helpers shared by tests/scale/conftest.py, its tests and the cluster's worker processes (this
folder is on the workers' PYTHONPATH, so functions defined here run there by reference).

``conftest`` is not importable by name when several test folders have one, hence this module.
"""

from __future__ import annotations

#: Memory limit of each worker of the shared test cluster.
WORKER_MEMORY = 1024 * 2**20
#: Memory limit of each worker of ``small_cluster``, below the size of the gridded file of
#: test_gridded_file_larger_than_a_worker_…. A fresh worker that has imported heatneed (pandas,
#: xarray, netCDF4) holds ~160–200 MB before any task and dask kills it at 95 % of the limit:
#: 512 MiB leaves ~290 MB for a few 15 MB pieces at a time. (At 300 MiB a worker was killed in the
#: middle of its first tasks and the run hung; a worker of the shared cluster, which has also
#: loaded numba for other tests, went over 512 MiB.)
SMALL_WORKER_MEMORY = 512 * 2**20


def import_what_a_task_needs() -> None:
    """Import in a worker what its first task would, so that memory measured afterwards is data."""
    import netCDF4  # noqa: F401  xarray's default NetCDF engine
    import xarray  # noqa: F401

    import heatneed.distributed  # noqa: F401
    import heatneed.pipeline  # noqa: F401
