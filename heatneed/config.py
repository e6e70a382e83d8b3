"""Model parameters: documented defaults (``defaults.toml``) < user TOML file < flags / app widgets.

``defaults.toml`` is the one registry of settings: the sections and keys a config file may hold,
and the kind of each value, are read from it (``schema``). A key with a default accepts values of
its default's kind (a number for a number, ``true``/``false`` for a boolean, text for text, a list
of the same kind of items for a list); keys that have no default are declared in its
``[optional.<section>]`` tables as a list of example values, one per accepted kind. Unknown
sections and keys, values of the wrong kind and non-finite numbers (``nan``, ``inf``) are refused
with one line each, naming the file and the nearest known key.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import difflib
import functools
import math
import os
import stat
import tomllib
from pathlib import Path
from typing import Any

from .errors import InputError, located

DEFAULTS_FILE = Path(__file__).with_name("defaults.toml")
MODEL_SECTIONS = ("model", "thresholds", "scores")
OPTIONAL = "optional"  # table of defaults.toml declaring keys without a default


#: Gains [K] derived from the one heat-loss coefficient: field -> power field [W] (g = Q / H).
#: ``[inputs]`` keys that name files: read relative to the config file that gives them.
INPUT_PATHS = ("warming_sites", "outage_schedule", "district_queues")
#: Command-line flags for model parameters: flag -> (``ModelParams`` field, help). The CLI adds each
#: default from ``defaults.toml`` to the help; the app's "equivalent command" uses the same flags.
MODEL_FLAGS = {
    "--tau-hours": ("tau_hours", "building time constant τ [h] (default and band from ISO 13790 classes)"),
    "--initial-indoor-c": ("initial_indoor_c", "indoor temperature when heat is lost [°C]"),
    "--internal-gain-k": ("internal_gain_k", "equilibrium shift from internal gains [K]; overrides "
                                             "internal_gains_w / heat_loss_w_per_k"),
    "--heater-gain-k": ("heater_gain_k", "equilibrium shift from electric heating while powered [K]; overrides "
                                         "heater_w / heat_loss_w_per_k"),
    "--horizon-hours": ("horizon_hours", "hours of forecast modelled and scored"),
}
DERIVED_GAINS = {"internal_gain_k": "internal_gains_w", "heater_gain_k": "heater_w"}


@dataclasses.dataclass(frozen=True)
class ModelParams:
    """Every tunable of the model; units in the names; sources in ``defaults.toml``.

    ``internal_gain_k`` and ``heater_gain_k`` [K] are derived from ``heat_loss_w_per_k`` H [W/K]:
    g = Q/H with Q = ``internal_gains_w`` or ``heater_w`` [W], unless set explicitly (a flag, the app
    or a config file), which then wins.
    """

    tau_hours: float
    tau_low_hours: float
    tau_high_hours: float
    initial_indoor_c: float
    heat_loss_w_per_k: float
    internal_gains_w: float
    heater_w: float
    horizon_hours: float
    residents_per_building: float
    share_65plus_national: float
    minimal_c: float
    low_c: float
    moderate_c: float
    high_c: float
    very_high_c: float
    exposure_c: float
    drain_c: float
    band_weights: tuple[float, ...]
    warming_hours_per_day: float
    warming_max_absorbed_share: float
    severity_people: float
    severity_people_many: float
    likely_probability: float
    lead_hours: float
    severity_labels: tuple[str, ...]
    internal_gain_k: float | None = None  # None: internal_gains_w / heat_loss_w_per_k
    heater_gain_k: float | None = None  # None: heater_w / heat_loss_w_per_k

    def __post_init__(self):
        for gain, power in DERIVED_GAINS.items():
            if getattr(self, gain) is None:
                q, h = getattr(self, power), self.heat_loss_w_per_k
                derived = q / h if isinstance(q, (int, float)) and isinstance(h, (int, float)) and h > 0 else q
                object.__setattr__(self, gain, derived)

    def derived_gain(self, gain: str) -> float:
        """The gain [K] that ``heat_loss_w_per_k`` and its power give (whatever ``gain`` holds now)."""
        return getattr(self, DERIVED_GAINS[gain]) / self.heat_loss_w_per_k

    def replace(self, **changes: Any) -> "ModelParams":
        """A copy with ``changes`` applied (``None`` values ignored), validated. A gain that was
        derived stays derived when H or its power changes (unless the gain itself is changed)."""
        changes = {k: v for k, v in changes.items() if v is not None}
        if {"heat_loss_w_per_k", *DERIVED_GAINS.values()} & set(changes):
            for gain in DERIVED_GAINS:
                if gain not in changes and getattr(self, gain) == self.derived_gain(gain):
                    changes[gain] = None
        changes = {k: v for k, v in changes.items() if v is not None or k in DERIVED_GAINS}
        return _validated(dataclasses.replace(self, **changes), "settings")

    def labels(self) -> tuple[str, ...]:
        """The five severity labels with this run's numbers filled in (people, °C, hours)."""
        values = {"people": f"{self.severity_people:,.0f}", "many": f"{self.severity_people_many:,.0f}",
                  "moderate": f"{self.moderate_c:g}",
                  "extreme": f"{self.very_high_c:g}", "horizon": f"{self.horizon_hours:g}",
                  "lead": f"{self.lead_hours:g}"}
        return tuple(label.format(**values) for label in self.severity_labels)


def _read_toml(path: Path) -> dict:
    """A TOML file, regular files only (a FIFO, ``/dev/zero`` or a folder is refused, never read)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise InputError(located(path, "config file must be a regular file"))
            return tomllib.load(fh)
    except FileNotFoundError:
        raise InputError(located(path, "config file not found")) from None
    except IsADirectoryError:
        raise InputError(located(path, "config file is a folder")) from None
    except UnicodeDecodeError:
        raise InputError(located(path, "config file is not UTF-8 text")) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(located(path, f"not valid TOML ({exc})")) from None


# --------------------------------------------------------------------------- the schema

def _kind(value) -> str:
    """The kind of a TOML value as users know it."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text in quotes"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return "a date-time"
    return type(value).__name__


_PLURAL = {"true or false": "true/false values", "a whole number": "whole numbers", "a number": "numbers",
           "text in quotes": "texts in quotes"}


def _kind_of_example(example) -> str:
    if isinstance(example, list) and example:
        return "a list of " + _PLURAL.get(_kind(example[0]), "values")
    return _kind(example)


def _fits(value, example) -> bool:
    """Whether ``value`` has the kind of ``example`` (a whole number also fits a number)."""
    if isinstance(example, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(example, bool)
    if isinstance(example, float):
        return isinstance(value, (int, float))
    if isinstance(example, list):
        return isinstance(value, list) and (not example or all(_fits(v, example[0]) for v in value))
    return _kind(value) == _kind(example)


@functools.lru_cache(maxsize=1)
def schema() -> dict:
    """Allowed tables and keys from ``defaults.toml``: nested dicts whose leaves are lists of
    example values (the default, or the ``[optional]`` examples)."""
    doc = _read_toml(DEFAULTS_FILE)
    optional = doc.pop(OPTIONAL, {})

    def leaves(table: dict, examples_given: bool) -> dict:
        return {k: leaves(v, examples_given) if isinstance(v, dict)
                else (list(v) if examples_given else [v]) for k, v in table.items()}

    out = leaves(doc, False)

    def merge(into: dict, extra: dict) -> None:
        for k, v in extra.items():
            if isinstance(v, dict):
                merge(into.setdefault(k, {}), v)
            else:
                into[k] = v

    merge(out, leaves(optional, True))
    return out


def _nearest(name: str, choices) -> str:
    match = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {match[0]}?)" if match else ""


def _non_finite(value) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, list):
        return any(_non_finite(v) for v in value)
    return False


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_against_schema(doc: dict, path, allowed: dict | None = None, prefix: str = "") -> list[str]:
    """Problem lines for every unknown table or key, wrong kind or non-finite number in ``doc``."""
    allowed = schema() if allowed is None else allowed
    problems = []
    for key, value in doc.items():
        name = f"{prefix}.{key}" if prefix else key
        if key not in allowed:
            if not prefix and isinstance(value, dict):
                hint = _nearest(key, [k for k, v in allowed.items() if isinstance(v, dict)])
                problems.append(located(path, f"unknown section [{name}]" + hint.replace("mean ", "mean [")
                                        .replace("?)", "]?)")))
                continue
            hint = _nearest(key, allowed)
            if not prefix:  # a key outside any table: name the table it belongs to, if any
                home = [s for s, keys in allowed.items() if isinstance(keys, dict) and key in keys]
                hint = f" (put it under [{home[0]}])" if home else hint
            where = f"[{prefix}] {key}" if prefix else key
            problems.append(located(path, f"unknown setting {where}" + hint))
            continue
        spec = allowed[key]
        if isinstance(spec, dict):
            if not isinstance(value, dict):
                problems.append(located(path, f"[{name}] must be a table, not {_kind(value)}"))
            else:
                problems += check_against_schema(value, path, spec, name)
            continue
        where = f"[{prefix}] {key}" if prefix else key
        if _non_finite(value):
            what = "finite numbers" if isinstance(value, list) else "a finite number"
            problems.append(located(path, f"{where} must be {what} (got {_shown(value)})"))
        elif not any(_fits(value, example) for example in spec):
            kinds = " or ".join(dict.fromkeys(_kind_of_example(e) for e in spec))
            problems.append(located(path, f"{where} must be {kinds} (got {_shown(value)})"))
    return problems


# --------------------------------------------------------------------------- model parameters

def _flatten_model(doc: dict, path) -> dict:
    fields = {f.name for f in dataclasses.fields(ModelParams)}
    flat = {}
    for section in MODEL_SECTIONS:
        for key, value in doc.get(section, {}).items():
            if key not in fields:
                raise InputError(located(path, f"unknown setting [{section}] {key}"))
            flat[key] = tuple(value) if isinstance(value, list) else value
    return flat


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _validated(p: ModelParams, origin) -> ModelParams:
    """``p`` if every value is a finite number where one is needed and the ordering constraints
    hold (τ band around τ, health thresholds decreasing, severity cut-points increasing)."""
    problems = []
    numbers = [f.name for f in dataclasses.fields(ModelParams) if f.type in (float, "float")]
    for name in numbers:
        value = getattr(p, name)
        if not _is_number(value):
            problems.append(located(origin, f"{name} must be a finite number (got {_shown(value)})"))
    if problems:
        raise InputError(problems)
    for name in ("tau_hours", "tau_low_hours", "tau_high_hours", "horizon_hours",
                 "residents_per_building", "heat_loss_w_per_k", "warming_hours_per_day", "severity_people",
                 "severity_people_many",
                 "lead_hours"):
        value = getattr(p, name)
        if not value > 0:
            problems.append(located(origin, f"{name} must be a number > 0 (got {value!r})"))
    for name in ("share_65plus_national", "warming_max_absorbed_share", "likely_probability"):
        value = getattr(p, name)
        if not isinstance(value, (int, float)) or not 0 <= value <= 1:
            problems.append(located(origin, f"{name} must be a number from 0 to 1 (got {value!r})"))
    for name in ("initial_indoor_c", "internal_gain_k", "heater_gain_k", "internal_gains_w", "heater_w"):
        if not _is_number(getattr(p, name)):
            problems.append(located(origin, f"{name} must be a finite number (got {getattr(p, name)!r})"))
    for name in ("internal_gains_w", "heater_w", "internal_gain_k", "heater_gain_k"):
        if _is_number(getattr(p, name)) and getattr(p, name) < 0:
            problems.append(located(origin, f"{name} must be ≥ 0 (got {getattr(p, name)!r})"))
    if problems:  # the orderings below need sound values first (one line per actual mistake)
        raise InputError(problems)
    # The band is the literature range shown around τ; τ itself may be set outside it (a calibrated
    # or district τ), but an inverted band is a mistake.
    if not p.tau_low_hours <= p.tau_high_hours:
        problems.append(located(origin, f"τ band must hold tau_low_hours ≤ tau_high_hours "
                                        f"(got {p.tau_low_hours:g} > {p.tau_high_hours:g})"))
    if not (p.minimal_c > p.low_c > p.moderate_c > p.high_c > p.very_high_c):
        problems.append(located(origin, "health thresholds must decrease: minimal > low > moderate > high > very_high"))
    weights = p.band_weights
    if len(weights) != 4 or not all(isinstance(w, (int, float)) and w > 0 for w in weights) \
            or list(weights) != sorted(weights):
        problems.append(located(origin, "band_weights must be 4 increasing numbers > 0 (12–16, 9–12, 5–9, < 5 °C)"))
    if len(p.severity_labels) != 5 or not all(isinstance(s, str) and s.strip() for s in p.severity_labels):
        problems.append(located(origin, "severity_labels must be 5 names"))
    else:
        try:
            p.labels()
        except (KeyError, ValueError, IndexError) as exc:
            problems.append(located(origin, f"severity_labels: unknown placeholder {exc} (use people, many, "
                                            "moderate, extreme, horizon, lead)"))
    if problems:
        raise InputError(problems)
    return p


#: Further rules of a section, registered by the module that owns it (``refresh`` registers
#: ``[refresh]``): ``check(values, path) -> problem lines``, given the keys that passed ``schema``,
#: so that one run reports every problem of a file.
SECTION_CHECKS: dict[str, Any] = {}


def _app_problems(section: dict, path) -> list[str]:
    """``[app]``: the table's first rows (``table_rows``) are a whole number ≥ 1."""
    rows = section.get("table_rows")
    if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 1):
        return [located(path, f"[app] table_rows must be a whole number ≥ 1 (got {_shown(rows)})")]
    return []


SECTION_CHECKS["app"] = _app_problems


def load_config(path: str | Path | None = None) -> dict:
    """The whole configuration as nested dicts: defaults, then ``path`` on top (section by section).

    The file is checked against ``schema`` and its model parameters validated (``InputError``
    with one line per problem, naming the file).
    """
    doc = _read_toml(DEFAULTS_FILE)
    doc.pop(OPTIONAL, None)
    if path is not None:
        user = _read_toml(Path(path))
        for key in INPUT_PATHS:  # [inputs] paths: relative to the config file
            value = (user.get("inputs") or {}).get(key)
            if isinstance(value, str) and value.strip():
                user["inputs"][key] = str(Path(path).resolve().parent / Path(value).expanduser())
        problems = check_against_schema(user, path)
        for section, check in SECTION_CHECKS.items():
            values = user.get(section)
            if isinstance(values, dict):
                sound = {k: v for k, v in values.items() if not check_against_schema({section: {k: v}}, path)}
                problems += [line for line in check(sound, path) if line not in problems]
        if problems:
            raise InputError(problems)
        _merge(doc, user)
        _validated(ModelParams(**_flatten_model(doc, path)), path)
    return doc


def _merge(into: dict, extra: dict) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def model_params(config: dict | None = None, **overrides: Any) -> ModelParams:
    """``ModelParams`` from a loaded config (defaults if ``None``) with non-``None`` overrides."""
    config = load_config() if config is None else config
    flat = _flatten_model(config, "config")
    flat.update({k: v for k, v in overrides.items() if v is not None})
    return _validated(ModelParams(**flat), "settings")


def default_params() -> ModelParams:
    return model_params()


def params_from_flags(config: dict, flags: dict[str, Any]) -> ModelParams:
    """``ModelParams`` from a loaded config with the values of ``MODEL_FLAGS`` on top.

    ``flags`` maps a flag's destination (``tau_hours`` for ``--tau-hours``) to its value or ``None``.
    """
    overrides = {field: flags.get(flag[2:].replace("-", "_")) for flag, (field, _) in MODEL_FLAGS.items()}
    return model_params(config, **overrides)


def finite_float(text: str) -> float:
    """argparse ``type`` for number flags: a finite number (``nan``, ``inf`` and words refused)."""
    return flag_number(text)


def flag_number(text: str, *, minimum: float | None = None, allow_inf: bool = False) -> float:
    """A number flag's value; ``nan`` always refused, ``inf`` only if ``allow_inf`` (argparse error)."""
    import argparse

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number (got {text[:40]!r})") from None
    if math.isnan(value) or (math.isinf(value) and not allow_inf):
        raise argparse.ArgumentTypeError(f"must be a finite number (got {text[:40]!r})")
    if minimum is not None and value < minimum:
        raise argparse.ArgumentTypeError(f"must be ≥ {minimum:g} (got {text[:40]!r})")
    return value
