"""Kyiv plausibility check of the indoor model's defaults (README "The model").

Reports from unheated Kyiv flats in January 2026 (media, reliability C): as low as +1 °C, "above
three degrees", and about +10 °C with −19 °C outdoors, after one to several days without heat;
power was off up to 20 h a day. This runs the model with its defaults (``heatneed/defaults.toml``)
at the outdoor temperatures observed with those reports, held constant (−19 °C, and −21 °C for
1 Feb 2026), for 0, 4 and 12 hours of power a day, and prints the indoor temperature after 1–4 days
with the τ band. ``python tools/kyiv_plausibility.py`` prints the Markdown table of the README.
"""

from __future__ import annotations

import numpy as np

from heatneed import physics
from heatneed.config import ModelParams, default_params

REPORTED_C = (1.0, 10.0)  # range of indoor readings reported in unheated Kyiv flats [°C]
OBSERVED_OUTDOOR_C = (-19.0, -21.0)  # outdoor temperature with the +10 °C report; Kyiv, 1 Feb 2026 [°C]
POWER_HOURS = (0.0, 4.0, 12.0)  # hours with power per day (20 h off was the reported maximum)
DAYS = (1, 2, 3, 4)


def indoor_after(days, temp_out: float, power_hours: float, p: ModelParams, tau_hours: float | None = None):
    """Indoor temperature [°C] after ``days`` without heat at constant ``temp_out`` [°C] with
    ``power_hours`` of electric heating a day (as its daily share), from ``initial_indoor_c``."""
    eq = physics.equilibrium_temperature(temp_out, power_hours / 24.0, p.internal_gain_k, p.heater_gain_k)
    return physics.exponential_decay(np.asarray(days, dtype=float) * 24.0, p.initial_indoor_c, eq,
                                     p.tau_hours if tau_hours is None else tau_hours)


def table(p: ModelParams | None = None) -> str:
    p = p or default_params()
    head = "| outdoor | power h/day | " + " | ".join(f"day {d}" for d in DAYS) + " | equilibrium |"
    rows = [head, "|" + "---|" * (len(DAYS) + 3)]
    for t_out in OBSERVED_OUTDOOR_C:
        for hours in POWER_HOURS:
            mid = indoor_after(DAYS, t_out, hours, p)
            low = indoor_after(DAYS, t_out, hours, p, p.tau_low_hours)
            high = indoor_after(DAYS, t_out, hours, p, p.tau_high_hours)
            cells = [f"{m:+.1f} ({lo:+.1f}…{hi:+.1f})" for m, lo, hi in zip(mid, low, high)]
            eq = physics.equilibrium_temperature(t_out, hours / 24.0, p.internal_gain_k, p.heater_gain_k)
            rows.append(f"| {t_out:+.0f} °C | {hours:g} | " + " | ".join(cells) + f" | {eq:+.1f} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
