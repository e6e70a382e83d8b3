"""Keep xarray from importing dask.array for runs that never use dask.

Whenever dask is installed, xarray imports ``dask.array``, and through it scipy.fft, the first time it
builds any Variable. It does this only to ask ``isinstance(data, dask.array.Array)``
(``xarray.namedarray.pycompat.array_type("dask")``). That import costs 0.4–0.6 s of every run,
about a fifth of ``python -m heatneed rank`` on the embedded scenario, which never touches dask.

An object cannot be a dask array before ``dask.array`` has been imported. So the answer "no dask
array type yet" is exact until then, and the real type once anything imports it. The chunked and
distributed paths import it themselves. ``defer_dask_array_import`` installs that answer in
xarray's cache of duck-array modules. It does nothing if xarray's private cache is not as
expected (xarray is pinned, and tests/test_xarray_compat.py checks both behaviours).
"""

from __future__ import annotations

import importlib
import sys


def defer_dask_array_import() -> bool:
    """Make xarray look up the dask array type only once dask.array is imported; True if installed."""
    try:
        from xarray.namedarray import pycompat
    except ImportError:  # pragma: no cover - another xarray layout: leave it alone
        return False
    cache = getattr(pycompat, "_cached_duck_array_modules", None)
    base = getattr(pycompat, "DuckArrayModule", None)
    if not isinstance(cache, dict) or base is None or "dask" in cache or "dask.array" in sys.modules:
        return False

    class DaskWhenImported(base):
        """xarray's record of the dask module, resolved on use instead of at the first Variable."""

        def __init__(self) -> None:  # no import here; see the properties
            pass

        @property
        def type(self):
            array = sys.modules.get("dask.array")
            return (array.Array,) if array is not None else ()

        @property
        def module(self):
            return _dask()

        @property
        def version(self):
            from packaging.version import Version

            dask = _dask()
            return Version(dask.__version__) if dask is not None else Version("0.0.0")

        @property
        def available(self):
            return _dask() is not None

    cache["dask"] = DaskWhenImported()
    return True


def _dask():
    try:
        return importlib.import_module("dask")
    except ImportError:
        return None
