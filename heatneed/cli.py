"""Command line: ``python -m heatneed rank | validate | calibrate | refresh | history | alerts``.

Only argument parsing and reporting live here; every step is a library call. Exit codes are those
of ``heatneed.errors``: 0 success; 1 a source or the system failed (published output kept); 2 bad
input or usage (one line per problem on stderr, never a traceback); 3 another refresh is running.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .cli_common import report
from .config import MODEL_FLAGS
from .errors import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, InputError, SourceError
from .sources.registry import SOURCE_NAMES, formats_text


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
    files.add_argument("--forecast", metavar="FILE", help=f"forecast file: {formats_text()}")
    files.add_argument("--forecast-source", choices=SOURCE_NAMES,
                       help="fetch the forecast live (meteostat, open-meteo) or use the newest own snapshot")
    model = parser.add_argument_group("model (defaults and sources: heatneed/defaults.toml)")
    model.add_argument("--config", metavar="FILE", help="TOML file overriding the defaults")
    from .config import default_params

    defaults = default_params()
    for flag, (field, text) in MODEL_FLAGS.items():
        model.add_argument(flag, type=float, metavar="X", help=f"{text} (default {getattr(defaults, field):g})")
    model.add_argument("--dask-scheduler", metavar="ADDRESS",
                       help="run the model on a dask.distributed cluster (e.g. tcp://10.0.0.5:8786; "
                            "default: [dask] scheduler of the config)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m heatneed",
                     description="Rank districts by cold-exposure risk when homes lose heat and power.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    rank = sub.add_parser("rank", help="rank districts and write the priority list",
                          description="Rank districts and write the priority list (columns: README, "
                                      "'Priority list').")
    add_input_flags(rank)
    rank.add_argument("--out", metavar="FILE", help="output .csv or .parquet (default: CSV on stdout)")
    rank.add_argument("--hxl", action="store_true", help="add the HXL hashtag row under the header (CSV)")
    validate = sub.add_parser("validate", help="check input files and report every problem",
                              description="Check input files; kinds are recognised from their columns.")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.add_argument("--districts", metavar="FILE",
                          help="registry to check district codes against (default: a districts file among "
                               "FILE…, else the embedded Kyiv registry)")
    add_calibrate_command(sub)
    from . import refresh_cli  # noqa: PLC0415  (kept apart: scheduling has its own module)

    refresh_cli.add_commands(sub, add_input_flags)
    from . import alerts_cli  # noqa: PLC0415

    alerts_cli.add_commands(sub)
    return parser


# --------------------------------------------------------------------------- shared steps

def params_from(args, config):
    from .config import params_from_flags

    return params_from_flags(config, vars(args))


def inputs_from(args, config, params):
    """Validated inputs from the input flags (a live forecast covers the model's horizon)."""
    from .assemble import assemble_inputs

    return assemble_inputs(config, horizon_hours=params.horizon_hours, districts=args.districts,
                           unheated=args.unheated, outages=args.outages, forecast=args.forecast,
                           scenario=args.scenario, forecast_source=args.forecast_source)


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
    inputs = inputs_from(args, config, params)
    result = pipeline.rank(inputs, params, scheduler=scheduler_address(args.dask_scheduler, config))
    data = priority_bytes(result.priority, fmt, hxl=args.hxl)
    stale = " (STALE forecast)" if result.stale else ""
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


def add_calibrate_command(sub) -> None:
    calibrate = sub.add_parser(
        "calibrate", help="fit τ and gain to thermometer readings in unheated flats",
        description="Fit the cooling model's τ and gain to field thermometer readings (CSV/XLSX: site_id, time, "
                    "indoor_c, optional outdoor_c, heating_on, district_code) and write per-district τ rows "
                    "(median, P10–P90) the district registry accepts.")
    calibrate.add_argument("readings", metavar="READINGS", help="readings file (.csv, .xlsx, .parquet)")
    outdoor = calibrate.add_mutually_exclusive_group()
    outdoor.add_argument("--outdoor", metavar="FILE", help="outdoor series (time, outdoor_c[, district_code]) "
                                                           "when the readings have no outdoor_c")
    outdoor.add_argument("--forecast-source", choices=("meteostat",),
                         help="outdoor observations near the district's centroid when the readings have none")
    calibrate.add_argument("--district", metavar="CODE", help="district of readings without district_code")
    calibrate.add_argument("--districts", metavar="FILE", help="district registry (default: embedded Kyiv)")
    calibrate.add_argument("--config", metavar="FILE", help="TOML file overriding [calibrate] and [model] defaults")
    calibrate.add_argument("--out", metavar="FILE", help="district τ rows CSV (default: stdout)")
    calibrate.add_argument("--sites-out", metavar="FILE", help="per-site fits CSV (τ, gain, intervals, status)")
    calibrate.add_argument("--registry-out", metavar="FILE",
                           help="the registry with calibrated tau_hours (and band) set: use with rank --districts")
    calibrate.set_defaults(handler=cmd_calibrate)


def cmd_calibrate(args) -> int:
    from .calibrate import REFUSED, calibrate_files, registry_bytes, site_summary, table_bytes
    from .config import load_config
    from .export import write_atomic

    result, registry = calibrate_files(args.readings, outdoor=args.outdoor, forecast_source=args.forecast_source,
                                       district=args.district, districts=args.districts,
                                       config=load_config(args.config))
    for _, row in result.sites.iterrows():
        print(f"heatneed: {site_summary(row)}", file=sys.stderr)
    if (result.sites["status"] == REFUSED).all():
        raise InputError(f"{args.readings}: no site gave a usable τ (reasons above)")
    outputs = [(args.sites_out, table_bytes(result.sites)) if args.sites_out else None,
               (args.registry_out, registry_bytes(registry, result.districts)) if args.registry_out else None]
    for path, data in filter(None, outputs):
        write_atomic(path, data)
    data = table_bytes(result.districts)
    if result.districts.empty:
        print("heatneed: no district rows: the fitted sites have no district_code (give --district)", file=sys.stderr)
    if args.out:
        write_atomic(args.out, data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return EXIT_OK


COMMANDS = {"rank": cmd_rank, "validate": cmd_validate, "calibrate": cmd_calibrate}


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
