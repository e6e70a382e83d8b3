"""``validate FILE…``: check input files and report every problem found, not just the first."""

from __future__ import annotations

from pathlib import Path

from .errors import InputError, located, reading
from .inputs import EMBEDDED_SCENARIO, detect_kind, load_districts, parse_table, read_table, report_problems

from .sources.registry import file_format


def _kind_of(path: Path):
    """(kind, raw table or None) for a file; forecasts in binary/JSON formats have no raw table."""
    if getattr(file_format(path.suffix), "reader", "tidy") != "tidy":
        return "forecast", None
    table = read_table(path)
    kind = detect_kind(table.frame.columns)
    if kind is None:
        raise InputError(located(path.name, "cannot tell which input this is from its columns "
                                            f"({', '.join(map(str, table.frame.columns[:8]))})"))
    return kind, table


def validate_files(files: list[str], districts_file: str | None = None) -> tuple[list[str], list[str]]:
    """(one OK line per good file, every problem line) for ``files``.

    District codes are checked against ``districts_file``, else a districts file among ``files``,
    else the embedded Kyiv registry.
    """
    ok, problems, kinds = [], [], {}
    for name in files:
        try:
            with reading(Path(name).name):
                kinds[name] = _kind_of(Path(name))
        except InputError as exc:
            problems += exc.problems
    registry_file = districts_file or next((f for f, (k, _) in kinds.items() if k == "districts"), None)
    registry = None
    try:
        with reading(Path(registry_file).name if registry_file else "districts.csv"):
            registry = load_districts(registry_file or EMBEDDED_SCENARIO / "districts.csv")
    except InputError as exc:
        if registry_file not in kinds:  # its own entry below reports the problems otherwise
            problems += exc.problems
    for name, (kind, table) in kinds.items():
        try:
            with reading(Path(name).name):
                found = _check(Path(name), kind, table, registry)
        except InputError as exc:
            found = exc.problems
        problems += found
        if not found:
            ok.append(f"{Path(name).name}: OK ({kind})")
    return ok, problems


def _check(path: Path, kind: str, table, registry) -> list[str]:
    if kind == "forecast":
        from .sources import read_forecast_file

        if registry is None:
            return []
        try:
            read_forecast_file(path, registry)
        except InputError as exc:
            return exc.problems
        return []
    frame, problems = parse_table(table, kind)
    if kind == "warming_sites" and registry is not None and not problems:  # codes, and places by polygon
        from .warming_sites import assign_districts

        return table.relabel(assign_districts(frame, registry, table.name)[1])
    if kind in ("unheated", "outages"):
        problems += table.relabel(report_problems(frame, kind, registry, table.name))
    return problems
