"""Input limits and plausibility settings (``[inputs]`` of ``defaults.toml``) and file checks.

Every reader calls :func:`read_input_bytes` (or :func:`check_input_file`) before it reads a byte:
only regular files (no devices such as ``/dev/zero``, no FIFOs that would block a scheduled refresh
forever) no larger than ``max_file_bytes`` (``max_grid_file_bytes`` for NetCDF/GRIB, read lazily);
uploads in memory meet :func:`check_bytes`. :func:`check_dimensions` refuses a NetCDF/GRIB file
whose declared dimensions are implausibly large before any array is read. :func:`applied` makes a
command's ``--config`` limits those of every reader it calls.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import math
import os
import stat

from .errors import InputError, located


@dataclasses.dataclass(frozen=True)
class InputLimits:
    """``[inputs]`` of defaults.toml; units in the names."""

    max_file_bytes: int
    max_grid_file_bytes: int
    max_time_steps: int
    max_members: int
    max_dimension_size: int
    min_forecast_hours: float
    clock_skew_minutes: float
    forecast_steps_hours: tuple
    max_table_rows: int
    max_table_columns: int
    max_table_cells: int
    whole_number_tolerance: float


_DEFAULT_SECTION: dict | None = None
_CURRENT: contextvars.ContextVar[InputLimits | None] = contextvars.ContextVar("heatneed_input_limits", default=None)


def input_limits(config: dict | None = None) -> InputLimits:
    """Limits from a loaded config (``config.load_config``: its ``[inputs]`` over defaults.toml's).

    Without ``config``: the limits :func:`applied` for the running command, else defaults.toml's.
    """
    global _DEFAULT_SECTION
    if _DEFAULT_SECTION is None:
        import tomllib

        from .config import DEFAULTS_FILE

        with open(DEFAULTS_FILE, "rb") as fh:
            _DEFAULT_SECTION = dict(tomllib.load(fh).get("inputs", {}))
    if config is None:
        current = _CURRENT.get()
        if current is not None:
            return current
        config = {}
    given = config.get("inputs", {})
    if not isinstance(given, dict):
        raise InputError(located("config", "[inputs] must be a table of settings"))
    section = {**_DEFAULT_SECTION, **given}
    fields = {f.name: f.type for f in dataclasses.fields(InputLimits)}
    problems, values = [], {}
    # [inputs] also holds the schedule and warming-site keys; unknown keys are named by the config check
    # (``config.check_against_schema``), so only this table's own limits are read here.
    for key, kind in fields.items():
        value = section.get(key)
        if kind == "tuple":
            items = value if isinstance(value, list) and value else [None]
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0
                       for v in items):
                problems.append(located("config", f"[inputs] {key} must be a list of numbers > 0 (got {value!r})"))
                continue
            values[key] = tuple(float(v) for v in items)
            continue
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0
        if kind == "int" and ok and float(value) != int(value):
            ok = False
        if not ok:
            problems.append(located("config", f"[inputs] {key} must be a finite number > 0 (got {value!r})"))
            continue
        values[key] = int(value) if kind == "int" else float(value)
    if problems:
        raise InputError(problems)
    return InputLimits(**values)


@contextlib.contextmanager
def applied(config: dict | None):
    """Use ``config``'s limits for every reader called inside the ``with`` block (this context only)."""
    token = _CURRENT.set(input_limits(config) if config is not None else None)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def check_input_file(path, name: str, limits: InputLimits | None = None, grid: bool = False) -> int:
    """Refuse anything but a regular file of at most ``max_file_bytes`` (``max_grid_file_bytes`` for
    a NetCDF/GRIB file, ``grid=True``, which is read lazily); returns its size [bytes]."""
    limits = limits or input_limits()
    limit, key = (limits.max_grid_file_bytes, "max_grid_file_bytes") if grid else \
        (limits.max_file_bytes, "max_file_bytes")
    try:
        info = os.stat(path)
    except OSError as exc:
        raise InputError(located(name, f"cannot read file ({exc.strerror or type(exc).__name__})")) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(located(name, "is not a regular file (a device, pipe, socket or folder); "
                                       "give a saved file"))
    if info.st_size > limit:
        raise InputError(located(name, f"is {info.st_size:,} bytes; at most {limit:,} are accepted ([inputs] {key})"))
    return info.st_size


def read_input_bytes(path, name: str, limits: InputLimits | None = None) -> bytes:
    """The bytes of a checked input file, never more than ``max_file_bytes`` (even if it grows)."""
    limits = limits or input_limits()
    check_input_file(path, name, limits)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # swapped since the check
                raise InputError(located(name, "is not a regular file"))
            data = fh.read(limits.max_file_bytes + 1)
    except OSError as exc:
        raise InputError(located(name, f"cannot read file ({exc.strerror or type(exc).__name__})")) from None
    if len(data) > limits.max_file_bytes:
        raise InputError(located(name, f"is larger than {limits.max_file_bytes:,} bytes ([inputs] max_file_bytes)"))
    return data


def check_bytes(data: bytes, name: str, limits: InputLimits | None = None) -> None:
    """The size limit for bytes already in memory (app uploads)."""
    limits = limits or input_limits()
    if len(data) > limits.max_file_bytes:
        raise InputError(located(name, f"is {len(data):,} bytes; at most {limits.max_file_bytes:,} are "
                                       "accepted ([inputs] max_file_bytes)"))


TIME_DIMS = ("time", "step", "valid_time")
MEMBER_DIMS = ("member", "number", "realization", "ensemble_member")


def check_dimensions(sizes: dict, name: str, limits: InputLimits | None = None) -> None:
    """Refuse declared dimensions beyond the limits (time, members, any other) before reading."""
    limits = limits or input_limits()
    for dim, size in sizes.items():
        if dim in TIME_DIMS:
            limit, what, key = limits.max_time_steps, "time steps", "max_time_steps"
        elif dim in MEMBER_DIMS:
            limit, what, key = limits.max_members, "members", "max_members"
        else:
            limit, what, key = limits.max_dimension_size, "entries", "max_dimension_size"
        if int(size) > limit:
            raise InputError(located(name, f"declares {int(size):,} {what} along '{dim}'; at most {limit:,} "
                                           f"are accepted ([inputs] {key})"))


def netcdf_dimensions(path) -> dict | None:
    """Declared dimension sizes of a NetCDF file from its header alone (None if not NetCDF)."""
    try:
        import netCDF4

        with netCDF4.Dataset(str(path), "r") as nc:
            sizes = {}

            def walk(group):
                for dim, d in group.dimensions.items():
                    sizes[dim] = max(sizes.get(dim, 0), len(d))
                for sub in group.groups.values():
                    walk(sub)

            walk(nc)
            return sizes
    except Exception:  # not NetCDF: the reader reports it in its own words
        return None


__all__ = ["InputLimits", "input_limits", "check_input_file", "read_input_bytes", "check_bytes",
           "check_dimensions", "netcdf_dimensions"]
