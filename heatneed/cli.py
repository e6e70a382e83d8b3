"""Command line (DESIGN §4): ``python -m heatneed rank | validate | refresh | history``.

Exit codes: 0 success; 1 a source or the system failed (published output kept); 2 bad input or
usage (one line per problem on stderr, never a traceback); 3 another refresh is running.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import InputError, SourceError

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT, EXIT_BUSY = 0, 1, 2, 3
FORECAST_SOURCES = ("meteostat", "open-meteo", "snapshot")
MODEL_FLAGS = {  # flag -> (ModelParams field, help)
    "--tau-hours": ("tau_hours", "building time constant τ [h] (default 100; literature 12–200)"),
    "--initial-indoor-c": ("initial_indoor_c", "indoor temperature when heat is lost [°C] (default 20)"),
    "--internal-gain-k": ("internal_gain_k", "equilibrium shift from internal gains [K] (default 3.9)"),
    "--heater-gain-k": ("heater_gain_k", "equilibrium shift from electric heating while powered [K] (default 10)"),
    "--horizon-hours": ("horizon_hours", "hours of forecast modelled and scored (default 72)"),
}


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line and exits 2."""

    def error(self, message):
        self.exit(EXIT_BAD_INPUT, f"heatneed: error: {message} (see: {self.prog} --help)\n")


def add_input_flags(parser: argparse.ArgumentParser) -> None:
    """Input and model flags shared by ``rank`` and ``refresh``."""
    files = parser.add_argument_group("inputs (any not given come from --scenario or the embedded Kyiv scenario)")
    files.add_argument("--scenario", metavar="DIR", help="folder with districts.csv, unheated.csv, outages.csv, forecast.*")
    files.add_argument("--districts", metavar="FILE", help="district registry CSV/Parquet")
    files.add_argument("--unheated", metavar="FILE", help="unheated-building reports CSV/Parquet")
    files.add_argument("--outages", metavar="FILE", help="power-outage reports CSV/Parquet")
    files.add_argument("--forecast", metavar="FILE",
                       help="forecast file: tidy .csv/.parquet/.nc, gridded .nc/.grib2, Open-Meteo .json")
    files.add_argument("--forecast-source", choices=FORECAST_SOURCES,
                       help="fetch the forecast live (meteostat, open-meteo) or use the newest own snapshot")
    model = parser.add_argument_group("model (defaults and sources: heatneed/defaults.toml)")
    model.add_argument("--config", metavar="FILE", help="TOML file overriding the defaults")
    for flag, (_, text) in MODEL_FLAGS.items():
        model.add_argument(flag, type=float, metavar="X", help=text)
    model.add_argument("--dask-scheduler", metavar="ADDRESS",
                       help="run the model on a dask.distributed cluster (e.g. tcp://10.0.0.5:8786; "
                            "default: [dask] scheduler of the config)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m heatneed",
                     description="Rank districts by cold-exposure risk when homes lose heat and power.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    rank = sub.add_parser("rank", help="rank districts and write the priority list",
                          description="Rank districts and write the priority list (DESIGN §5 columns).")
    add_input_flags(rank)
    rank.add_argument("--out", metavar="FILE", help="output .csv or .parquet (default: CSV on stdout)")
    rank.add_argument("--hxl", action="store_true", help="add the HXL hashtag row under the header (CSV)")
    validate = sub.add_parser("validate", help="check input files and report every problem",
                              description="Check input files; kinds are recognised from their columns.")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.add_argument("--districts", metavar="FILE",
                          help="registry to check district codes against (default: a districts file among "
                               "FILE…, else the embedded Kyiv registry)")
    from . import refresh_cli  # noqa: PLC0415  (kept apart: scheduling has its own module)

    refresh_cli.add_commands(sub, add_input_flags)
    return parser


# --------------------------------------------------------------------------- shared steps

def params_from(args, config):
    from .config import model_params

    overrides = {field: getattr(args, flag[2:].replace("-", "_")) for flag, (field, _) in MODEL_FLAGS.items()}
    return model_params(config, **overrides)


def inputs_from(args, config, snapshot_dir: Path | None = None, horizon_hours: float | None = None):
    """Validated inputs from the flags; a live forecast is fetched once the registry is known.

    A live fetch covers now → now + ``horizon_hours`` (default: the config's horizon).
    """
    from .pipeline import load_inputs

    if args.forecast and args.forecast_source:
        raise InputError("give either --forecast FILE or --forecast-source NAME, not both")
    source = args.forecast_source
    forecast = args.forecast
    if source:
        forecast = _live_forecast(source, config, snapshot_dir, horizon_hours)
    from .limits import applied

    with applied(config):  # [inputs] limits of the config for every reader
        return load_inputs(args.districts, args.unheated, args.outages, forecast, args.scenario)


def _live_forecast(source: str, config: dict, snapshot_dir: Path | None, horizon_hours: float | None):
    """A callable the pipeline runs with the district registry: fetch now → now + horizon."""
    import pandas as pd

    from .config import model_params
    from .sources.live import fetch_forecast

    settings = dict(config.get("forecast", {}))
    horizon = horizon_hours or model_params(config).horizon_hours
    folder = Path(snapshot_dir or settings.get("snapshot_dir") or default_snapshot_dir())

    def fetch(registry):
        now = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("h")
        return fetch_forecast(source, registry, now, now + pd.Timedelta(hours=horizon), settings, folder)

    return fetch


def default_snapshot_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "heatneed" / "snapshots"


def notes_of(result) -> list[str]:
    """What the readers changed or the list lacks (sorted time axis, short forecast), for stderr."""
    from .sources.base import forecast_notes

    return forecast_notes(result.inputs.forecast, result.params.horizon_hours)


def report(problems: list[str]) -> None:
    for line in problems:
        print(f"heatneed: error: {line}", file=sys.stderr)


# --------------------------------------------------------------------------- commands

def cmd_rank(args) -> int:
    from . import pipeline
    from .config import load_config
    from .distributed import scheduler_address
    from .export import format_for, priority_bytes, write_atomic

    fmt = format_for(args.out) if args.out else "csv"
    if args.hxl and fmt != "csv":
        raise InputError("--hxl needs a .csv output")
    config = load_config(args.config)
    params = params_from(args, config)
    inputs = inputs_from(args, config, horizon_hours=params.horizon_hours)
    result = pipeline.rank(inputs, params, scheduler=scheduler_address(args.dask_scheduler, config))
    data = priority_bytes(result.priority, fmt, hxl=args.hxl)
    stale = " (STALE forecast)" if result.stale else ""
    for note in notes_of(result):
        print(f"heatneed: note: {note}", file=sys.stderr)
    if args.out:
        write_atomic(args.out, data)
        print(f"heatneed: ranked {len(result.priority)} districts, forecast issued "
              f"{result.forecast.attrs.get('issued_at')}{stale} -> {args.out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return EXIT_OK


def cmd_validate(args) -> int:
    from .validate import validate_files

    ok, problems = validate_files(args.files, args.districts)
    for line in ok:
        print(line)
    report(problems)
    return EXIT_BAD_INPUT if problems else EXIT_OK


COMMANDS = {"rank": cmd_rank, "validate": cmd_validate}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = COMMANDS.get(args.command) or args.handler
    try:
        return handler(args)
    except InputError as exc:
        report(exc.problems[:20] + ([f"... and {len(exc.problems) - 20} more problems"]
                                   if len(exc.problems) > 20 else []))
        return EXIT_BAD_INPUT
    except SourceError as exc:
        report([str(exc)])
        return EXIT_FAILURE
    except OSError as exc:
        report([f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": ")])
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # last resort: one line, never a traceback (HEATNEED_DEBUG=1 shows it)
        if os.environ.get("HEATNEED_DEBUG"):
            raise
        report([f"internal error: {type(exc).__name__}: {exc}"])
        return EXIT_FAILURE
