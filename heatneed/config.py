"""Model parameters: documented defaults (``defaults.toml``) < user TOML file < flags / app widgets."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

from .errors import InputError, located

DEFAULTS_FILE = Path(__file__).with_name("defaults.toml")
MODEL_SECTIONS = ("model", "thresholds", "scores")


@dataclasses.dataclass(frozen=True)
class ModelParams:
    """Every tunable of the model; units in the names; sources in ``defaults.toml``."""

    tau_hours: float
    tau_low_hours: float
    tau_high_hours: float
    initial_indoor_c: float
    internal_gain_k: float
    heater_gain_k: float
    horizon_hours: float
    residents_per_building: float
    minimal_c: float
    low_c: float
    moderate_c: float
    high_c: float
    very_high_c: float
    exposure_c: float
    drain_c: float
    exposure_full_residents: float
    vulnerability_full_share_65plus: float
    warming_place_target_share: float
    severity_cuts: tuple[float, ...]
    severity_labels: tuple[str, ...]

    def replace(self, **changes: Any) -> "ModelParams":
        """A copy with ``changes`` applied (``None`` values ignored), validated."""
        changes = {k: v for k, v in changes.items() if v is not None}
        return _validated(dataclasses.replace(self, **changes), "settings")


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise InputError(located(path, "config file not found")) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(located(path, f"not valid TOML ({exc})")) from None


def _flatten_model(doc: dict, path) -> dict:
    fields = {f.name for f in dataclasses.fields(ModelParams)}
    flat = {}
    for section in MODEL_SECTIONS:
        for key, value in doc.get(section, {}).items():
            if key not in fields:
                raise InputError(located(path, f"unknown setting [{section}] {key}"))
            flat[key] = tuple(value) if isinstance(value, list) else value
    return flat


def _validated(p: ModelParams, origin) -> ModelParams:
    problems = []
    for name in ("tau_hours", "tau_low_hours", "tau_high_hours", "horizon_hours",
                 "residents_per_building", "exposure_full_residents",
                 "vulnerability_full_share_65plus", "warming_place_target_share"):
        value = getattr(p, name)
        if not isinstance(value, (int, float)) or not value > 0:
            problems.append(located(origin, f"{name} must be a number > 0 (got {value!r})"))
    for name in ("initial_indoor_c", "internal_gain_k", "heater_gain_k"):
        if not isinstance(getattr(p, name), (int, float)):
            problems.append(located(origin, f"{name} must be a number"))
    if not (p.minimal_c > p.low_c > p.moderate_c > p.high_c > p.very_high_c):
        problems.append(located(origin, "health thresholds must decrease: minimal > low > moderate > high > very_high"))
    if len(p.severity_cuts) != 4 or list(p.severity_cuts) != sorted(p.severity_cuts):
        problems.append(located(origin, "severity_cuts must be 4 increasing numbers"))
    if len(p.severity_labels) != 5:
        problems.append(located(origin, "severity_labels must be 5 names"))
    if problems:
        raise InputError(problems)
    return p


def load_config(path: str | Path | None = None) -> dict:
    """The whole configuration as nested dicts: defaults, then ``path`` on top (section by section)."""
    doc = _read_toml(DEFAULTS_FILE)
    if path is not None:
        user = _read_toml(Path(path))
        _flatten_model(user, path)  # reject unknown model keys early, naming the file
        for key in ("outage_schedule", "district_queues"):  # [inputs] paths: relative to the config file
            value = (user.get("inputs") or {}).get(key)
            if isinstance(value, str):
                user["inputs"][key] = str(Path(path).resolve().parent / Path(value).expanduser())
        for section, values in user.items():
            if isinstance(values, dict):
                doc.setdefault(section, {}).update(values)
            else:
                doc[section] = values
    return doc


def model_params(config: dict | None = None, **overrides: Any) -> ModelParams:
    """``ModelParams`` from a loaded config (defaults if ``None``) with non-``None`` overrides."""
    config = load_config() if config is None else config
    flat = _flatten_model(config, "config")
    flat.update({k: v for k, v in overrides.items() if v is not None})
    return _validated(ModelParams(**flat), "settings")


def default_params() -> ModelParams:
    return model_params()
