"""kpikit.subscriptions.findings: the common mistakes beside the right numbers, and the findings' sentences."""

from __future__ import annotations

import pytest

from kpikit import subscriptions as ks
from tests.subscriptions.scenario import AS_OF, RENEWALS, frame


def test_common_mistakes_show_wrong_next_to_right():
    # 10 customers at Mar 1; 3 join in March; 1 leaves; 2 expand by 5 each
    rows = [(f"k{i}", f"s{i}", "p", "month", 10.0, "2025-01-01", None) for i in range(10)]
    rows[0] = ("k0", "s0", "p", "month", 10.0, "2025-01-01", "2025-03-15")
    rows += [(f"n{i}", f"n{i}", "p", "month", 10.0, "2025-03-10", None) for i in range(3)]
    rows += [("k1", "u1", "p", "month", 5.0, "2025-03-05", None), ("k2", "u2", "p", "month", 5.0, "2025-03-05", None)]
    m = ks.common_mistakes(frame(rows), "2025-03-01", as_of="2025-03-31").set_index("mistake")
    assert m.loc["churn counted from customers added", ["wrong", "right"]].tolist() == pytest.approx([0.3, 0.1])
    # average add-on 5 x 10 customers = 50 vs the real 10
    assert m.loc["expansion MRR multiplied", ["wrong", "right"]].tolist() == pytest.approx([50.0, 10.0])
    assert m.loc["churn counted from customers added", "wrong_formula"] == "added / start = 3 / 10 = 30.0%"
    money = ks.common_mistakes(frame(rows), "2025-03-01", as_of="2025-03-31", currency="GBP").set_index("mistake")
    assert money.loc["expansion MRR multiplied", "wrong_formula"] == (
        "average add-on x customers = £5.00 x 10 = £50.00"
    )
    assert money.loc["expansion MRR multiplied", "right_formula"] == (
        "sum of the increases of the 2 customers who expanded = £10.00"
    )


def test_findings_are_built_from_numbers(subs):
    churn = ks.summarise_churn(ks.customer_churn(subs, by="interval", as_of=AS_OF), by="interval")
    text = ks.findings(
        churn_by_interval=churn,
        movements=ks.mrr_movements(subs, as_of=AS_OF),
        retention=ks.revenue_retention(subs, "2025-02-01", 2, as_of=AS_OF),
        renewal=ks.renewal_rate(frame(RENEWALS), "2025Q1", as_of="2025-06-30"),
    )
    assert any("interval 'year' churns 25.0%" in s for s in text)
    assert any("MRR went from 0.00 to 162.00" in s for s in text)
    assert any("3 of 4 contracts" in s and "75.0%" in s for s in text)
    assert any("gross revenue retention is 85.1%" in s for s in text)


def test_findings_never_compare_segments_too_small_to_rank(subs):
    # year churns 1 of 4 customer-periods, month 1 of 11; both segments have fewer than 30 customers
    small = ks.churn_by_segment(subs, "interval", as_of=AS_OF)
    text = ks.findings(churn_by_interval=small)
    assert not any("Churn by interval" in s for s in text)
    ranked = ks.churn_by_segment(subs, "interval", as_of=AS_OF, min_customers=2)
    assert any("interval 'year' churns 25.0%" in s for s in ks.findings(churn_by_interval=ranked))


def test_common_mistakes_leave_out_the_renewal_row_without_contracts_due():
    # monthly plans only: no contract comes up for renewal, so there is no ratio to invert
    rows = [(f"k{i}", f"s{i}", "p", "month", 10.0, "2025-01-01", None) for i in range(5)]
    m = ks.common_mistakes(frame(rows), "2025-03-01", as_of="2025-03-31")
    assert m["mistake"].tolist() == ["churn counted from customers added", "expansion MRR multiplied"]
    # with annual contracts due, the row is there. Q1 2025: r1 (runs on), r2 (ends on its date), r5 (replaced
    # the same day) and r6 come due, 3 renew; active annual contracts at Apr 1: r1 r3 r6 -> 3 / 3 vs 3 / 4
    m = ks.common_mistakes(frame(RENEWALS), "2025-01-01", freq="QS", as_of="2025-06-30").set_index("mistake")
    assert m.loc["renewal rate inverted", ["wrong", "right"]].tolist() == pytest.approx([1.0, 0.75])
    # each formula shows its counts and its result, in the report's language
    assert m.loc["renewal rate inverted", "right_formula"] == "renewed / due = 3 / 4 = 75.0%"
    assert m.loc["renewal rate inverted", "wrong_formula"] == "active annual contracts / renewed = 3 / 3 = 100.0%"
    vi = ks.common_mistakes(frame(RENEWALS), "2025-01-01", freq="QS", as_of="2025-06-30", lang="vi")
    assert vi.set_index("mistake").loc["renewal rate inverted", "right_formula"] == (
        "đã gia hạn / đến hạn gia hạn = 3 / 4 = 75,0%"
    )
