"""Alert levels: worked vectors from the default matrix, monotonicity (hypothesis), settings checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from heatneed.alerts.levels import LEVEL_RANK, impact, levels, likelihood
from heatneed.errors import InputError

from alert_support import CODES, priority, settings

RULES = settings().rules
NAN = float("nan")


@pytest.mark.parametrize("severity, to5, to12, expected", [
    (1, NAN, NAN, 1),       # minimal stays minimal (clipped at 1)
    (2, 30.0, 10.0, 2),     # minor, no lead-time shift
    (3, NAN, 60.0, 1),      # minor, homes stay above 12 °C for > 48 h: −1
    (4, 24.0, 5.0, 4),      # significant, 5 °C within 24 h: +1
    (4, 24.1, 48.0, 3),     # just outside both shifts
    (5, 0.0, 0.0, 4),       # severe, clipped at 4
    (NAN, 0.0, 0.0, 0),     # no severity: not assessed
])
def test_impact_vectors(severity, to5, to12, expected):
    assert impact([severity], [to5], [to12], RULES).tolist() == [expected]


@pytest.mark.parametrize("p, expected", [(0.0, 1), (0.19, 1), (0.2, 2), (0.59, 2), (0.6, 3), (0.89, 3), (0.9, 4),
                                         (1.0, 4), (NAN, 0)])
def test_likelihood_vectors_at_the_met_office_probabilities(p, expected):
    assert likelihood([p], RULES).tolist() == [expected]


def test_levels_of_a_list_follow_the_matrix_and_flag_missing_data():
    frame = priority({
        CODES[0]: {"severity": 4, "p_indoor_below_12c": 0.95, "hours_to_12c": 30.0, "hours_to_5c": 60.0},
        CODES[1]: {"severity": 3, "p_indoor_below_12c": NAN},
    })
    out = levels(frame, RULES)
    assert out.loc[CODES[0]].tolist() == [3, 4, "amber", True]
    assert out.loc[CODES[1]].tolist() == [1, 0, "none", False]  # not assessed, said so


lead = st.one_of(st.just(NAN), st.floats(min_value=0, max_value=400, allow_nan=False))
prob = st.floats(min_value=0, max_value=1, allow_nan=False)


@hsettings(max_examples=60, deadline=None)
@given(st.integers(1, 5), lead, lead, prob, prob, st.floats(0, 1), st.floats(0, 1))
def test_higher_probability_or_shorter_lead_time_never_lowers_the_level(sev, to5, to12, p1, p2, f5, f12):
    lo_p, hi_p = sorted([p1, p2])
    # shorter lead times: a fraction of the original (a "never" may become any time)
    short5 = (400 * f5) if np.isnan(to5) else to5 * f5
    short12 = (400 * f12) if np.isnan(to12) else to12 * f12
    frame = pd.DataFrame({"district_code": ["a", "b", "c"], "severity": [sev] * 3,
                          "hours_to_5c": [to5, to5, short5], "hours_to_12c": [to12, to12, short12],
                          "p_indoor_below_12c": [lo_p, hi_p, lo_p]})
    rank = [LEVEL_RANK[v] for v in levels(frame, RULES)["level"]]
    assert rank[1] >= rank[0] and rank[2] >= rank[0]


@hsettings(max_examples=40, deadline=None)
@given(st.integers(1, 4), prob, lead, lead)
def test_higher_severity_never_lowers_the_level(sev, p, to5, to12):
    frame = pd.DataFrame({"district_code": ["a", "b"], "severity": [sev, sev + 1], "hours_to_5c": [to5] * 2,
                          "hours_to_12c": [to12] * 2, "p_indoor_below_12c": [p] * 2})
    rank = [LEVEL_RANK[v] for v in levels(frame, RULES)["level"]]
    assert rank[1] >= rank[0]


@pytest.mark.parametrize("snippet, message", [
    ("[alerts]\nlikelihood_cuts = [0.6, 0.2, 0.9]\n", "[alerts] likelihood_cuts must be 3 increasing"),
    ('[alerts]\nmatrix = [["red","none","none","none"],["none","none","none","none"],'
     '["none","none","none","none"],["none","none","none","none"]]\n', "[alerts] matrix must not decrease"),
    ('[alerts]\nmatrix = [["none"]]\n', "[alerts] matrix must be 4 rows of 4 levels"),
    ("[alerts]\nimminent_5c_hours = -1\n", "[alerts] imminent_5c_hours must be a number > 0"),
    ("[alerts]\ncolour = 1\n", "unknown setting [alerts] colour"),
    ('[alerts]\napp_url = "javascript:alert(1)"\n', "[alerts] app_url must be an http(s) URL"),
    ("[alerts.email]\nenabled = true\n", "[alerts.email] enabled needs host, from and at least one address"),
    ("[alerts.email]\nsecurity = \"tls\"\n", "[alerts.email] security must be one of starttls, ssl, none"),
    ("[alerts.email]\npassword = \"hunter2\"\n", "unknown setting [alerts.email] password"),
    ('[alerts.email]\nsecurity = "none"\nhost = "smtp.example.org"\n', "is only for a relay on this machine"),
    ("[alerts.telegram]\nmax_message_chars = 5000\n", "[alerts.telegram] max_message_chars must be"),
    ("[alerts.webhook]\nurl = \"ftp://x\"\n", "[alerts.webhook] url must be an http(s) URL"),
    ("[alerts.webhook]\nmax_retries = 100\n", "[alerts.webhook] max_retries must be a whole number 0–10"),
])
def test_bad_alert_settings_name_the_file_and_the_key(tmp_path, snippet, message):
    with pytest.raises(InputError) as err:
        settings(snippet, tmp_path)
    assert any(line.startswith(str(tmp_path / "alerts.toml") + ": ") and message in line
               for line in err.value.problems), err.value.problems


def test_defaults_are_valid_and_every_channel_is_off():
    s = settings()
    assert s.enabled_channels() == []
    assert s.rules.likelihood_cuts == (0.2, 0.6, 0.9)
