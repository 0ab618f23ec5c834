"""kpikit.subscriptions.retention: GRR and NRR, and the contract renewal rate."""

from __future__ import annotations

import pandas as pd
import pytest

from kpikit import subscriptions as ks
from kpikit.errors import KpiDataError
from kpikit.stats import rate
from tests.subscriptions.scenario import AS_OF, RENEWALS, frame


def test_revenue_retention_grr_nrr(subs):
    r = ks.revenue_retention(subs, base_period="2025-02-01", horizon=2, as_of=AS_OF).iloc[0]
    # base (Feb 1): c1 20, c2 45, c3 10, c4 10, c5 50, c7 100 = 235
    # Apr 1: 20, 30, 0, 12, 40, 100 = 202; capped per customer: 20 + 30 + 0 + 10 + 40 + 100 = 200
    assert r["base_mrr"] == pytest.approx(235)
    assert r["grr"] == pytest.approx(200 / 235)
    assert r["nrr"] == pytest.approx(202 / 235)
    assert (r["customers"], r["customers_retained"]) == (6, 5)
    allb = ks.revenue_retention(subs, horizon=1, as_of=AS_OF)
    assert allb["base_period"].dt.strftime("%m").tolist() == ["01", "02", "03", "04"]
    assert (allb["grr"].dropna() <= 1).all()
    with pytest.raises(KpiDataError, match="past the end"):
        ks.revenue_retention(subs, base_period="2025-04-01", horizon=3, as_of=AS_OF)
    with pytest.raises(KpiDataError, match="not a period start"):
        ks.revenue_retention(subs, base_period="2025-02-15", horizon=1, as_of=AS_OF)


def test_renewal_rate_logo_and_value():
    df = frame(RENEWALS)
    q1 = ks.renewal_rate(df, "2025Q1", as_of="2025-06-30").iloc[0]
    # due r1 r2 r5 r6 = 4; renewed r1 r5 (plan change at renewal) r6 = 3
    assert (q1["contracts_due"], q1["contracts_renewed"]) == (4, 3)
    assert q1["renewal_rate"] == pytest.approx(0.75)
    # value per month: due 10 + 20 + 50 + 100 = 180, renewed 10 + 50 + 100 = 160
    assert q1["value_due"] == pytest.approx(180)
    assert q1["value_renewal_rate"] == pytest.approx(160 / 180)
    table = ks.renewal_rate(df, freq="QS", as_of="2025-06-30").set_index("period")
    assert table.loc["2024-01-01", "contracts_due"] == 1  # r6's first anniversary, 2024-03-05
    assert table.loc["2025-04-01", ["contracts_due", "contracts_renewed"]].tolist() == [1, 1]
    assert table["contracts_due"].sum() == 6
    # without the same-day replacement r5 is not renewed
    alone = frame([r for r in RENEWALS if r[1] != "m5"])
    assert ks.renewal_rate(alone, "2025Q1", as_of="2025-06-30")["contracts_renewed"].item() == 2


def test_renewal_grace_and_monthly_contracts():
    df = frame(
        [
            ("x", "a", "A", "year", 120.0, "2024-01-10", "2025-01-10"),
            ("x", "b", "A", "year", 120.0, "2025-01-13", None),  # back 3 days later
            ("y", "m", "M", "month", 10.0, "2025-01-01", "2025-03-01"),  # renewals Feb 1 (yes), Mar 1 (no)
        ]
    )
    assert ks.renewal_rate(df, "2025-01", as_of="2025-04-30")["contracts_renewed"].item() == 0
    assert ks.renewal_rate(df, "2025-01", grace="7D", as_of="2025-04-30")["contracts_renewed"].item() == 1
    m = ks.renewal_rate(df, ("2025-01-01", "2025-04-01"), interval="month", as_of="2025-04-30").iloc[0]
    assert (m["contracts_due"], m["contracts_renewed"]) == (2, 1)


def test_pooled_renewal_rate_by_hand():
    df = frame(RENEWALS)
    # 2025Q1: due r1 r2 r5 r6, renewed r1 r5 (plan change) r6 -> 3 of 4 (test_renewal_rate_logo_and_value)
    q1 = ks.pooled_renewal_rate(df, "2025Q1", as_of="2025-06-30")
    assert (q1.successes, q1.trials, q1.value) == (3, 4, 0.75)
    w = rate(3, 4, warn_small=False)
    assert (q1.low, q1.high) == pytest.approx((w.low, w.high))
    # every renewal date up to as_of: r6 2024-03-05 (renewed), the four of 2025Q1, r3 2025-06-01 (renewed)
    # -> 5 of 6, whatever the grain of the rows pooled
    for freq in ("QS", "MS", "YS"):
        r = ks.pooled_renewal_rate(df, freq=freq, as_of="2025-06-30")
        assert (r.successes, r.trials) == (5, 6)
    # monthly contracts too: m5 (from 2025-02-10) renews Mar 10, Apr 10, May 10, Jun 10 -> 9 of 10
    r = ks.pooled_renewal_rate(df, interval=None, as_of="2025-06-30")
    assert (r.successes, r.trials) == (9, 10)


def test_pooled_renewal_rate_is_the_renewal_frame_summed():
    df = frame(RENEWALS)
    table = ks.renewal_rate(df, freq="QS", grace="7D", as_of="2025-06-30")
    r = ks.pooled_renewal_rate(df, grace="7D", as_of="2025-06-30", level=0.9)
    assert (r.successes, r.trials) == (table["contracts_renewed"].sum(), table["contracts_due"].sum())
    assert r.level == 0.9
    with pytest.raises(KpiDataError, match="at least one trial"):  # no annual contract is due in 2024Q2
        ks.pooled_renewal_rate(df, "2024Q2", as_of="2025-06-30")


def test_renewal_period_defaults_to_the_latest_complete_period_with_contracts_due():
    subs = frame(RENEWALS)
    # due dates: r1 Feb 1, r5 Feb 10, r2 Mar 1, r6 Mar 5 (and Mar 5 2024), r3 Jun 1 2025
    assert ks.renewal_period(subs, as_of="2025-06-30") == pd.Period("2025Q2")  # Q2 ends on as_of: complete
    assert ks.renewal_period(subs, as_of="2025-06-15") == pd.Period("2025Q1")  # Q2 not over yet
    assert ks.renewal_period(subs, freq="MS", as_of="2025-06-30") == pd.Period("2025-06")
    assert ks.renewal_period(subs, freq="YS", as_of="2025-06-30") == pd.Period("2024")  # 2025 is not over
    # only the running quarter has a contract due: it is the one reported
    assert ks.renewal_period(frame(RENEWALS[2:3]), as_of="2025-06-15") == pd.Period("2025Q2")
    # a period asked for is kept when contracts came due in it
    assert ks.renewal_period(subs, "2025Q1", as_of="2025-06-30") == pd.Period("2025Q1")
    with pytest.raises(KpiDataError, match="No annual contract came up for renewal in 2024Q4"):
        ks.renewal_period(subs, "2024Q4", as_of="2025-06-30")


def test_renewal_period_says_why_there_is_no_renewal_to_report():
    monthly = frame([("m1", "s1", "Box Monthly", "month", 10.0, "2024-01-01", None)])
    with pytest.raises(KpiDataError, match=r"no annual contracts \(their billing intervals: month\)"):
        ks.renewal_period(monthly, as_of="2025-06-30")
    young = frame([("a1", "s1", "Box Annual", "year", 120.0, "2025-01-01", None)])
    with pytest.raises(KpiDataError, match="No annual contract has come up for renewal by 30 Jun 2025"):
        ks.renewal_period(young, as_of="2025-06-30")
    # the same notes in the report's language (a skipped section's note in a Vietnamese report)
    with pytest.raises(
        KpiDataError, match=r"không có hợp đồng theo năm nào \(các kỳ thanh toán có trong dữ liệu: tháng\)"
    ):
        ks.renewal_period(monthly, as_of="2025-06-30", lang="vi")
    with pytest.raises(KpiDataError, match="Đến 30 thg 6, 2025 chưa có hợp đồng theo năm nào đến hạn gia hạn"):
        ks.renewal_period(young, as_of="2025-06-30", lang="vi")


def test_revenue_retention_says_when_the_history_is_too_short(subs):
    with pytest.raises(KpiDataError, match="The data span 4 periods, fewer than the 12 between a base date"):
        ks.revenue_retention(subs, horizon=12, as_of=AS_OF)
    with pytest.raises(KpiDataError, match="Dữ liệu chỉ trải qua 4 kỳ, ít hơn 12 kỳ giữa ngày gốc"):
        ks.revenue_retention(subs, horizon=12, as_of=AS_OF, lang="vi")
    # everyone joins in March: no base date with a customer and two months after it
    late = frame(
        [
            ("c1", "s1", "p", "month", 10.0, "2025-03-05", None),
            ("c2", "s2", "p", "month", 10.0, "2025-01-05", "2025-01-20"),
        ]
    )
    with pytest.raises(KpiDataError, match="No customer pays at a base date with 2 periods"):
        ks.revenue_retention(late, horizon=2, as_of="2025-04-30")
