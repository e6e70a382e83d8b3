"""Model parameters: documented defaults (``defaults.toml``) < user TOML file < flags / app widgets."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

from .errors import InputError, located

DEFAULTS_FILE = Path(__file__).with_name("defaults.toml")
MODEL_SECTIONS = ("model", "thresholds", "scores")


#: Gains [K] derived from the one heat-loss coefficient: field -> power field [W] (g = Q / H).
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
                 "residents_per_building", "heat_loss_w_per_k", "warming_hours_per_day", "severity_people",
                 "severity_people_many",
                 "lead_hours"):
        value = getattr(p, name)
        if not isinstance(value, (int, float)) or not value > 0:
            problems.append(located(origin, f"{name} must be a number > 0 (got {value!r})"))
    for name in ("share_65plus_national", "warming_max_absorbed_share", "likely_probability"):
        value = getattr(p, name)
        if not isinstance(value, (int, float)) or not 0 <= value <= 1:
            problems.append(located(origin, f"{name} must be a number from 0 to 1 (got {value!r})"))
    for name in ("initial_indoor_c", "internal_gain_k", "heater_gain_k", "internal_gains_w", "heater_w"):
        if not isinstance(getattr(p, name), (int, float)):
            problems.append(located(origin, f"{name} must be a number"))
    for name in ("internal_gains_w", "heater_w", "internal_gain_k", "heater_gain_k"):
        if isinstance(getattr(p, name), (int, float)) and getattr(p, name) < 0:
            problems.append(located(origin, f"{name} must be ≥ 0 (got {getattr(p, name)!r})"))
    if not (p.minimal_c > p.low_c > p.moderate_c > p.high_c > p.very_high_c):
        problems.append(located(origin, "health thresholds must decrease: minimal > low > moderate > high > very_high"))
    weights = p.band_weights
    if len(weights) != 4 or not all(isinstance(w, (int, float)) and w > 0 for w in weights) \
            or list(weights) != sorted(weights):
        problems.append(located(origin, "band_weights must be 4 increasing numbers > 0 (12–16, 9–12, 5–9, < 5 °C)"))
    if len(p.severity_labels) != 5 or not all(isinstance(s, str) for s in p.severity_labels):
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


def load_config(path: str | Path | None = None) -> dict:
    """The whole configuration as nested dicts: defaults, then ``path`` on top (section by section)."""
    doc = _read_toml(DEFAULTS_FILE)
    if path is not None:
        user = _read_toml(Path(path))
        _flatten_model(user, path)  # reject unknown model keys early, naming the file
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


def params_from_flags(config: dict, flags: dict[str, Any]) -> ModelParams:
    """``ModelParams`` from a loaded config with the values of ``MODEL_FLAGS`` on top.

    ``flags`` maps a flag's destination (``tau_hours`` for ``--tau-hours``) to its value or ``None``.
    """
    overrides = {field: flags.get(flag[2:].replace("-", "_")) for flag, (field, _) in MODEL_FLAGS.items()}
    return model_params(config, **overrides)
