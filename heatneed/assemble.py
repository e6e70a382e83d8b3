"""Assembling a run's inputs: files, a scenario folder or the embedded scenario, and live forecasts.

The one way the CLI's ``rank``, the scheduled ``refresh`` and the app turn "what the user gave" into
validated ``Inputs``: each input not given comes from ``scenario`` or the embedded Kyiv scenario; a
live forecast is fetched once the district registry is known.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .errors import InputError
from .inputs import Inputs


def default_snapshot_dir() -> Path:
    """Where ``rank --forecast-source`` keeps its forecast snapshots: ``$XDG_CACHE_HOME/heatneed/snapshots``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "heatneed" / "snapshots"


def live_forecast(source: str, config: dict, snapshot_dir: Path | None, horizon_hours: float):
    """A callable the pipeline runs with the district registry: fetch ``source`` for now → now + horizon.

    ``config`` is the loaded TOML (its ``[forecast]`` table configures the source).
    """
    from .sources.live import fetch_forecast

    settings = dict(config.get("forecast", {}))
    folder = Path(snapshot_dir or settings.get("snapshot_dir") or default_snapshot_dir())

    def fetch(registry):
        now = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("h")
        return fetch_forecast(source, registry, now, now + pd.Timedelta(hours=horizon_hours), settings, folder)

    return fetch


def assemble_inputs(config: dict, *, horizon_hours: float, districts=None, unheated=None, outages=None,
                    forecast=None, scenario=None, forecast_source: str | None = None,
                    snapshot_dir: Path | None = None, warming_sites=None, outage_schedule=None,
                    district_queues=None) -> Inputs:
    """Validated inputs for a run; any input not given comes from ``scenario`` or the embedded scenario.

    ``forecast`` is a file; ``forecast_source`` a live source name (``sources.registry.SOURCE_NAMES``),
    fetched for now → now + ``horizon_hours`` [h] with snapshots in ``snapshot_dir``. Giving both is
    an ``InputError``. ``warming_sites``: a sites file whose capacity replaces the registry's
    ``warming_places`` (``heatneed.warming_sites``). ``outage_schedule`` and ``district_queues``
    (default: ``[inputs]`` of ``config``) give hourly power (``heatneed.schedules``).
    """
    from .pipeline import load_inputs

    if forecast and forecast_source:
        raise InputError("give either --forecast FILE or --forecast-source NAME, not both")
    if forecast_source:
        forecast = live_forecast(forecast_source, config, snapshot_dir, horizon_hours)
    section = config.get("inputs") or {}
    schedule = outage_schedule or section.get("outage_schedule")
    queues = district_queues or section.get("district_queues")
    settings = None
    if schedule or queues:
        from .schedules import ScheduleSettings

        settings = ScheduleSettings.from_config(config)
    from .limits import applied

    with applied(config):  # the [inputs] limits of the config for every reader
        inputs = load_inputs(districts, unheated, outages, forecast, scenario, outage_schedule=schedule,
                             district_queues=queues, schedule_settings=settings)
    warming_sites = warming_sites or section.get("warming_sites")  # [inputs]: resolved by load_config
    if warming_sites:
        from .warming_sites import attach

        inputs = attach(inputs, warming_sites, config)
    return inputs
