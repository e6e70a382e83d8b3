"""The scheduled refresh job (README: Scheduled refresh): lock → fetch → validate → rank → publish.

``refresh`` holds the output folder's lock for the whole job, fetches the forecast (meteostat by
default; a live source that fails falls back to a snapshot in ``DIR/snapshots`` younger than
``max_snapshot_age_hours``, marked stale), validates and ranks, then publishes through
``store.publish``. Anything that goes wrong before publication raises (``InputError``,
``SourceError``, ``store.Busy``, ``OSError``) and leaves the published folder as it was.

Settings come from the ``[refresh]`` table of the TOML config, overridden by arguments (the CLI's
flags); relative paths in the config are relative to the config file.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from . import __version__, store
from . import config as _config
from .config import ModelParams, model_params
from .errors import InputError, located
from .sources.registry import DEFAULT_SOURCE, SOURCE_NAMES

log = logging.getLogger(__name__)

INPUT_KEYS = ("scenario", "districts", "unheated", "outages", "forecast", "warming_sites")
#: Hourly-power inputs: from the flags, else from ``[inputs]`` of the config (``heatneed.schedules``).
SCHEDULE_KEYS = ("outage_schedule", "district_queues")
#: ``[refresh]`` keys and their meaning (documented in examples/heatneed.toml).
REFRESH_KEYS = INPUT_KEYS + ("forecast_source", "output_dir", "max_snapshot_age_hours", "wait", "keep_runs")


@dataclass(frozen=True)
class RefreshSettings:
    """Where and how a refresh runs; ``from_config`` merges the config file with overrides."""

    output_dir: Path
    inputs: dict  # role -> path or None: scenario, districts, unheated, outages, forecast
    forecast_source: str | None = None  # live source when no forecast file is given
    wait_s: float | None = 0.0  # 0 = exit at once when busy, None = wait as long as it takes
    keep_runs: int = store.KEEP_RUNS
    max_snapshot_age_hours: float | None = None  # None = the [forecast] setting (default 12 h)

    @classmethod
    def from_config(cls, config: dict, config_path=None, **overrides) -> "RefreshSettings":
        """Settings from ``config["refresh"]`` with non-``None`` ``overrides`` on top.

        Override keys: the ``REFRESH_KEYS`` and ``SCHEDULE_KEYS``, with ``wait`` as seconds (``inf`` = no limit).
        A forecast file or source given as an override replaces both config keys.
        """
        section = _checked_section(config.get("refresh", {}), config_path)
        base = Path(config_path).resolve().parent if config_path else Path.cwd()
        for key in INPUT_KEYS + ("output_dir",):
            if section.get(key) is not None:
                section[key] = base / Path(section[key]).expanduser()
        given = {k: v for k, v in overrides.items() if v is not None}
        schedule_files = {k: given.pop(k, None) or (config.get("inputs") or {}).get(k) for k in SCHEDULE_KEYS}
        unknown = set(given) - set(REFRESH_KEYS)
        if unknown:
            raise TypeError(f"unknown refresh settings: {', '.join(sorted(unknown))}")
        if "forecast" in given or "forecast_source" in given:  # flags override the file, as a pair
            section.pop("forecast", None)
            section.pop("forecast_source", None)
        section.update(given)
        if section.get("forecast") is not None and section.get("forecast_source") is not None:
            raise InputError("give either --forecast FILE or --forecast-source NAME, not both")
        wait = section.get("wait", 0.0)
        wait_s = None if wait is True or (isinstance(wait, float) and math.isinf(wait)) else float(wait or 0)
        return cls(
            output_dir=Path(section.get("output_dir") or store.default_output_dir()),
            inputs={**{k: section.get(k) for k in INPUT_KEYS}, **schedule_files},
            forecast_source=section.get("forecast_source"),
            wait_s=wait_s,
            keep_runs=int(section.get("keep_runs", store.KEEP_RUNS)),
            max_snapshot_age_hours=section.get("max_snapshot_age_hours"),
        )


def _checked_section(section: dict, path) -> dict:
    """A copy of ``[refresh]`` with every key known and of the right type (InputError otherwise)."""
    where = path or "config"
    problems, out = [], dict(section)
    for key, value in section.items():
        if key not in REFRESH_KEYS:
            problems.append(located(where, f"unknown setting [refresh] {key}"))
        elif key in INPUT_KEYS + ("output_dir",) and not isinstance(value, str):
            problems.append(located(where, f"[refresh] {key} must be a path in quotes"))
        elif key == "forecast_source" and value not in SOURCE_NAMES:
            problems.append(located(where, f"[refresh] forecast_source must be one of "
                                           f"{', '.join(SOURCE_NAMES)} (got {value!r})"))
        elif key == "max_snapshot_age_hours" and not (_is_number(value) and value >= 0):
            problems.append(located(where, "[refresh] max_snapshot_age_hours must be a number ≥ 0"))
        elif key == "wait" and not (isinstance(value, bool) or (_is_number(value) and value >= 0)):
            problems.append(located(where, "[refresh] wait must be true, false or seconds ≥ 0"))
        elif key == "keep_runs" and not (isinstance(value, int) and not isinstance(value, bool) and value >= 2):
            problems.append(located(where, "[refresh] keep_runs must be a whole number ≥ 2"))
    if section.get("forecast") is not None and section.get("forecast_source") is not None:
        problems.append(located(where, "[refresh] give either forecast or forecast_source, not both"))
    if problems:
        raise InputError(problems)
    return out


def _section_problems(section: dict, path) -> list[str]:
    """``_checked_section``'s problem lines (for ``config.load_config``, which reports them all)."""
    try:
        _checked_section(section, path)
    except InputError as exc:
        return exc.problems
    return []


_config.SECTION_CHECKS["refresh"] = _section_problems


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def refresh(settings: RefreshSettings, config: dict | None = None, params: ModelParams | None = None,
            scheduler: str | None = None, on_wait: Callable[[str], None] | None = None,
            alert_settings=None) -> dict:
    """Run the job once under the output folder's lock; return the published manifest.

    ``config``: the loaded TOML (``config.load_config``), for ``[forecast]`` source settings;
    ``params``: model parameters (default: from ``config``); ``scheduler``: dask.distributed
    address for the model (``pipeline.rank``); ``on_wait(holder)``: called once if the job waits
    for another run (``settings.wait_s``). Raises ``store.Busy`` (another run
    holds the lock), ``InputError`` (invalid input), ``SourceError`` (source down and no usable
    snapshot) or ``OSError``; nothing published changes then.

    After publishing, alerts run (``alerts.after_publish``; ``alert_settings`` default: from
    ``config``, checked before anything runs): their failures are logged, never raised.
    """
    from . import pipeline
    from .assemble import assemble_inputs
    from .export import priority_bytes

    from . import alerts

    config = copy.deepcopy(config) if config is not None else {}
    params = params or model_params(config or None)
    alert_settings = alert_settings or alerts.AlertSettings.from_config(config)
    # The live fetch reads its snapshot age limit from the config: pass the effective one.
    if settings.max_snapshot_age_hours is not None:
        config.setdefault("forecast", {})["max_snapshot_age_hours"] = settings.max_snapshot_age_hours
    forecast_file = settings.inputs.get("forecast")
    source = None if forecast_file else (settings.forecast_source or DEFAULT_SOURCE)
    output_dir = settings.output_dir
    store.check_output_dir(output_dir)

    with store.refresh_lock(output_dir, settings.wait_s, on_wait):
        inputs = assemble_inputs(config, horizon_hours=params.horizon_hours, forecast_source=source,
                                 snapshot_dir=output_dir / store.SNAPSHOTS, **settings.inputs)
        fc = inputs.forecast.attrs
        stale = bool(fc.get("stale", False))
        if stale:  # published all the same, but the operator should know the source is failing
            log.warning("forecast from %s issued %s is STALE: snapshot %s, %.1f h old", fc.get("source"),
                        fc.get("issued_at"), fc.get("snapshot_file"), float(fc.get("stale_age_hours", 0)))
        else:
            log.info("forecast from %s issued %s", fc.get("source"), fc.get("issued_at"))
        from .sources.base import forecast_notes

        for note in forecast_notes(inputs.forecast, params.horizon_hours):  # sorted axis, short forecast
            log.warning("%s", note)
        result = pipeline.rank(inputs, params, scheduler=scheduler,
                               stale_after_hours=(config.get("forecast") or {}).get("stale_after_hours"))
        from .needs import needs_bytes, needs_params, needs_table

        needs_csv = needs_bytes(needs_table(result, needs_params(config or None), inputs.sites))
        log.info("ranked %d districts", len(result.priority))
        state = result.data_state
        if state.illustrative or state.stale:
            log.warning("%s", state.describe())
        info = {
            "heatneed_version": __version__,
            "forecast": {
                "source": fc.get("source"),
                "issued_at": fc.get("issued_at"),
                "stale": stale,
                "stale_age_hours": float(fc.get("stale_age_hours", 0.0)),
                "snapshot_file": fc.get("snapshot_file"),
                # [h] the forecast covers (readers' check); below the horizon every row says so
                "covered_hours": min(float(fc.get("covered_hours", params.horizon_hours)), params.horizon_hours),
            },
            "data_as_of": pipeline.data_as_of(inputs),
            "data_state": state.as_dict(),
            "inputs": {role: {"file": inputs.files.get(role), "sha256": inputs.hashes.get(role)}
                       for role in ("districts", "unheated", "outages", "forecast", "warming_sites") + SCHEDULE_KEYS
                       if role in inputs.files or role in inputs.hashes},
            "params": dataclasses.asdict(params),
        }
        csv = priority_bytes(result.priority)
        manifest = store.publish(output_dir, csv, info, keep_runs=settings.keep_runs,
                                 extra={"needs.csv": needs_csv})
        names_uk = (inputs.districts["district_name_uk"].dropna().astype(str).to_dict()
                    if "district_name_uk" in inputs.districts.columns else None)
        alerts.after_publish(output_dir, manifest, store.read_priority_csv(csv), alert_settings, names_uk,
                             lead_from=pd.Timestamp(result.forecast["time"].values[0]).tz_localize("UTC"))
    files = ", ".join(f"{name} (sha256 {v['sha256'][:12]})" for name, v in manifest["files"].items())
    log.info("published run %s in %s: %s", manifest["run_id"], output_dir, files)
    return manifest
