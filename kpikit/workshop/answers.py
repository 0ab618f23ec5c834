"""The right answer of every exercise, computed by the kit's KPI functions, and the usual wrong ones.

Each ``solve_<exercise>`` returns the answer on a data folder; each ``traps_<exercise>`` returns the
wrong answers learners are expected to give (a popular mistake, a wrong denominator), keyed by the
catalogue key of the hint that explains them (``workshop.trap.<key>``). Nothing here is hard-coded:
every number comes from the folder's tables.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kpikit.workshop.data import table, ua_sessions
from kpikit.workshop.mistakes import averaged_rate, mrr_users_x_spend, naive_clv, nps_from_yes_no

__all__ = [
    "CLIENT_BRAND",
    "COMPETITOR_BRAND",
    "PLATFORM",
    "GROSS_MARGIN",
    "SHOP_MARGIN",
    "CHECKOUT_FROM",
    "SOLVERS",
    "TRAPS",
]

Folder = str | Path | None

#: The sample's own brand in the social table, and the competitor with the most followers.
CLIENT_BRAND = "Juniper Box"
COMPETITOR_BRAND = "Alder Crate"
#: The platform of the per-reach engagement exercise.
PLATFORM = "Instagram"
#: Gross margin of the subscription box (as notebook 03) and of the shop (CLV exercises).
GROSS_MARGIN = 0.6
SHOP_MARGIN = 0.4
#: First day of the checkout exercise's period (the planted checkout leak starts then).
CHECKOUT_FROM = "2025-03-01"
FUNNEL = ["session_start", "view_item", "add_to_cart", "begin_checkout", "purchase"]


def _last_month(d: Folder) -> pd.Series:
    from kpikit.subscriptions import customer_churn

    return customer_churn(table("subscriptions", d)).iloc[-1]


def _months(d: Folder) -> tuple[pd.Series, pd.Series]:
    from kpikit.subscriptions import customer_churn

    churn = customer_churn(table("subscriptions", d))
    return churn.iloc[-2], churn.iloc[-1]


def _last_renewals(d: Folder) -> pd.Series:
    from kpikit.subscriptions import renewal_rate

    quarters = renewal_rate(table("subscriptions", d), freq="QS")
    return quarters[quarters["contracts_due"] > 0].iloc[-1]


def solve_renewal_quarter(d: Folder) -> float:
    row = _last_renewals(d)
    return float(row["contracts_renewed"] / row["contracts_due"])


def traps_renewal_quarter(d: Folder) -> dict:
    row = _last_renewals(d)
    return {"renewal_inverted": float(row["contracts_due"] / row["contracts_renewed"])}


def _nps_scores(d: Folder) -> pd.Series:
    surveys = table("surveys", d)
    return surveys.loc[surveys["kind"] == "nps", "score"]


def solve_nps(d: Folder) -> float:
    from kpikit.satisfaction import nps

    return float(nps(_nps_scores(d)).value)


def traps_nps(d: Folder) -> dict:
    s = _nps_scores(d)
    return {
        "nps_yes_no": nps_from_yes_no(s)["value"],
        "nps_promoters_only": 100.0 * float((s >= 9).mean()),
        "nps_mean_score": float(s.mean()),
    }


def solve_pp_change(d: Folder) -> float:
    before, last = _months(d)
    return 100.0 * float(last["churn_rate"] - before["churn_rate"])


def traps_pp_change(d: Folder) -> dict:
    before, last = _months(d)
    return {
        "relative_not_pp": 100.0 * float(last["churn_rate"] / before["churn_rate"] - 1),
        "fraction_not_points": float(last["churn_rate"] - before["churn_rate"]),
    }


def solve_bounce_pooled(d: Folder) -> float:
    from kpikit.web import headline

    return float(headline(table("sessions", d))["bounce_rate"])


def traps_bounce_pooled(d: Folder) -> dict:
    from kpikit.web import bounce_rate

    pages = bounce_rate(table("sessions", d), by="landing_page")
    return {"averaged_pages": averaged_rate(pages["bounce_rate"]), "ua_not_ga4": solve_bounce_ua(d)}


def solve_bounce_ua(d: Folder) -> float:
    from kpikit.web import bounce_rate

    return float(bounce_rate(ua_sessions(d), definition="ua")["bounce_rate"].iloc[0])


def traps_bounce_ua(d: Folder) -> dict:
    from kpikit.web import bounce_rate

    return {"ga4_not_ua": float(bounce_rate(ua_sessions(d), definition="ga4")["bounce_rate"].iloc[0])}


def _checkout(d: Folder) -> pd.Series:
    from kpikit.funnel import ordered_funnel

    funnel = ordered_funnel(table("events", d), FUNNEL, start=CHECKOUT_FROM)
    return funnel.iloc[-1]


def solve_checkout(d: Folder) -> float:
    return float(_checkout(d)["conversion_from_previous"])


def traps_checkout(d: Folder) -> dict:
    return {"from_start_not_previous": float(_checkout(d)["conversion_from_start"])}


def _credit(d: Folder, model: str) -> float:
    from kpikit.attribution import attribute

    credit = attribute(table("touchpoints", d), model=model).set_index("channel")
    return float(credit.loc["Paid Social", "share"])


def solve_position_based(d: Folder) -> float:
    return _credit(d, "position_based")


def traps_position_based(d: Folder) -> dict:
    return {
        "last_touch_model": _credit(d, "last_touch"),
        "first_touch_model": _credit(d, "first_touch"),
        "linear_model": _credit(d, "linear"),
    }


def solve_churn_pooled(d: Folder) -> float:
    from kpikit.subscriptions import churn_rate

    return float(churn_rate(table("subscriptions", d), freq="MS"))


def traps_churn_pooled(d: Folder) -> dict:
    from kpikit.subscriptions import customer_churn

    churn = customer_churn(table("subscriptions", d))
    added = churn["customers_new"] + churn["customers_reactivated"]
    return {
        "averaged_months": float(churn["churn_rate"].mean()),
        "churn_added": float(added.sum() / churn["customers_start"].sum()),
    }


def _mrr_last(d: Folder) -> pd.Series:
    from kpikit.subscriptions import mrr

    return mrr(table("subscriptions", d)).iloc[-1]


def solve_mrr_month(d: Folder) -> float:
    return float(_mrr_last(d)["mrr"])


def traps_mrr_month(d: Folder) -> dict:
    at = _mrr_last(d)["period"] + pd.offsets.MonthBegin(1)
    return {"mrr_users_x_spend": mrr_users_x_spend(table("subscriptions", d), at)["value"]}


def _expansion(d: Folder) -> tuple[float, float]:
    from kpikit.workshop.mistakes import subscription_mistakes

    subs = table("subscriptions", d)
    pair = subscription_mistakes(subs, _last_month(d)["period"])[2]
    return pair.right, pair.wrong


def solve_expansion_month(d: Folder) -> float:
    return _expansion(d)[0]


def traps_expansion_month(d: Folder) -> dict:
    return {"expansion_multiplied": _expansion(d)[1]}


def _lifetimes(d: Folder) -> pd.DataFrame:
    from kpikit.subscriptions import customer_lifetimes

    return customer_lifetimes(table("subscriptions", d), unit="M")


def solve_median_lifetime(d: Folder) -> float:
    from kpikit.survival import kaplan_meier

    lt = _lifetimes(d)
    return float(kaplan_meier(lt["duration"], lt["churned"]).medians["median"].iloc[0])


def traps_median_lifetime(d: Folder) -> dict:
    lt = _lifetimes(d)
    gone = lt.loc[lt["churned"], "duration"]
    return {"churned_only": float(gone.median()), "churned_only_mean": float(gone.mean())}


def _arpa_churn(d: Folder) -> tuple[float, object]:
    from kpikit.subscriptions import arpa, churn_rate

    subs = table("subscriptions", d)
    return float(arpa(subs)["arpa"].iloc[-1]), churn_rate(subs, freq="MS")


def solve_subscription_ltv(d: Folder) -> float:
    from kpikit.subscriptions import subscription_ltv

    arpa, churn = _arpa_churn(d)
    return float(subscription_ltv(arpa, churn, gross_margin=GROSS_MARGIN).value)


def traps_subscription_ltv(d: Folder) -> dict:
    from kpikit.subscriptions import subscription_ltv

    arpa, churn = _arpa_churn(d)
    return {"naive_clv": naive_clv(arpa), "no_margin": float(subscription_ltv(arpa, churn).value)}


def solve_ltv_churn_cut(d: Folder) -> float:
    from kpikit.subscriptions import subscription_ltv

    arpa, churn = _arpa_churn(d)
    return float(subscription_ltv(arpa, float(churn) - 0.01, gross_margin=GROSS_MARGIN).value)


def traps_ltv_churn_cut(d: Folder) -> dict:
    return {"ltv_unchanged": solve_subscription_ltv(d), "ltv_plus_one_percent": 1.01 * solve_subscription_ltv(d)}


def solve_historical_clv(d: Folder) -> float:
    from kpikit.clv import historical_clv

    return float(historical_clv(table("transactions", d), lifespan_years=2, margin=SHOP_MARGIN)["clv"])


def traps_historical_clv(d: Folder) -> dict:
    from kpikit.clv import historical_clv

    tx = table("transactions", d)
    return {
        "no_margin": float(historical_clv(tx, lifespan_years=2)["clv"]),
        "default_lifespan": float(historical_clv(tx, margin=SHOP_MARGIN)["clv"]),
    }


def _clv_models(d: Folder):
    from kpikit.clv import BetaGeo, GammaGamma, rfm_summary

    summary = rfm_summary(table("transactions", d))
    return BetaGeo().fit(summary), GammaGamma().fit(summary), summary


def solve_mean_clv(d: Folder) -> float:
    from kpikit.clv import customer_lifetime_value, mean_clv

    purchases, spend, summary = _clv_models(d)
    values = customer_lifetime_value(purchases, spend, summary, horizon=12, discount_rate=0.01, margin=SHOP_MARGIN)
    return float(mean_clv(values).value)


def traps_mean_clv(d: Folder) -> dict:
    from kpikit.clv import customer_lifetime_value, historical_clv, mean_clv

    purchases, spend, summary = _clv_models(d)
    revenue = customer_lifetime_value(purchases, spend, summary, horizon=12, discount_rate=0.01, margin=1.0)
    return {
        "clv_revenue": float(mean_clv(revenue).value),
        "historical_not_model": float(
            historical_clv(table("transactions", d), lifespan_years=1, margin=SHOP_MARGIN)["clv"]
        ),
    }


def _engagement(d: Folder, per: str) -> pd.Series:
    from kpikit.social import engagement_rate

    return engagement_rate(table("social", d), per=per).set_index("brand")["engagement_rate"]


def _platform(d: Folder, per: str) -> pd.Series:
    from kpikit.social import engagement_rate

    rates = engagement_rate(table("social", d), per=per, by=["brand", "platform"])
    return rates.set_index(["brand", "platform"])["engagement_rate"]


def solve_engagement_reach(d: Folder) -> float:
    return float(_platform(d, "reach")[(CLIENT_BRAND, PLATFORM)])


def traps_engagement_reach(d: Folder) -> dict:
    return {
        "per_follower_not_reach": float(_platform(d, "followers")[(CLIENT_BRAND, PLATFORM)]),
        "per_impression_not_reach": float(_platform(d, "impressions")[(CLIENT_BRAND, PLATFORM)]),
        "all_platforms": float(_engagement(d, "reach")[CLIENT_BRAND]),
    }


def solve_engagement_ratio(d: Folder) -> float:
    rates = _engagement(d, "followers")
    return float(rates[CLIENT_BRAND] / rates[COMPETITOR_BRAND])


def traps_engagement_ratio(d: Folder) -> dict:
    from kpikit.social import awareness

    followers = awareness(table("social", d)).set_index("brand")["followers_end"]
    return {
        "followers_ratio": float(followers[CLIENT_BRAND] / followers[COMPETITOR_BRAND]),
        "mixed_denominators": float(
            _engagement(d, "reach")[CLIENT_BRAND] / _engagement(d, "followers")[COMPETITOR_BRAND]
        ),
    }


def solve_share_of_voice(d: Folder) -> float:
    from kpikit.social import share_of_voice

    voice = share_of_voice(table("social", d), freq=None).set_index("brand")
    return float(voice.loc[CLIENT_BRAND, "share_of_voice"])


def traps_share_of_voice(d: Folder) -> dict:
    from kpikit.social import awareness

    aw = awareness(table("social", d)).set_index("brand")
    return {
        "followers_share": float(aw.loc[CLIENT_BRAND, "followers_end"] / aw["followers_end"].sum()),
        "reach_share": float(aw.loc[CLIENT_BRAND, "reach"] / aw["reach"].sum()),
    }


def solve_vanity_brand(d: Folder) -> str:
    from kpikit.social import engagement_quality

    quality = engagement_quality(table("social", d), per="reach")
    return str(quality.loc[quality["vanity_gap"], "brand"].iloc[0])


def traps_vanity_brand(d: Folder) -> dict:
    from kpikit.social import engagement_quality

    quality = engagement_quality(table("social", d), per="reach")
    best = str(quality.sort_values("engagement_rate").iloc[-1]["brand"])
    return {"highest_engagement": best, "own_brand": CLIENT_BRAND}


#: Exercise id -> its solver and its traps.
SOLVERS = {name[6:].replace("_", "-"): fn for name, fn in dict(globals()).items() if name.startswith("solve_")}
TRAPS = {name[6:].replace("_", "-"): fn for name, fn in dict(globals()).items() if name.startswith("traps_")}
