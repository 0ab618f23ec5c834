"""kpikit.satisfaction.support: first contact resolution, first response time and each customer's support profile."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpikit import satisfaction as ksat
from kpikit.errors import KpiDataError


def tickets_frame():
    ts = pd.Timestamp("2025-01-01 08:00")
    h = pd.Timedelta(hours=1)
    d = pd.Timedelta(days=1)
    return pd.DataFrame(
        {
            "ticket_id": ["t1", "t2", "t3", "t4", "t5", "t6"],
            "customer_id": ["a", "a", "b", "c", "c", "d"],
            "created_at": [ts] * 6,
            "first_response_at": [ts + 1 * h, ts + 2 * h, ts + 3 * h, ts + 30 * h, ts + 5 * h, pd.NaT],
            "solved_at": [ts + d, ts + d, ts + d, ts + 2 * d, ts + d, pd.NaT],
            "agent_replies": [1, 1, 2, 1, 1, 0],
            # t2 reopened 3 days after solving, t5 reopened 10 days after
            "reopened_at": [pd.NaT, ts + 4 * d, pd.NaT, pd.NaT, ts + 11 * d, pd.NaT],
            "channel": ["email", "chat", "email", "chat", "email", "chat"],
        }
    )


def test_fcr_reopen_window():
    t = tickets_frame()
    # solved 5 (t6 open); one reply: t1 t2 t4 t5; t2 reopened within 7 days -> FCR 3/5
    r = ksat.fcr(t)
    assert (r.successes, r.trials) == (3, 5)
    # with a 14-day window t5's reopening counts too -> 2/5
    assert ksat.fcr(t, reopen_within="14D").successes == 2
    by = ksat.fcr(t, by="channel").set_index("channel")
    assert by.loc["email", ["first_contact", "solved"]].tolist() == [2, 3]
    assert by.loc["chat", ["first_contact", "solved"]].tolist() == [1, 2]


def test_first_response_time_percentiles():
    t = tickets_frame()
    f = ksat.first_response_time(t).iloc[0]
    # answered: 1, 2, 3, 30, 5 hours; one unanswered
    assert (f["tickets"], f["answered"], f["unanswered"]) == (6, 5, 1)
    assert f["median"] == 3.0
    assert f["p90"] == pytest.approx(np.quantile([1, 2, 3, 30, 5], 0.9))
    assert f["mean"] == pytest.approx(41 / 5)
    bad = t.copy()
    bad.loc[2, "first_response_at"] = bad.loc[2, "created_at"] - pd.Timedelta(hours=1)
    with pytest.raises(KpiDataError, match=r"answered before they were created \(row 2\)"):
        ksat.first_response_time(bad)


def test_support_profile_per_customer():
    p = ksat.support_profile(tickets_frame()).set_index("customer_id")
    assert p.loc["a", ["tickets", "solved", "first_contact"]].tolist() == [2, 2, 1]
    assert p.loc["a", "support_experience"] == "reopened"
    assert p.loc["b", "support_experience"] == "multi-reply"
    assert p.loc["c", "support_experience"] == "reopened"  # reopened after 10 days is still a reopening
    assert p.loc["c", "median_response_h"] == pytest.approx(17.5)
    assert p.loc["c", "response_band"] == "4-24 h"
    assert p.loc["a", "response_band"] == "< 4 h"
    assert pd.isna(p.loc["d", "response_band"])  # never answered: no band, left out of comparisons


def test_support_profile_uses_the_fcr_rule_and_its_checks():
    t = tickets_frame()
    p = ksat.support_profile(t).set_index("customer_id")
    # first contacts per customer add up to fcr's numerator: a 1 (t1), b 0, c 2 (t4, t5 reopened after 10 days)
    assert p["first_contact"].to_dict() == {"a": 1, "b": 0, "c": 2, "d": 0}
    assert p["first_contact"].sum() == ksat.fcr(t).successes
    # with a 14-day window t5's reopening counts, as in fcr
    assert ksat.support_profile(t, reopen_within="14D").set_index("customer_id").loc["c", "first_contact"] == 1
    bad = t.copy()
    bad["agent_replies"] = bad["agent_replies"].astype(float)
    bad.loc[4, "agent_replies"] = -1
    with pytest.raises(
        KpiDataError, match=r"agent_replies': 1 solved tickets have no or a negative reply count \(row 4\)"
    ):
        ksat.support_profile(bad)
    with pytest.raises(KpiDataError, match="reopen_within must be a timedelta"):
        ksat.support_profile(t, reopen_within="a week")


def test_first_response_time_by_a_column_the_tickets_lack():
    t = tickets_frame().drop(columns=["channel"])
    with pytest.raises(KpiDataError, match="The tickets have no 'channel' column"):
        ksat.first_response_time(t, by="channel")
    with pytest.raises(KpiDataError, match="Các yêu cầu hỗ trợ không có cột 'channel'"):
        ksat.first_response_time(t, by="channel", lang="vi")
    assert ksat.first_response_time(t)["answered"].tolist() == [5]  # the overall times still come
