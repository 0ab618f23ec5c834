"""kpikit.funnel.findings: the funnel findings in words, from the numbers."""

from __future__ import annotations

from kpikit import funnel as F
from tests.funnel.logs import device_log, log


def test_findings_from_the_numbers():
    ev = device_log()
    f = F.ordered_funnel(ev, ["view", "cart"], by="device")
    total = F.ordered_funnel(ev, ["view", "cart"])
    text = F.findings(total, segments=f, by="device")
    assert text[0].startswith("50.0% of the 80 users who did 'view' reached 'cart'")
    assert "'view' -> 'cart'" in text[1] and "40 users lost" in text[1]
    assert "25.0% (mobile)" in text[2] and "75.0% (desktop)" in text[2]
    # every cart came 1 hour after the view: 3,600 s is shown in minutes
    assert text[1].endswith("the median time taken is 60 min.")


def _view_cart(prefix, carts):
    """100 users view; the first ``carts`` of them add to cart an hour later."""
    return F.ordered_funnel(
        log(
            [(f"{prefix}{i}", "2025-01-01", "view") for i in range(100)]
            + [(f"{prefix}{i}", "2025-01-01 01:00", "cart") for i in range(carts)]
        ),
        ["view", "cart"],
    )


def test_findings_name_the_changed_steps():
    current, previous = _view_cart("x", 20), _view_cart("y", 60)
    comparison = F.compare_funnels(current, previous, labels=("current", "previous"))
    text = F.findings(current, comparison)
    # 60/100 -> 20/100: a fall of 40 points
    assert text[2].startswith("'view' -> 'cart' fell from 60.0% (previous) to 20.0% (current): -40.0 pts (95% CI")
    same = F.compare_funnels(current, _view_cart("z", 20), labels=("current", "previous"))
    assert F.findings(current, same)[2] == (
        "No step's conversion changed significantly between previous and current (Benjamini-Hochberg, 5% FDR)."
    )
