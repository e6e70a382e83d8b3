"""Scale tests: the pipeline on dask arrays and on a local dask.distributed cluster (issue 6).

The cluster listens on loopback only. Its worker processes are started fresh (spawn), so the
loopback-only guard of tests/conftest.py is installed in them too: tests/netblock goes on their
PYTHONPATH and its sitecustomize makes every non-loopback connection or name lookup fail.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NETBLOCK = ROOT / "tests" / "netblock"
BENCHMARKS = ROOT / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))  # bench_rank.py: the synthetic country, peak-RSS helpers

SCALE_TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCALE_TESTS))
from scale_support import SMALL_WORKER_MEMORY, WORKER_MEMORY  # noqa: E402


@contextlib.contextmanager
def local_cluster(memory_limit: int):
    """A ``LocalCluster`` of 2 single-threaded worker processes on 127.0.0.1, network blocked."""
    distributed = pytest.importorskip("distributed")
    import dask

    # Pausing stays off: a worker paused at its import-time memory never runs a task and the test
    # would hang instead of failing. Spilling and the kill at 95 % of the limit stay on, so the
    # limit still bounds what a worker may hold.
    path = [str(NETBLOCK), str(ROOT), str(SCALE_TESTS), str(BENCHMARKS), os.environ.get("PYTHONPATH")]
    with pytest.MonkeyPatch.context() as env:  # read by the spawned workers too; restored afterwards
        env.setenv("PYTHONPATH", os.pathsep.join(filter(None, path)))
        env.setenv("DASK_DISTRIBUTED__WORKER__MEMORY__PAUSE", "False")
        with dask.config.set({"distributed.worker.memory.pause": False}), \
                distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                         dashboard_address="127.0.0.1:0", memory_limit=memory_limit) as local:
            yield local


@contextlib.contextmanager
def client_of(cluster):
    """A client of ``cluster`` for inspecting the workers (not the default scheduler of the tests)."""
    import distributed

    with distributed.Client(cluster.scheduler_address, set_as_default=False) as c:
        yield c


@pytest.fixture(scope="session")
def cluster():
    """The cluster most scale tests share; workers that have loaded numba and the compiled kernel
    hold ~275 MB before any task, hence the roomy limit."""
    with local_cluster(WORKER_MEMORY) as local:
        yield local


@pytest.fixture(scope="session")
def client(cluster):
    with client_of(cluster) as c:
        yield c


@pytest.fixture
def small_cluster():
    """A fresh cluster whose workers have a memory limit smaller than the gridded test file, with a
    client: ``(cluster, client)``. Fresh, so that what earlier tests left in a worker cannot push
    it over the limit."""
    with local_cluster(SMALL_WORKER_MEMORY) as local, client_of(local) as c:
        yield local, c
