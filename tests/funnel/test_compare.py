"""kpikit.funnel.compare: step changes between periods and segments, overall conversion, the biggest leak."""

from __future__ import annotations

import pandas as pd
import pytest

from kpikit import funnel as F
from kpikit.errors import KpiDataError
from kpikit.stats import two_proportion_ztest
from tests.funnel.logs import ORDER_LOG, STEPS, device_log, log


def test_period_restriction_and_comparison():
    rows = []
    # period 1 (January): 10 users view, 8 cart, 6 buy; period 2 (February): 10 view, 8 cart, 2 buy
    for p, month, buyers in ((1, "2025-01", 6), (2, "2025-02", 2)):
        for i in range(10):
            u = f"p{p}u{i}"
            rows.append((u, f"{month}-10 00:00", "view"))
            if i < 8:
                rows.append((u, f"{month}-10 01:00", "cart"))
            if i < buyers:
                rows.append((u, f"{month}-10 02:00", "buy"))
    ev = log(rows)
    cmp = F.compare_periods(ev, STEPS, current=("2025-02-01", "2025-03-01"), previous=("2025-01-01", "2025-02-01"))
    assert cmp["step"].tolist() == [2, 3]
    assert cmp["users_current"].tolist() == [8, 2] and cmp["trials_current"].tolist() == [10, 8]
    assert cmp["users_previous"].tolist() == [8, 6]
    assert cmp["difference"].tolist() == pytest.approx([0.0, 2 / 8 - 6 / 8])
    z, p = two_proportion_ztest(2, 8, 6, 8)
    # pooled p = 8/16 = 0.5; se = sqrt(0.25 x (1/8 + 1/8)) = 0.25; z = -0.5 / 0.25 = -2
    assert float(z) == pytest.approx(-2.0)
    assert cmp["z"].iloc[1] == pytest.approx(-2.0)
    assert cmp["p_value"].iloc[1] == pytest.approx(float(p))
    # BH over two tests: q of the smaller p = min(p x 2 / 1, ...) = 2 x 0.0455 = 0.091; the other p = 1
    assert cmp["q_value"].iloc[1] == pytest.approx(min(2 * float(p), 1.0))
    assert cmp["p_value"].iloc[0] == pytest.approx(1.0)
    ch = F.largest_change(cmp)
    # step 3 (buy) q = 0.091 > 0.05: nothing significant at 5% FDR with these small counts
    assert ch is None
    big = F.compare_funnels(
        *(
            F.ordered_funnel(
                log(
                    [(f"{p}{i}", "2025-01-01", "view") for i in range(100)]
                    + [(f"{p}{i}", "2025-01-01 01:00", "cart") for i in range(k)]
                ),
                ["view", "cart"],
            )
            for p, k in (("x", 20), ("y", 60))
        ),
        labels=("current", "previous"),
    )
    ch = F.largest_change(big)
    assert ch["step_name"] == "cart" and ch["difference"] == pytest.approx(-0.4)
    assert ch["rate_previous"] == pytest.approx(0.6) and ch["rate_current"] == pytest.approx(0.2)
    assert float(F.overall_conversion(F.ordered_funnel(ev, STEPS))) == pytest.approx(8 / 20)


def test_compare_segments():
    ev = device_log()
    f = F.ordered_funnel(ev, ["view", "cart"], by="device")
    c = F.compare_segments(f, "device", "mobile", "desktop")
    assert c["rate_mobile"].iloc[0] == pytest.approx(0.25) and c["rate_desktop"].iloc[0] == pytest.approx(0.75)
    assert bool(c["significant"].iloc[0])
    with pytest.raises(KpiDataError, match="no segment 'tablet'"):
        F.compare_segments(f, "device", "tablet", "desktop")


# ---- planted effects: the checkout leak of the sample business ----------------------------------

CHECKOUT_STEPS = ["session_start", "view_item", "add_to_cart", "begin_checkout", "purchase"]


@pytest.mark.parametrize("effects", [True, False])
def test_checkout_leak_found_only_when_planted(effects):
    from kpikit.sample import make_tables

    ev = make_tables(seed=7, effects=effects)["events"]
    ev = ev.assign(timestamp=pd.to_datetime(ev["timestamp"]))
    cmp = F.compare_periods(ev, CHECKOUT_STEPS, ("2025-03-01", "2025-07-01"), ("2024-11-01", "2025-03-01"))
    change = F.largest_change(cmp)
    if effects:
        assert change["step_name"] == "purchase" and change["difference"] < -0.1
    else:
        assert change is None or change["step_name"] != "purchase"


def test_funnel_charts_title_states_the_finding():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kpikit import plots

    f = F.ordered_funnel(ORDER_LOG, STEPS)  # 5 -> 3 (60%) -> 1 (33%)
    ax = plots.funnel_chart(f)
    assert ax.get_title() == "Biggest leak: cart -> buy (33% continue)"
    plt.close("all")
