"""Customer lifetime value: historical and predictive CLV, acquisition cost, LTV:CAC and payback."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd

from kpikit.clv.base import _SUMMARY_FIX
from kpikit.clv.beta_geo import BetaGeo
from kpikit.clv.gamma_gamma import GammaGamma
from kpikit.clv.pareto_nbd import ParetoNBD
from kpikit.clv.rfm import DAYS_PER, _validated_transactions
from kpikit.errors import KpiDataError
from kpikit.schemas import require_columns

__all__ = [
    "MONTH_DAYS",
    "historical_clv",
    "customer_lifetime_value",
    "new_customer_value",
    "payback_period",
    "new_customer_values",
    "ltv_cac",
]


#: Days in a month when CLV periods are months: the mean Gregorian month, 365.25 / 12 = 30.4375
#: (``kpikit.stats.periods.GRAINS["M"].days``). lifetimes counts 30-day months, which gives a CLV about
#: 1.5% lower over 12 months; pass ``month_days=30`` to match it.
MONTH_DAYS = DAYS_PER["M"]

#: Months in each month-based CLV period.
_MONTHS = {"M": 1, "Q": 3, "Y": 12}


def _period_days(freq: str, month_days: float) -> float:
    """Days in one CLV period of ``freq``: month-based periods count ``month_days`` a month."""
    if not 28 <= month_days <= 31:
        raise KpiDataError(
            f"month_days is the length of a month in days, between 28 and 31 (got {month_days}); "
            f"{MONTH_DAYS} is the mean calendar month, 30 the convention of lifetimes."
        )
    return _MONTHS[freq] * float(month_days) if freq in _MONTHS else DAYS_PER[freq]


def historical_clv(
    transactions: pd.DataFrame,
    lifespan_years: float = 3.0,
    margin: float = 1.0,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str = "amount",
    refunds: Literal["refuse", "net"] = "refuse",
) -> dict:
    """The popular formula: average order value x purchases per customer per year x lifespan x margin.

    aov = revenue / orders; purchase_frequency = orders / customers / observed years (first to last
    transaction in the table); clv = aov x purchase_frequency x lifespan_years x margin. Undiscounted,
    with a lifespan chosen by hand and every customer treated as active for all of it: it is shown
    next to the model-based CLV to teach its limits.

    Parameters
    ----------
    transactions : DataFrame
        Canonical ``transactions`` table: customer_id, timestamp (tz-naive UTC), amount (>= 0; negative
        amounts only with ``refunds="net"``).
    lifespan_years : float
        Expected customer lifespan in years, chosen by hand (> 0).
    margin : float
        Gross margin as a fraction of revenue, in (0, 1].
    customer_col, time_col, amount_col : str
        Column names.
    refunds : {"refuse", "net"}
        Negative amounts: refused (default), or netted against the same customer's latest earlier
        purchases as :func:`rfm_summary` does (orders refunded in full no longer count).

    Returns
    -------
    dict
        customers, orders, revenue, years_observed, aov, purchase_frequency (orders per customer per
        year), lifespan_years, margin, clv.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [10.0, 30.0, 20.0],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-07-01", "2024-12-31"])})
    >>> round(historical_clv(tx, lifespan_years=2)["clv"], 2)  # 20 x (3 orders / 2 customers / (365 / 365.25) years) x 2
    60.04
    """
    tx = _validated_transactions(transactions, customer_col, time_col, amount_col, refunds=refunds)
    if lifespan_years <= 0 or not 0 < margin <= 1:
        raise KpiDataError("lifespan_years must be positive and margin in (0, 1].")
    span_days = (tx[time_col].max() - tx[time_col].min()) / pd.Timedelta(days=1)
    years = max(span_days, 1.0) / 365.25
    orders = len(tx)
    customers = int(tx[customer_col].nunique())
    revenue = float(tx[amount_col].sum())
    aov = revenue / orders
    pf = orders / customers / years
    return {
        "customers": customers,
        "orders": orders,
        "revenue": revenue,
        "years_observed": years,
        "aov": aov,
        "purchase_frequency": pf,
        "lifespan_years": float(lifespan_years),
        "margin": float(margin),
        "clv": aov * pf * lifespan_years * margin,
    }


def _model_unit(summary, model, unit) -> str:
    u = unit or (summary.attrs.get("unit") if summary is not None else None) or getattr(model, "unit_", None)
    if u is None:
        raise KpiDataError(
            "The summary's time unit is unknown (no attrs['unit']): pass unit='D' or 'W' (the unit the model "
            "was fitted in)."
        )
    if u not in DAYS_PER:
        raise KpiDataError(f"unit {u!r} is not supported for CLV periods; use one of {sorted(DAYS_PER)}.")
    return u


def _check_clv_args(horizon, freq, discount_rate, margin):
    if int(horizon) != horizon or horizon < 1:
        raise KpiDataError(f"horizon must be a positive whole number of {freq!r} periods (got {horizon}).")
    if freq not in DAYS_PER:
        raise KpiDataError(f"freq {freq!r} is not supported; use one of {sorted(DAYS_PER)}.")
    if not 0 <= discount_rate < 1:
        raise KpiDataError(f"discount_rate is a rate per period in [0, 1) (got {discount_rate}); 0.01 = 1% a month.")
    if not 0 < margin <= 1:
        raise KpiDataError(f"margin is the gross margin as a fraction in (0, 1] (got {margin}).")


def customer_lifetime_value(
    purchase_model: BetaGeo | ParetoNBD,
    spend_model: GammaGamma,
    summary: pd.DataFrame,
    horizon: int = 12,
    freq: str = "M",
    discount_rate: float = 0.01,
    margin: float = 1.0,
    unit: str | None = None,
    month_days: float = MONTH_DAYS,
) -> pd.DataFrame:
    """Discounted expected margin of each customer's future purchases over a horizon.

    CLV_i = margin x E[Z_i] x sum_{k=1..horizon} (E[Y_i(k)] - E[Y_i(k-1)]) / (1 + d)^k

    with E[Y_i(k)] the conditional expected purchases by the end of period k (periods of ``freq``,
    converted to the model's time unit with 7 days a week and ``month_days`` days a month), E[Z_i] the
    Gamma-Gamma expected spend and d the discount rate per period (end-of-period discounting). This is
    the residual value of existing customers; the value of a new customer is :func:`new_customer_value`.

    The month is a convention: kpikit's default is the mean calendar month, 365.25 / 12 = 30.4375 days;
    lifetimes' ``customer_lifetime_value`` counts 30-day months, so its 12-month CLV covers 360 days
    instead of 365.25 and comes out about 1.5% lower (``month_days=30`` reproduces it).

    The result's ``attrs`` carry the identification verdict of both models (``identified``: a dict
    purchases/spend -> bool; ``caveat``: the verdict of those that are not; ``models``: their names),
    which :func:`findings` reads.

    Parameters
    ----------
    purchase_model : BetaGeo or ParetoNBD
        Fitted on the same kind of summary.
    spend_model : GammaGamma
        Fitted.
    summary : DataFrame
        RFM summary (from :func:`rfm_summary`) of the customers to value.
    horizon : int
        Number of ``freq`` periods.
    freq : {"D", "W", "M", "Q", "Y"}
        Period of the horizon and of the discount rate.
    discount_rate : float
        Discount rate per period (0.01 a month is about 12.7% a year).
    margin : float
        Gross margin as a fraction of revenue (1.0 = revenue).
    unit : str, optional
        Time unit of the summary; defaults to ``summary.attrs["unit"]``.
    month_days : float
        Days in a month when ``freq`` is "M", "Q" (3 months) or "Y" (12 months): 30.4375 (the mean
        calendar month, default) or 30 (lifetimes' convention).

    Returns
    -------
    DataFrame
        Same index as ``summary``: the customer column(s) kept (any non-model column), p_alive,
        expected_purchases (over the horizon), expected_spend, clv.

    References
    ----------
    Fader, Hardie and Lee (2005), "RFM and CLV: using iso-value curves for customer base analysis",
    Journal of Marketing Research 42(4) (discounted expected transactions).

    Examples
    --------
    >>> customer_lifetime_value(bgf, ggf, summary, horizon=12, freq="M")  # doctest: +SKIP
    """
    _check_clv_args(horizon, freq, discount_rate, margin)
    u = _model_unit(summary, purchase_model, unit)
    step = _period_days(freq, month_days) / DAYS_PER[u]
    k = np.arange(1, int(horizon) + 1)
    cum = np.column_stack(
        [np.zeros(len(summary))] + [purchase_model.predict_purchases(step * i, summary).to_numpy() for i in k]
    )
    per_period = np.diff(cum, axis=1)
    disc = (1.0 + discount_rate) ** -k
    spend = spend_model.expected_spend(summary).to_numpy()
    keep = [
        c
        for c in summary.columns
        if c not in ("frequency", "recency", "T", "monetary_value") and not str(c).endswith("_holdout")
    ]
    out = summary[keep].copy()
    out["p_alive"] = purchase_model.probability_alive(summary).to_numpy()
    out["expected_purchases"] = cum[:, -1]
    out["expected_spend"] = spend
    out["clv"] = margin * spend * (per_period @ disc)
    out.attrs = dict(summary.attrs)
    out.attrs["month_days"] = float(month_days) if freq in _MONTHS else None
    models = {"purchases": purchase_model, "spend": spend_model}
    out.attrs["identified"] = {k: bool(getattr(m, "identified_", True)) for k, m in models.items()}
    out.attrs["caveat"] = " ".join(m.verdict() for k, m in models.items() if not out.attrs["identified"][k])
    out.attrs["models"] = {k: getattr(m, "_label", type(m).__name__) for k, m in models.items()}
    return out


def new_customer_value(
    purchase_model: BetaGeo | ParetoNBD,
    spend_model: GammaGamma,
    first_order_value: float,
    horizon: int = 24,
    freq: str = "M",
    discount_rate: float = 0.01,
    margin: float = 1.0,
    unit: str | None = None,
    month_days: float = MONTH_DAYS,
) -> pd.DataFrame:
    """Cumulative discounted margin of a newly acquired customer, period by period.

    value(k) = margin x [first_order_value + E[Z] sum_{j<=k} (E[X(j)] - E[X(j-1)]) / (1 + d)^j]

    with E[X] the expected repeat purchases of a new customer and E[Z] = p v / (q - 1) the population
    mean spend. The first order is counted undiscounted at acquisition.

    Parameters
    ----------
    purchase_model : BetaGeo or ParetoNBD
        Fitted (or given) purchase model.
    spend_model : GammaGamma
        Fitted (or given) spend model.
    first_order_value : float
        Value of the acquisition order.
    horizon : int
        Number of ``freq`` periods.
    freq : {"D", "W", "M", "Q", "Y"}
        Period of the horizon and of the discount rate.
    discount_rate : float
        Discount rate per period.
    margin : float
        Gross margin as a fraction of revenue, in (0, 1].
    unit : str, optional
        Time unit of the purchase model; defaults to its ``unit_``.
    month_days : float
        Days in a month for month-based periods (see :func:`customer_lifetime_value`).

    Returns
    -------
    DataFrame
        One row per period 0..horizon: period, expected_purchases (cumulative repeat purchases),
        cumulative_value.
    """
    _check_clv_args(horizon, freq, discount_rate, margin)
    u = _model_unit(None, purchase_model, unit)
    step = _period_days(freq, month_days) / DAYS_PER[u]
    k = np.arange(0, int(horizon) + 1)
    ex = np.asarray(purchase_model.expected_purchases_new(step * k), dtype=float)
    inc = np.diff(ex, prepend=0.0)
    value = margin * (first_order_value + spend_model.mean_spend() * np.cumsum(inc * (1.0 + discount_rate) ** -k))
    return pd.DataFrame({"period": k, "expected_purchases": ex, "cumulative_value": value})


def payback_period(curve: pd.DataFrame, cac: float) -> float:
    """First period at which a new customer's cumulative value covers the CAC (NaN if not within the curve).

    Linear interpolation inside the period; 0 when the first order alone covers the CAC.

    Parameters
    ----------
    curve : DataFrame
        The frame of :func:`new_customer_value` (period, cumulative_value).
    cac : float
        Acquisition cost per new customer.

    Returns
    -------
    float
        Periods (months for a monthly curve) until payback, or NaN.
    """
    v = curve["cumulative_value"].to_numpy(dtype=float)
    p = curve["period"].to_numpy(dtype=float)
    if cac <= v[0]:
        return 0.0
    hit = np.flatnonzero(v >= cac)
    if hit.size == 0:
        return math.nan
    j = int(hit[0])
    return float(p[j - 1] + (cac - v[j - 1]) / (v[j] - v[j - 1]) * (p[j] - p[j - 1]))


def _as_series(obj, value: str):
    """A Series by segment from a Series, or from a frame whose first column is the segment (``value`` column)."""
    if obj is None or isinstance(obj, pd.Series):
        return obj
    if isinstance(obj, pd.DataFrame):
        require_columns(obj, [value], "segment table", fix=f"Pass a segment column and a {value!r} column.")
        key = [c for c in obj.columns if c != value][0]
        return obj.set_index(key)[value]
    return pd.Series(obj)


def _years(cac) -> float | None:
    """Years of the acquisition period of a CAC table (``attrs`` start and end), or None."""
    attrs = getattr(cac, "attrs", {}) or {}
    if "start" not in attrs or "end" not in attrs:
        return None
    return (pd.Timestamp(attrs["end"]) - pd.Timestamp(attrs["start"])) / pd.Timedelta(days=365.25)


def new_customer_values(
    purchase_model: BetaGeo | ParetoNBD,
    spend_model: GammaGamma,
    summary: pd.DataFrame,
    by: str | None = None,
    cac: pd.Series | float | None = None,
    horizon: int = 24,
    freq: str = "M",
    discount_rate: float = 0.01,
    margin: float = 1.0,
    unit: str | None = None,
    month_days: float = MONTH_DAYS,
) -> pd.DataFrame:
    """Value at the horizon and CAC payback of a new customer, per segment.

    For each segment of ``summary[by]`` (or all customers) the curve of :func:`new_customer_value`
    with the segment's mean first order (``first_value``); returns its value at the horizon (``ltv``)
    and, when ``cac`` is given, the payback period. The repeat-purchase and spend models are shared by
    all segments: only the first order differs here, so segment differences in repeat behaviour show
    in :func:`clv_by_segment`, not here.

    Parameters
    ----------
    purchase_model : BetaGeo or ParetoNBD
        Fitted purchase model.
    spend_model : GammaGamma
        Fitted spend model.
    summary : DataFrame
        RFM summary with ``first_value`` (and the ``by`` column).
    by : str, optional
        Segment column (e.g. "channel"); None for all customers as one segment "all".
    cac : DataFrame, Series or float, optional
        CAC per segment: the table of ``kk.acquisition.channel_cac`` (the kit's one CAC), a Series by
        segment, or one CAC for all.
    horizon : int
        Number of ``freq`` periods.
    freq : {"D", "W", "M", "Q", "Y"}
        Period of the horizon and of the discount rate.
    discount_rate : float
        Discount rate per period.
    margin : float
        Gross margin as a fraction of revenue, in (0, 1].
    unit : str, optional
        Time unit of the summary; defaults to ``summary.attrs["unit"]``.
    month_days : float
        Days in a month for month-based periods (see :func:`customer_lifetime_value`).

    Returns
    -------
    DataFrame
        segment, customers, first_order_value, ltv, payback_months (NaN without a CAC or when the
        value does not reach it within the horizon); ``attrs``: horizon and freq.
    """
    require_columns(summary, ["first_value"] + ([by] if by else []), "summary", fix=_SUMMARY_FIX)
    if by is None:
        g = pd.DataFrame({"seg": "all", "v": summary["first_value"]}).groupby("seg")["v"]
    else:
        g = summary.groupby(by, sort=True, observed=True)["first_value"]
    fov = g.mean()
    base = new_customer_value(
        purchase_model,
        spend_model,
        0.0,
        horizon,
        freq,
        discount_rate,
        margin,
        unit or summary.attrs.get("unit"),
        month_days,
    )
    repeat = base["cumulative_value"].to_numpy()
    cac = _as_series(cac, "cac") if isinstance(cac, pd.DataFrame) else cac
    if cac is None:
        cac_s = pd.Series(np.nan, index=fov.index)
    elif isinstance(cac, pd.Series):
        cac_s = cac.astype(float).reindex(fov.index)
    else:
        cac_s = pd.Series(float(cac), index=fov.index)
    paybacks = []
    for seg, v in fov.items():  # one curve per segment (a handful), not per customer
        c = cac_s.get(seg)
        if c is None or not np.isfinite(c):
            paybacks.append(math.nan)
            continue
        paybacks.append(payback_period(base.assign(cumulative_value=repeat + margin * v), float(c)))
    out = pd.DataFrame(
        {
            "segment": fov.index.astype(str),
            "customers": g.size().to_numpy(),
            "first_order_value": fov.to_numpy(),
            "ltv": repeat[-1] + margin * fov.to_numpy(),
            "payback_months": paybacks,
        }
    )
    out.attrs = {"horizon": int(horizon), "freq": freq}
    return out


def ltv_cac(
    ltv: float | pd.Series | pd.DataFrame,
    cac: float | pd.Series | pd.DataFrame,
    payback: float | pd.Series | None = None,
    min_customers: int = 30,
) -> pd.DataFrame:
    """LTV:CAC ratio per segment (or overall) with the rule-of-thumb flag.

    ratio = ltv / cac. The common rule of thumb (Skok, "SaaS metrics 2.0") asks for LTV:CAC >= 3 and a
    CAC payback under 12 months; ``meets_rule`` says whether both hold (the payback part only when
    payback is known). Segments without a CAC (organic channels) are left out. When ``ltv`` is the
    frame of :func:`new_customer_values`, each segment's customers are kept and segments with fewer
    than ``min_customers`` are flagged ``small_sample`` (the findings and headline KPIs leave them out).

    CAC comes from ``kk.acquisition`` (the kit's one definition of CAC): pass the table of
    ``kk.acquisition.channel_cac``, which also brings each channel's new customers over its period
    (the table's ``new_customers`` column, and ``attrs["years"]``, the period in years), from which
    :func:`findings` counts what a channel gains or loses a year. Channels with spend and no new customer
    (CAC unknown) are left out, as are segments without a CAC.

    Parameters
    ----------
    ltv : float, Series indexed by segment, or the frame of :func:`new_customer_values`
        Value of a newly acquired customer (the frame brings its payback_months and customers too).
    cac : DataFrame, float or Series indexed by segment
        Acquisition cost per new customer: the table of ``kk.acquisition.channel_cac`` (segment in its
        first column), a Series by segment, or one CAC for all.
    payback : float or Series, optional
        Payback periods (months), when ``ltv`` is not the frame.
    min_customers : int
        Segments with fewer customers are flagged ``small_sample`` (only with the frame).

    Returns
    -------
    DataFrame
        segment, ltv, cac, ltv_cac, payback_months, meets_rule; with the frame of
        :func:`new_customer_values` customers and small_sample; with a CAC table new_customers (of
        its period). ``attrs``: years (the CAC table's period in years, else None), given (a CAC
        given for every segment, else None) and horizon (of the LTV, from :func:`new_customer_values`).

    Examples
    --------
    >>> ltv_cac(pd.Series({"Paid Search": 90.0}), pd.Series({"Paid Search": 30.0}))["ltv_cac"].tolist()
    [3.0]
    """
    customers, horizon = None, getattr(ltv, "attrs", {}).get("horizon")
    if isinstance(ltv, pd.DataFrame):
        require_columns(ltv, ["segment", "ltv"], "ltv", fix="Pass the frame of kpikit.clv.new_customer_values.")
        frame = ltv.set_index("segment")
        if payback is None and "payback_months" in frame:
            payback = frame["payback_months"]
        customers = frame["customers"] if "customers" in frame else None
        ltv = frame["ltv"]
    ltv_s = ltv if isinstance(ltv, pd.Series) else pd.Series([float(ltv)], index=["all"])
    acquired, years, given = None, _years(cac), (getattr(cac, "attrs", {}) or {}).get("given")
    if isinstance(cac, pd.DataFrame):
        table = cac[np.isfinite(cac["cac"].astype(float))]
        acquired = table.set_index(table.columns[0])["new_customers"] if "new_customers" in table else None
        cac = _as_series(table, "cac")
    if isinstance(cac, pd.Series):
        keep = [i for i in ltv_s.index if i in cac.index]
        if not keep:
            raise KpiDataError(
                f"ltv_cac: no segment has both an LTV and a CAC (LTV: {', '.join(map(str, ltv_s.index))}; "
                f"CAC: {', '.join(map(str, cac.index))})."
            )
        ltv_s = ltv_s.loc[keep]
        cac_s = cac.astype(float).reindex(ltv_s.index)
    else:
        cac_s = pd.Series(float(cac), index=ltv_s.index)
    if (cac_s <= 0).any() or cac_s.isna().any():
        bad = [str(i) for i in cac_s.index[(cac_s <= 0) | cac_s.isna()]]
        raise KpiDataError(f"ltv_cac: no positive CAC for segment(s) {', '.join(bad)}; pass a CAC for each.")
    if payback is None:
        pbv = np.full(len(ltv_s), np.nan)
    elif isinstance(payback, pd.Series):
        pbv = payback.reindex(ltv_s.index).to_numpy(dtype=float)
    else:
        pbv = np.full(len(ltv_s), float(payback))
    ratio = ltv_s.to_numpy(dtype=float) / cac_s.to_numpy(dtype=float)
    # payback unknown counts as failing only when it was asked for but not reached within the horizon
    pay_ok = np.where(np.isnan(pbv), payback is None, pbv <= 12)
    out = pd.DataFrame(
        {
            "segment": ltv_s.index.astype(str),
            "ltv": ltv_s.to_numpy(dtype=float),
            "cac": cac_s.to_numpy(dtype=float),
            "ltv_cac": ratio,
            "payback_months": pbv,
            "meets_rule": (ratio >= 3) & pay_ok,
        }
    )
    if customers is not None:
        n = customers.reindex(ltv_s.index).to_numpy()
        out.insert(1, "customers", n)
        out["small_sample"] = n < min_customers
    if acquired is not None:
        out.insert(2 if customers is not None else 1, "new_customers", acquired.reindex(ltv_s.index).to_numpy())
    out.attrs = {"years": years, "given": given, "horizon": horizon}
    return out
