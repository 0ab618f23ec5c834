"""The popular wrong computations, as teaching material, each beside the right one on the same numbers.

These are not KPIs: each function here computes a mistake the source articles make (docs/KPI_CATALOGUE.md,
"Mistakes found in popular articles") so that a workshop can show it next to the kit's right
computation. The right numbers always come from the kit's own KPI functions (``kk.subscriptions``,
``kk.satisfaction``, ``kk.web``, ...), never from here.

A :class:`Pair` holds one wrong and one right number with the counts behind them; :func:`pairs_table`
shows pairs as a table in the workshop's language (the mistake, each number and its formula).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.i18n import format_value, t

__all__ = [
    "Pair",
    "pairs_table",
    "subscription_mistakes",
    "mrr_users_x_spend",
    "nps_from_yes_no",
    "naive_clv",
    "averaged_rate",
    "nps_mistake",
    "mrr_mistake",
    "averaged_pages_mistake",
    "ua_vs_ga4_mistake",
    "last_touch_mistake",
    "censoring_mistake",
    "clv_mistake",
    "vanity_mistake",
    "denominator_mistake",
]


@dataclass(frozen=True)
class Pair:
    """A wrong computation and the right one on the same numbers.

    Parameters
    ----------
    key : str
        The mistake's catalogue key: its name and formulas are ``workshop.mistake.<key>.name``,
        ``.wrong`` and ``.right``.
    wrong : float
        The popular (wrong) number.
    right : float
        The right number (from the kit's KPI function).
    spec : str
        How both numbers are written: a format spec of :mod:`kpikit.i18n` ("pct", "money", "num1", ...).
    fields : dict
        The counts behind the numbers, the placeholders of the formulas.
    """

    key: str
    wrong: float
    right: float
    spec: str
    fields: dict[str, Any] = field(default_factory=dict)

    def text(self, part: str, lang: str = "en", currency: str | None = None) -> str:
        """The mistake's name (``name``) or a formula (``wrong``, ``right``) in a language.

        Parameters
        ----------
        part : {"name", "wrong", "right"}
            Which text.
        lang : str
            A language code.
        currency : str, optional
            The currency of money placeholders.

        Returns
        -------
        str
        """
        return t(f"workshop.mistake.{self.key}.{part}", lang, currency=currency, **self.fields)


def pairs_table(
    pairs: Iterable[Pair], lang: str = "en", currency: str | None = None, caption: str | None = None
) -> Any:
    """Wrong and right numbers side by side, with their formulas, in a language.

    Parameters
    ----------
    pairs : iterable of Pair
        The mistakes to show, in order.
    lang : str
        A language code.
    currency : str, optional
        The currency of money numbers.
    caption : str, optional
        The caption (already in ``lang``).

    Returns
    -------
    kpikit.report.ClientTable
        Columns mistake, wrong, wrong_formula, right, right_formula (labelled from the catalogue).
    """
    from kpikit.report import table

    rows = [
        {
            "mistake": p.text("name", lang, currency),
            "wrong": format_value(p.wrong, p.spec, lang, currency),
            "wrong_formula": p.text("wrong", lang, currency),
            "right": format_value(p.right, p.spec, lang, currency),
            "right_formula": p.text("right", lang, currency),
        }
        for p in pairs
    ]
    texts = dict.fromkeys(("wrong", "right"), "text")  # already written in the language
    return table(pd.DataFrame(rows), caption=caption, lang=lang, currency=currency, formats=texts)


def _boundaries(subscriptions: pd.DataFrame, period: str | pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    start = pd.Timestamp(period)
    if start != start.to_period("M").start_time:
        raise KpiDataError(f"period {period!r}: give the first day of a month, e.g. '2025-06-01'.")
    return start, start + pd.offsets.MonthBegin(1)


def subscription_mistakes(
    subscriptions: pd.DataFrame, period: str | pd.Timestamp, as_of: str | pd.Timestamp | None = None
) -> list[Pair]:
    """Three churn-article mistakes for one month, each with the kit's right number on the same data.

    1. ``churn_added``: customers added (new and returning) / customers at the start, against
       customers lost / customers at the start (:func:`kpikit.subscriptions.customer_churn`);
    2. ``renewal_inverted``: annual contracts active at the month's end / contracts renewed, against
       renewed / due (:func:`kpikit.subscriptions.renewal_rate`);
    3. ``expansion_multiplied``: the average add-on of the expanding customers x all customers at the
       start, against the sum of each expanding customer's MRR increase
       (:func:`kpikit.subscriptions.mrr_movements`).

    The numbers are those of :func:`kpikit.subscriptions.common_mistakes`, with the counts kept for the
    formulas in any language.

    Parameters
    ----------
    subscriptions : DataFrame
        Canonical ``subscriptions`` table.
    period : str or Timestamp
        The month's first day ("2025-06-01").
    as_of : str or Timestamp, optional
        Last date of the data (default: the latest start).

    Returns
    -------
    list of Pair
    """
    from kpikit.subscriptions import customer_churn, mrr_movements, renewal_rate

    start, end = _boundaries(subscriptions, period)
    churn = customer_churn(subscriptions, as_of=as_of).set_index("period")
    if start not in churn.index:
        raise KpiDataError(
            f"period {period!r} is not a month of the data ({churn.index.min():%Y-%m} to {churn.index.max():%Y-%m})."
        )
    row = churn.loc[start]
    base, lost = int(row["customers_start"]), int(row["customers_lost"])
    added = int(row["customers_new"] + row["customers_reactivated"])
    ren = renewal_rate(subscriptions, period=(start, end), as_of=as_of).iloc[0]
    due, renewed = int(ren["contracts_due"]), int(ren["contracts_renewed"])
    subs = subscriptions
    active = int(
        ((subs["interval"] == "year") & (subs["start"] < end) & (subs["end"].isna() | (subs["end"] >= end))).sum()
    )
    moves = mrr_movements(subscriptions, as_of=as_of, by_customer=True)
    up = moves[(moves["period"] == start) & (moves["movement"] == "expansion")]
    expansion = float(sum(float(a) for a in up["amount"]))
    addon = expansion / len(up) if len(up) else 0.0
    return [
        Pair("churn_added", added / base, lost / base, "pct", {"added": added, "lost": lost, "start": base}),
        Pair(
            "renewal_inverted",
            active / renewed if renewed else np.nan,
            renewed / due if due else np.nan,
            "pct",
            {"active": active, "renewed": renewed, "due": due},
        ),
        Pair(
            "expansion_multiplied",
            addon * base,
            expansion,
            "money",
            {"addon": addon, "start": base, "expanding": len(up)},
        ),
    ]


def mrr_users_x_spend(subscriptions: pd.DataFrame, at: str | pd.Timestamp) -> dict[str, float]:
    """The wrong "MRR = users x average spend": paying customers x the mean amount of their subscriptions.

    Annual amounts go in undivided and a customer with two boxes counts once, which is why the result is
    nowhere near the MRR; the right number is :func:`kpikit.subscriptions.mrr`.

    Parameters
    ----------
    subscriptions : DataFrame
        Canonical ``subscriptions`` table.
    at : str or Timestamp
        The boundary (a month's first day): subscriptions with start < at <= end count.

    Returns
    -------
    dict
        ``users``, ``average_spend``, ``value`` (users x average spend).
    """
    at = pd.Timestamp(at)
    subs = subscriptions
    active = subs[(subs["start"] < at) & (subs["end"].isna() | (subs["end"] >= at)) & (subs["amount"] > 0)]
    users = int(active["customer_id"].nunique())
    average = float(active["amount"].mean()) if len(active) else 0.0
    return {"users": users, "average_spend": average, "value": users * average}


def nps_from_yes_no(scores: Sequence[float] | pd.Series, yes_from: int = 7) -> dict[str, float]:
    """The wrong "NPS from yes/no answers": % yes - % no, on 0-10 answers read as yes/no.

    A "would you recommend us, yes or no?" survey cannot tell promoters from passives: here each 0-10
    answer at or above ``yes_from`` is read as the yes it would have been. The right number is
    :func:`kpikit.satisfaction.nps` on the 0-10 answers.

    Parameters
    ----------
    scores : sequence of float
        Answers on the 0-10 scale.
    yes_from : int
        The lowest answer read as "yes".

    Returns
    -------
    dict
        ``n``, ``yes``, ``no`` (counts) and ``value`` (100 x (yes - no) / n).
    """
    s = pd.Series(scores, dtype="float64").dropna()
    if s.empty:
        raise KpiDataError("no answers to read as yes/no.")
    yes = int((s >= yes_from).sum())
    no = int(len(s) - yes)
    return {"n": int(len(s)), "yes": yes, "no": no, "value": 100.0 * (yes - no) / len(s)}


def naive_clv(monthly_value: float, months_per_year: int = 12, years: float = 5.0) -> float:
    """The articles' CLV: a monthly amount x 12 x an assumed number of years (100 x 12 x 5 = 6,000).

    Revenue, not margin; every customer staying the whole time; a pound in five years worth a pound
    today. :func:`kpikit.workshop.clv_steps` adds what it leaves out, one step at a time.

    Parameters
    ----------
    monthly_value : float
        Revenue per customer per month.
    months_per_year : int
        Months in a year.
    years : float
        The assumed lifespan.

    Returns
    -------
    float

    Examples
    --------
    >>> naive_clv(100)
    6000.0
    """
    return float(monthly_value) * months_per_year * years


def averaged_rate(rates: Iterable[float]) -> float:
    """The wrong site-wide rate: the plain mean of per-page (or per-segment) rates.

    A page with 30 sessions weighs as much as one with 5,000; the right number pools the counts
    (bounces / sessions over every page, :func:`kpikit.web.bounce_rate`).

    Parameters
    ----------
    rates : iterable of float
        The rates of the pages.

    Returns
    -------
    float

    Examples
    --------
    >>> averaged_rate([0.9, 0.3])
    0.6
    """
    values = np.asarray(list(rates), dtype=float)
    if values.size == 0:
        raise KpiDataError("no rates to average.")
    return float(values.mean())


def nps_mistake(scores: Sequence[float] | pd.Series, yes_from: int = 7) -> Pair:
    """NPS from yes/no answers against the NPS of the same 0-10 answers (:func:`kpikit.satisfaction.nps`).

    Parameters
    ----------
    scores : sequence of float
        Answers on the 0-10 scale.
    yes_from : int
        The lowest answer read as "yes".

    Returns
    -------
    Pair
        ``nps_yes_no``: yes, no, n, promoters and detractors as its fields.
    """
    from kpikit.satisfaction import nps

    yes_no = nps_from_yes_no(scores, yes_from)
    right = nps(pd.Series(scores, dtype="float64").dropna())
    counts = right.counts or {}
    fields = {**yes_no, "promoters": counts.get("promoters", 0), "detractors": counts.get("detractors", 0)}
    return Pair("nps_yes_no", yes_no["value"], right.value, "num1", fields)


def mrr_mistake(subscriptions: pd.DataFrame, period: str | pd.Timestamp) -> Pair:
    """The "MRR = users x average spend" against the MRR at the end of a month (:func:`kpikit.subscriptions.mrr`).

    Parameters
    ----------
    subscriptions : DataFrame
        Canonical ``subscriptions`` table.
    period : str or Timestamp
        The month's first day: both numbers are at its end.

    Returns
    -------
    Pair
        ``mrr_users_x_spend``.
    """
    from kpikit.subscriptions import mrr

    start, end = _boundaries(subscriptions, period)
    table = mrr(subscriptions).set_index("period")
    if start not in table.index:
        raise KpiDataError(f"period {period!r} is not a month of the data.")
    wrong = mrr_users_x_spend(subscriptions, end)
    right = float(table.loc[start, "mrr"])
    return Pair(
        "mrr_users_x_spend",
        wrong["value"],
        right,
        "money",
        {"users": wrong["users"], "average": wrong["average_spend"]},
    )


def averaged_pages_mistake(pages: pd.DataFrame) -> Pair:
    """The mean of page bounce rates against the pooled rate, from a landing-page report's rows.

    Parameters
    ----------
    pages : DataFrame
        One row per page with ``sessions``, ``bounces`` and ``bounce_rate``
        (:func:`kpikit.web.read_landing_page_report`, or :func:`kpikit.web.bounce_rate` by page).

    Returns
    -------
    Pair
        ``averaged_pages``.
    """
    bounces, sessions = int(pages["bounces"].sum()), int(pages["sessions"].sum())
    wrong = averaged_rate(pages["bounce_rate"])
    return Pair(
        "averaged_pages",
        wrong,
        bounces / sessions,
        "pct",
        {"pages": len(pages), "bounces": bounces, "sessions": sessions},
    )


def ua_vs_ga4_mistake(sessions: pd.DataFrame) -> Pair:
    """The Universal Analytics bounce rate read as GA4's, against GA4's on the same sessions.

    Parameters
    ----------
    sessions : DataFrame
        Sessions built by :func:`kpikit.web.sessions_from_events` (they carry both rules' columns).

    Returns
    -------
    Pair
        ``ua_vs_ga4``.
    """
    from kpikit.web import bounce_rate

    ua = bounce_rate(sessions, definition="ua").iloc[0]
    ga4 = bounce_rate(sessions, definition="ga4").iloc[0]
    fields = {
        "ua_bounces": int(ua["bounces"]),
        "ua_sessions": int(ua["sessions"]),
        "ga4_bounces": int(ga4["bounces"]),
        "sessions": int(ga4["sessions"]),
    }
    return Pair("ua_vs_ga4", float(ua["bounce_rate"]), float(ga4["bounce_rate"]), "pct", fields)


def last_touch_mistake(touchpoints: pd.DataFrame, channel: str) -> Pair:
    """A channel's share of conversions under last touch alone, against the data-driven Markov model.

    Parameters
    ----------
    touchpoints : DataFrame
        Canonical ``touchpoints`` table.
    channel : str
        The channel.

    Returns
    -------
    Pair
        ``last_touch_only``.
    """
    from kpikit.attribution import attribute

    shares = {m: attribute(touchpoints, model=m).set_index("channel")["share"] for m in ("last_touch", "markov")}
    if channel not in shares["last_touch"].index:
        raise KpiDataError(f"no channel {channel!r} among the converting journeys' touches.")
    return Pair(
        "last_touch_only",
        float(shares["last_touch"][channel]),
        float(shares["markov"][channel]),
        "pct",
        {"channel": channel},
    )


def censoring_mistake(lifetimes: pd.DataFrame) -> Pair:
    """The median lifetime of churned customers only, against the Kaplan-Meier median of everyone.

    Parameters
    ----------
    lifetimes : DataFrame
        :func:`kpikit.subscriptions.customer_lifetimes` (``duration``, ``churned``), or a part of it.

    Returns
    -------
    Pair
        ``churned_only`` (months).
    """
    from kpikit.survival import kaplan_meier

    gone = lifetimes.loc[lifetimes["churned"], "duration"]
    km = kaplan_meier(lifetimes["duration"], lifetimes["churned"])
    fields = {"churned": len(gone), "customers": len(lifetimes), "censored": int((~lifetimes["churned"]).sum())}
    return Pair("churned_only", float(gone.median()), float(km.medians["median"].iloc[0]), "num1", fields)


def clv_mistake(arpa: float, churn_rate: float, gross_margin: float, years: float = 5.0) -> Pair:
    """The "ARPA x 12 x 5" against the subscription LTV, ARPA x margin / churn (:func:`kpikit.subscriptions.subscription_ltv`).

    Parameters
    ----------
    arpa : float
        Average revenue per account per month.
    churn_rate : float or Rate
        Monthly churn.
    gross_margin : float
        Gross margin.
    years : float
        The lifespan the naive formula assumes.

    Returns
    -------
    Pair
        ``clv_naive``.
    """
    from kpikit.subscriptions import subscription_ltv

    right = subscription_ltv(arpa, churn_rate, gross_margin=gross_margin).value
    fields = {"arpa": float(arpa), "years": years, "margin": gross_margin, "churn": float(churn_rate)}
    return Pair("clv_naive", naive_clv(arpa, years=years), float(right), "money", fields)


def _rates(social: pd.DataFrame, per: str) -> pd.Series:
    from kpikit.social import engagement_rate

    return engagement_rate(social, per=per).set_index("brand")["engagement_rate"]


def vanity_mistake(social: pd.DataFrame, client: str, competitor: str) -> Pair:
    """A competitor's followers as a multiple of the client's, against its engagement per reach as a multiple.

    Parameters
    ----------
    social : DataFrame
        Canonical ``social`` table.
    client : str
        The client's brand.
    competitor : str
        The competitor's brand.

    Returns
    -------
    Pair
        ``vanity_followers`` (ratios competitor / client).
    """
    from kpikit.social import awareness

    followers = awareness(social).set_index("brand")["followers_end"]
    rates = _rates(social, "reach")
    for brand in (client, competitor):
        if brand not in rates.index:
            raise KpiDataError(f"no brand {brand!r} in the social table; brands: {', '.join(rates.index)}.")
    wrong = float(followers[competitor] / followers[client])
    return Pair(
        "vanity_followers",
        wrong,
        float(rates[competitor] / rates[client]),
        "ratio",
        {"client": client, "competitor": competitor},
    )


def denominator_mistake(social: pd.DataFrame, client: str, competitor: str) -> Pair:
    """The client's engagement per reach over a competitor's per follower-post, against both per reach.

    Parameters
    ----------
    social : DataFrame
        Canonical ``social`` table.
    client : str
        The client's brand.
    competitor : str
        The competitor's brand.

    Returns
    -------
    Pair
        ``per_follower_vs_reach`` (ratios client / competitor).
    """
    reach, followers = _rates(social, "reach"), _rates(social, "followers")
    for brand in (client, competitor):
        if brand not in reach.index:
            raise KpiDataError(f"no brand {brand!r} in the social table; brands: {', '.join(reach.index)}.")
    wrong = float(reach[client] / followers[competitor])
    return Pair(
        "per_follower_vs_reach",
        wrong,
        float(reach[client] / reach[competitor]),
        "ratio",
        {"client": client, "competitor": competitor},
    )
