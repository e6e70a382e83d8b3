"""The ``[needs]`` planning figures (``heatneed/defaults.toml``), checked: shared by ``needs`` and
``warming_sites`` (a site's usable capacity depends on the floor area per person)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .errors import InputError, located


@dataclass(frozen=True)
class NeedsParams:
    """The ``[needs]`` planning figures (units in the names; sources in ``defaults.toml``)."""

    floor_area_m2_per_person: float
    persons_per_flat: float
    heater_rating_kw: float
    generator_load_factor: float
    diesel_l_per_kwh: float
    blankets_per_person_below_9c: float
    hot_meals_per_person_per_day: float


def needs_params(config: dict | None = None, origin: str = "config", **overrides) -> NeedsParams:
    """``NeedsParams`` from the ``[needs]`` table of a loaded config (defaults if ``None``);
    InputError naming ``origin`` for an unknown key or a value out of range."""
    from .config import load_config

    section = dict(load_config()["needs"])  # the documented defaults, then the config's own values
    section.update((config or {}).get("needs", {}))
    section.update({k: v for k, v in overrides.items() if v is not None})
    fields = {f.name for f in dataclasses.fields(NeedsParams)}
    problems = [located(origin, f"unknown setting [needs] {key}") for key in section if key not in fields]
    problems += [located(origin, f"[needs] {key} is missing") for key in fields if key not in section]
    for key in fields & set(section):
        value = section[key]
        positive = key not in ("blankets_per_person_below_9c", "hot_meals_per_person_per_day")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) \
                or (value <= 0 if positive else value < 0):
            problems.append(located(origin, f"[needs] {key} must be a number {'> 0' if positive else '≥ 0'} "
                                            f"(got {value!r})"))
        elif key == "generator_load_factor" and value > 1:
            problems.append(located(origin, f"[needs] generator_load_factor must be at most 1 (got {value!r})"))
    if problems:
        raise InputError(problems)
    return NeedsParams(**{k: float(section[k]) for k in fields})


