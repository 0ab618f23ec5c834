"""Measuring the planted effects on generated tables, with plain pandas (for the README and the tests)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from kpikit.sample.config import _DEVICES, _SPRING, COMPETITORS
from kpikit.sample.customers import _lifetimes

__all__ = ["measure_effects"]


def measure_effects(
    tables: Mapping[str, pd.DataFrame], leak_start: str | pd.Timestamp | None = None
) -> dict[str, float]:
    """Measure the planted effects in a set of sample tables with plain pandas.

    Used for the README and the tests; kpikit's domain modules compute the same quantities with
    intervals. Rates are fractions.

    Parameters
    ----------
    tables : dict of str to DataFrame
        Output of :func:`make_tables`.
    leak_start : date, optional
        First day of the checkout leak; by default four months before the last event's month end.

    Returns
    -------
    dict
        Effect measurements, e.g. ``spring_bounce_mobile``, ``checkout_to_purchase_after``;
        ``leak_start`` is the date used, as text.

    Examples
    --------
    >>> m = measure_effects(make_tables(seed=1, sessions=2_000))  # doctest: +SKIP
    >>> round(m["spring_bounce_mobile"], 2)  # doctest: +SKIP
    """
    out: dict[str, float] = {}
    out.update(_web_effects(tables["sessions"]))
    out.update(_checkout_effect(tables["events"], leak_start))
    out.update(_subscription_effects(tables["subscriptions"], tables["surveys"], tables["tickets"]))
    out.update(_social_effect(tables["social"]))
    out.update(_clv_effect(tables["transactions"]))
    out.update(_attribution_effect(tables["touchpoints"]))
    return out


def _web_effects(s: pd.DataFrame) -> dict[str, float]:
    """Site, spring-sale (per device) and blog bounce rates, and the A/B test's conversion rates."""
    out: dict[str, float] = {}
    out["sessions"] = float(len(s))
    out["users"] = float(s["user_id"].nunique())
    out["site_bounce"] = float(1 - s["engaged"].mean())
    sp = s[s["landing_page"] == _SPRING]
    out["spring_sessions"] = float(len(sp))
    for d in _DEVICES:
        out[f"spring_bounce_{d}"] = float(1 - sp.loc[sp["device"] == d, "engaged"].mean())
        out[f"spring_sessions_{d}"] = float((sp["device"] == d).sum())
    blog = s["landing_page"].str.startswith("/blog/")
    out["blog_bounce"] = float(1 - s.loc[blog, "engaged"].mean())
    out["other_bounce"] = float(1 - s.loc[~blog & (s["landing_page"] != _SPRING), "engaged"].mean())
    for v in ("A", "B"):
        sv = sp[sp["variant"] == v]
        out[f"ab_sessions_{v}"] = float(len(sv))
        out[f"ab_conversions_{v}"] = float((sv["conversions"] > 0).sum())
        out[f"ab_rate_{v}"] = out[f"ab_conversions_{v}"] / max(len(sv), 1)
    return out


def _checkout_effect(e: pd.DataFrame, leak_start: str | pd.Timestamp | None) -> dict[str, float]:
    """begin_checkout -> purchase before and after the leak starts (sessions, rate, users)."""
    out: dict[str, float] = {}
    if leak_start is None:
        last = e["timestamp"].max()
        leak_start = last.to_period("M").to_timestamp() - pd.DateOffset(months=3)
    leak_start = pd.Timestamp(leak_start)
    out["leak_start"] = leak_start.strftime("%Y-%m-%d")  # type: ignore[assignment]
    bc = e[e["event"] == "begin_checkout"][["session_id", "timestamp"]]
    buy = set(e.loc[e["event"] == "purchase", "session_id"])
    bc = bc.assign(bought=bc["session_id"].isin(buy), after=bc["timestamp"] >= leak_start)
    for name, part in (("before", bc[~bc["after"]]), ("after", bc[bc["after"]])):
        out[f"checkout_sessions_{name}"] = float(len(part))
        out[f"checkout_to_purchase_{name}"] = float(part["bought"].mean())
        out[f"checkout_users_{name}"] = float(
            e[(e["event"] == "begin_checkout") & ((e["timestamp"] >= leak_start) == (name == "after"))][
                "user_id"
            ].nunique()
        )
    return out


def _subscription_effects(sub: pd.DataFrame, surveys: pd.DataFrame, tickets: pd.DataFrame) -> dict[str, float]:
    """Churn by plan type, by NPS class and by reopened ticket (per subscription- or customer-month)."""
    out: dict[str, float] = {}
    # subscriptions: monthly hazard by plan type, renewal churn of annual plans
    end = sub["start"].max().to_period("M").to_timestamp() + pd.DateOffset(months=1)
    dur_m = (sub["end"].fillna(end) - sub["start"]).dt.days / 30.4375
    ended = sub["end"].notna()
    monthly = sub["interval"] == "month"
    out["monthly_plan_churn"] = float(ended[monthly].sum() / dur_m[monthly].sum())
    annual = sub[~monthly]
    due = annual["start"] + pd.DateOffset(years=1) <= end
    renewed_due = annual[due]
    lapsed = renewed_due["end"].notna() & (renewed_due["end"] <= renewed_due["start"] + pd.DateOffset(years=1))
    out["annual_first_renewal_churn"] = float(lapsed.mean()) if len(renewed_due) else float("nan")
    out["annual_due_first_renewal"] = float(len(renewed_due))
    # customers: monthly hazard by NPS class (latest answer) and by reopened ticket
    life = _lifetimes(sub, end)
    months = (life["last_end"] - life["first_start"]).dt.days / 30.4375
    nps = surveys[surveys["kind"] == "nps"].groupby("customer_id")["score"].last()
    cls = pd.cut(nps, [-1, 6, 8, 10], labels=["detractor", "passive", "promoter"])
    for c in ("promoter", "passive", "detractor"):
        ids = cls.index[cls == c]
        out[f"churn_{c}"] = float(life.loc[ids, "churned"].sum() / months[ids].sum())
        out[f"customers_{c}"] = float(len(ids))
    out["churn_ratio_detractor_promoter"] = out["churn_detractor"] / out["churn_promoter"]
    reo = set(tickets.loc[tickets["reopened_at"].notna(), "customer_id"])
    r = life.index.isin(list(reo))
    out["churn_reopened"] = float(life.loc[r, "churned"].sum() / months[r].sum())
    out["churn_not_reopened"] = float(life.loc[~r, "churned"].sum() / months[~r].sum())
    out["customers_reopened"] = float(r.sum())
    return out


def _social_effect(so: pd.DataFrame) -> dict[str, float]:
    """Followers at the end and engagement per post per follower: the client and Alder Crate."""
    out: dict[str, float] = {}
    last = so[so["date"] == so["date"].max()].groupby("brand")["followers"].sum()
    eng = so.groupby("brand")[["likes", "comments", "shares"]].sum().sum(axis=1)
    per = (so["followers"] * so["posts"]).groupby(so["brand"]).sum()
    client = [b for b in so["brand"].unique() if b not in COMPETITORS][0]
    for b, key in ((client, "client"), ("Alder Crate", "alder")):
        out[f"followers_{key}"] = float(last[b])
        out[f"engagement_rate_{key}"] = float(eng[b] / per[b])
    return out


def _clv_effect(tx: pd.DataFrame) -> dict[str, float]:
    """Spend and orders per shop customer: Paid Social customers vs the others."""
    out: dict[str, float] = {}
    pc = tx.groupby("customer_id").agg(n=("amount", "size"), spend=("amount", "sum"), channel=("channel", "first"))
    ps = pc["channel"] == "Paid Social"
    out["tx_customers"] = float(len(pc))
    out["tx_spend_per_customer_paid_social"] = float(pc.loc[ps, "spend"].mean())
    out["tx_spend_per_customer_other"] = float(pc.loc[~ps, "spend"].mean())
    out["tx_orders_per_customer_paid_social"] = float(pc.loc[ps, "n"].mean())
    out["tx_orders_per_customer_other"] = float(pc.loc[~ps, "n"].mean())
    return out


def _attribution_effect(tp: pd.DataFrame) -> dict[str, float]:
    """First- and last-touch shares of converting journeys for Paid Social, Email and Direct."""
    out: dict[str, float] = {}
    conv_users = tp.loc[tp["converted"], "user_id"]
    j = tp[tp["user_id"].isin(conv_users)]
    firsts = j.groupby("user_id")["channel"].first()
    lasts = j.groupby("user_id")["channel"].last()
    for c, key in (("Paid Social", "paid_social"), ("Email", "email"), ("Direct", "direct")):
        out[f"first_touch_share_{key}"] = float((firsts == c).mean())
        out[f"last_touch_share_{key}"] = float((lasts == c).mean())
    return out
