"""kpikit.subscriptions.value: subscription LTV and customer retention cost."""

from __future__ import annotations

import pytest

from kpikit import subscriptions as ks
from kpikit.errors import KpiDataError
from kpikit.stats import rate


def test_subscription_ltv_and_retention_cost():
    churn = rate(50, 1000, warn_small=False)
    ltv = ks.subscription_ltv(40.0, churn, gross_margin=0.5)
    assert ltv.value == pytest.approx(40 * 0.5 / 0.05)  # 400
    assert ltv.low == pytest.approx(20 / churn.high) and ltv.high == pytest.approx(20 / churn.low)
    plain = ks.subscription_ltv(40.0, 0.05)
    assert plain.value == pytest.approx(800) and "no margin" in plain.variant
    with pytest.raises(KpiDataError, match="churn_rate"):
        ks.subscription_ltv(40.0, 0.0)
    with pytest.raises(KpiDataError, match="gross_margin"):
        ks.subscription_ltv(40.0, 0.05, gross_margin=60)
    assert ks.customer_retention_cost(5000.0, 400) == 12.5
