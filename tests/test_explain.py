"""heatneed.explain: "why this rank" (decomposition, rank range over the missing data, rank at τ low/high)."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heatneed import explain, pipeline, risk
from heatneed.config import default_params

P = default_params()
HOLOSIIVSKYI, SOLOMIANSKYI, SVIATOSHYNSKYI, PODILSKYI = (
    "UA80000000000126643", "UA80000000000980793", "UA80000000000875983", "UA80000000000719633")


@pytest.fixture(scope="module")
def kyiv():
    return pipeline.rank(pipeline.load_inputs(), P)


def test_kyiv_contributions_and_the_reference_sum_to_the_score(kyiv):
    tau = explain.tau_ranks(kyiv)
    for code in kyiv.priority["district_code"]:
        why = explain.why(kyiv, code, tau)
        assert why.reference + why.contributions["points"].sum() == pytest.approx(why.risk, abs=1e-9)
        assert why.reference == pytest.approx(np.log10(1 + 230 * 72 * 1 * 0.5))  # one block, 72 h at 12–16 °C


def test_kyiv_main_drivers_differ_where_the_districts_differ(kyiv):
    drivers = kyiv.detail["main_driver"]
    assert drivers.nunique() >= 4
    assert drivers[kyiv.priority["district_code"][0]] == "people exposed"  # Desnianskyi: the most people
    assert drivers[HOLOSIIVSKYI] == "hours without power"  # 18 h off, and heat lost only at the start
    assert drivers[SOLOMIANSKYI] == "already cold since"  # heat lost two days before the forecast
    assert drivers[SVIATOSHYNSKYI] == "missing data"  # no warming places given: range 6.2–6.5
    assert kyiv.detail.loc[HOLOSIIVSKYI, "relative_power"] > 0 > kyiv.detail.loc[SVIATOSHYNSKYI, "relative_people"]


def test_kyiv_names_what_is_missing(kyiv):
    assert explain.why(kyiv, SVIATOSHYNSKYI).missing == ("warming_places",)
    assert explain.why(kyiv, PODILSKYI).missing == ("unheated_since", "share_65plus")
    assert explain.why(kyiv, HOLOSIIVSKYI).missing == ()


@st.composite
def lists(draw):
    n = draw(st.integers(1, 8))
    high = draw(st.lists(st.one_of(st.none(), st.floats(0, 10)), min_size=n, max_size=n))
    gap = draw(st.lists(st.floats(0, 3), min_size=n, max_size=n))
    people = draw(st.lists(st.integers(0, 3).map(lambda k: k * 1000), min_size=n, max_size=n))
    high = np.array([np.nan if h is None else round(h, 1) for h in high])
    low = np.round(np.clip(high - np.array(gap), 0, None), 1)
    frame = pd.DataFrame({"district_code": [f"UA{i:02d}" for i in range(n)], "risk_score": high, "risk_low": low,
                          "risk_high": high, "residents_unheated": pd.array(people, dtype="Int64")})
    draws = draw(st.lists(st.floats(0, 1), min_size=n, max_size=n))
    return frame, np.array(draws)


@settings(max_examples=30, deadline=None)
@given(lists())
def test_the_rank_range_holds_the_rank_for_any_value_of_the_missing_inputs(case):
    frame, u = case
    frame["rank"] = explain.ranks(frame["risk_score"], frame["residents_unheated"], frame["district_code"]).to_numpy()
    ranges = explain.rank_range(frame)
    assert (ranges["rank_best"] <= ranges["rank"]).all() and (ranges["rank"] <= ranges["rank_worst"]).all()
    # Any scores within the ranges (rounded as published) give every district a rank inside its range.
    drawn = (frame["risk_low"] + u * (frame["risk_high"] - frame["risk_low"])).round(1)
    moved = explain.ranks(drawn, frame["residents_unheated"], frame["district_code"]).to_numpy()
    assert (ranges["rank_best"].to_numpy() <= moved).all() and (moved <= ranges["rank_worst"].to_numpy()).all()
    # Each bound is reached: the district at its high (low) score, the others at their low (high).
    for i, code in enumerate(frame["district_code"]):
        best = frame["risk_low"].copy()
        best[i] = frame["risk_high"][i]
        worst = frame["risk_high"].copy()
        worst[i] = frame["risk_low"][i]
        people, codes = frame["residents_unheated"], frame["district_code"]
        assert explain.ranks(best, people, codes)[i] == ranges.at[code, "rank_best"]
        assert explain.ranks(worst, people, codes)[i] == ranges.at[code, "rank_worst"]


def pairwise_rank_range(frame: pd.DataFrame) -> np.ndarray:
    """The rank range by comparing every pair of districts (the definition, O(n²)): the oracle."""
    codes = frame["district_code"].astype(str).to_numpy()
    high = np.nan_to_num(frame["risk_high"].fillna(frame["risk_score"]).round(1).to_numpy(), nan=-1.0)
    low = np.nan_to_num(frame["risk_low"].fillna(frame["risk_score"]).round(1).to_numpy(), nan=-1.0)
    people = frame["residents_unheated"].astype(float).fillna(-1).to_numpy()
    tie = (people[:, None] > people[None, :]) | ((people[:, None] == people[None, :]) & (codes[:, None] < codes[None, :]))
    other = ~np.eye(len(codes), dtype=bool)

    def ahead(s_j, s_i):
        return ((s_j[:, None] > s_i[None, :]) | ((s_j[:, None] == s_i[None, :]) & tie)) & other

    return np.column_stack([1 + ahead(low, high).sum(axis=0), 1 + ahead(high, low).sum(axis=0)])


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 400), st.integers(0, 2**32 - 1))
def test_the_rank_range_equals_the_pairwise_definition_on_long_lists(n, seed):
    rng = np.random.default_rng(seed)
    high = np.round(rng.uniform(0, 10, n), 1)
    high[rng.random(n) < 0.1] = np.nan  # no score
    high[rng.random(n) < 0.3] = 6.5  # many equal scores: the ties decide
    low = np.round(np.clip(high - rng.uniform(0, 2, n) * (rng.random(n) < 0.5), 0, None), 1)
    people = pd.array(rng.choice([0, 230, 460, 1000], n), dtype="Int64")
    people[rng.random(n) < 0.05] = pd.NA
    codes = rng.permutation([f"UA{i:05d}" for i in range(n)])
    frame = pd.DataFrame({"district_code": codes, "risk_score": high, "risk_low": low, "risk_high": high,
                          "residents_unheated": people})
    frame["rank"] = explain.ranks(frame["risk_score"], frame["residents_unheated"], frame["district_code"]).to_numpy()
    ranges = explain.rank_range(frame)
    np.testing.assert_array_equal(ranges[["rank_best", "rank_worst"]].to_numpy(), pairwise_rank_range(frame))


def test_the_rank_range_of_a_district_with_missing_data_spans_its_neighbours():
    frame = pd.DataFrame({"district_code": ["A", "B", "C"], "risk_score": [6.6, 6.5, 6.1], "risk_low": [6.6, 6.0, 6.1],
                          "risk_high": [6.6, 6.5, 6.1], "residents_unheated": [100, 100, 100], "rank": [1, 2, 3]})
    ranges = explain.rank_range(frame)
    assert ranges[["rank_best", "rank_worst"]].to_numpy().tolist() == [[1, 1], [2, 3], [2, 3]]


def test_ranks_follow_the_published_list(kyiv):
    pl = kyiv.priority
    got = explain.ranks(pl["risk_score"], pl["residents_unheated"], pl["district_code"])
    assert got.tolist() == pl["rank"].tolist()


def test_the_rank_at_tau_low_and_high_is_the_ranking_rerun_at_that_tau(kyiv):
    tau = explain.tau_ranks(kyiv)
    # τ low cools faster: never a lower score; τ high: never a higher one.
    assert (tau["risk_tau_low"] >= kyiv.detail["risk"] - 1e-9).all()
    assert (tau["risk_tau_high"] <= kyiv.detail["risk"] + 1e-9).all()
    for tag in ("low", "high"):
        rerun = pipeline.rank(kyiv.inputs, dataclasses.replace(P, tau_hours=getattr(P, f"tau_{tag}_hours")))
        np.testing.assert_allclose(tau[f"risk_tau_{tag}"], rerun.detail["risk"].loc[tau.index], atol=1e-9)
        ranked = rerun.priority.set_index("district_code")["rank"]
        assert tau[f"rank_tau_{tag}"].to_dict() == ranked.to_dict()
    # Holosiivskyi and Solomianskyi (6.6 each) swap places across the τ band.
    assert tau.loc[HOLOSIIVSKYI, "rank_tau_low"] < tau.loc[SOLOMIANSKYI, "rank_tau_low"]
    assert tau.loc[HOLOSIIVSKYI, "rank_tau_high"] > tau.loc[SOLOMIANSKYI, "rank_tau_high"]


def test_the_score_at_the_districts_own_tau_is_the_score(kyiv):
    np.testing.assert_array_equal(pipeline.risk_at_tau(kyiv, P.tau_hours), kyiv.detail["risk"])


def test_unscored_districts_are_explained_without_a_decomposition(kyiv):
    inputs = kyiv.inputs
    code = HOLOSIIVSKYI
    unknown = dataclasses.replace(inputs, unheated=inputs.unheated.drop(index=code))
    result = pipeline.rank(unknown, P)
    why = explain.why(result, code)
    assert not why.harmed and np.isnan(why.risk) and why.rank == why.rank_best == why.rank_worst == 10
    assert np.isnan(explain.tau_ranks(result).at[code, "risk_tau_low"])
    assert risk.NO_DRIVER not in result.detail.loc[code, "main_driver"]
