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
