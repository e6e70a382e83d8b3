"""Constants shared by tests/scale/conftest.py and its tests (``conftest`` is not importable by name
when several test folders have one)."""

#: Memory limit of each worker: smaller than the gridded file of test_gridded_file_larger_than_a_worker.
WORKER_MEMORY = 300 * 2**20
