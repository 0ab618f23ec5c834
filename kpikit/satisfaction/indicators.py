"""Churn per group of a leading indicator (NPS group, CSAT, support experience) against a reference."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as _st

from kpikit.errors import KpiDataError, describe_rows
from kpikit.i18n import has_key, t, term
from kpikit.schemas import require_columns
from kpikit.stats import fdr, newcombe_interval, rate_frame, two_proportion_ztest

__all__ = ["churn_by", "group_comparison", "MIN_CUSTOMERS"]

#: Smallest group (customers) that may be named as churning most in a finding.
MIN_CUSTOMERS = 30


def _names(by: str, group: str, lang: str) -> tuple[str, str]:
    """How a note names a group's customers ("detractors") and what the customers compared have ("an NPS answer").

    The kit's own groups and columns have catalogue entries (``satisfaction.group.<group>``,
    ``satisfaction.having.<column>``); a client's own labels are named as they are.
    """
    who = f"satisfaction.group.{group}"
    having = f"satisfaction.having.{by}"
    return (
        t(who, lang) if has_key(who) else t("satisfaction.other_group", lang, group=str(group)),
        t(having, lang) if has_key(having) else t("satisfaction.other_having", lang, by=by),
    )


def _customer_groups(
    customers: pd.DataFrame,
    by: str,
    churned: str,
    exposure: str | None,
    missing_label: str,
    missing: str,
    lang: str = "en",
) -> tuple[pd.DataFrame, int]:
    """Validate the customers frame and count per group: (groups, customers excluded).

    The groups frame has ``by``, customers, churned and (with ``exposure``) the summed exposure,
    one row per group with at least one customer.
    """
    need = [by, churned] + ([exposure] if exposure else [])
    for c in need:
        if c not in customers.columns:
            raise KpiDataError(f"customers has no column {c!r}; columns: {list(customers.columns)}.")
    ch = customers[churned]
    bad = ch.isna() | ~ch.isin([0, 1, True, False])
    if bad.any():
        raise KpiDataError(
            f"column {churned!r} must be True/False for every customer "
            f"({describe_rows(list(customers.index[bad]))} are not)."
        )
    if missing not in ("group", "exclude"):
        raise KpiDataError(f"missing must be 'group' or 'exclude' (got {missing!r}).")
    excluded = int(customers[by].isna().sum()) if missing == "exclude" else 0
    if excluded:
        customers = customers[customers[by].notna()]
        ch = ch[customers.index]
    key = customers[by]
    if isinstance(key.dtype, pd.CategoricalDtype):
        if key.isna().any() and missing_label not in key.cat.categories:
            key = key.cat.add_categories([missing_label])
        key = key.fillna(missing_label)
    else:
        key = key.astype("string").fillna(missing_label)
    f = pd.DataFrame({by: key, "churned": ch.astype(int)})
    if exposure:
        e = pd.to_numeric(customers[exposure], errors="coerce")
        bad = e.isna() | (e < 0)
        if bad.any():
            raise KpiDataError(
                f"column {exposure!r}: {int(bad.sum())} exposures are missing or negative "
                f"({describe_rows(list(customers.index[bad]))})."
            )
        f["exposure"] = e.to_numpy(dtype=float)
    agg = {"customers": ("churned", "size"), "churned": ("churned", "sum")}
    if exposure:
        agg["exposure"] = ("exposure", "sum")
    g = f.groupby(by, sort=True, observed=True).agg(**agg).reset_index()
    g = g[g["customers"] > 0].reset_index(drop=True)
    if g.empty:
        having = _names(by, "", lang)[1]
        raise KpiDataError(t("satisfaction.note.none_with_value", lang, n=len(customers) + excluded, having=having))
    return g, excluded


def _group_rates(g: pd.DataFrame, exposure: str | None, level: float) -> None:
    """Add churn_rate, ci_low, ci_high, small_sample: a Wilson share, or per exposure a Garwood interval."""
    if not exposure:
        rate_frame(g, "churned", "customers", "churn_rate", level=level)
        return
    k = g["churned"].to_numpy(dtype=float)
    ex = g["exposure"].to_numpy(dtype=float)
    if (ex <= 0).any():
        raise KpiDataError(f"Every group needs positive total {exposure!r}; a group has none.")
    alpha = 1 - level
    g["churn_rate"] = k / ex
    g["ci_low"] = np.where(k > 0, _st.chi2.ppf(alpha / 2, 2 * k) / 2, 0.0) / ex
    g["ci_high"] = _st.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2 / ex
    g["small_sample"] = k < 5


def _reference(g: pd.DataFrame, by: str, reference: str | None, lang: str = "en") -> str:
    """The reference group: as given, or the lowest churn among groups with a churned customer."""
    if reference is None:
        with_events = g[g["churned"] > 0]
        pool = with_events if not with_events.empty else g
        reference = pool.loc[pool["churn_rate"].idxmin(), by]
    labels = g[by].astype(object).to_numpy()
    if reference not in set(labels):
        who, having = _names(by, reference, lang)
        groups = ", ".join(term(str(x), lang) for x in labels)
        raise KpiDataError(t("satisfaction.note.no_reference", lang, who=who, having=having, groups=groups))
    return reference


def _compare(g: pd.DataFrame, is_ref: np.ndarray, exposure: bool, level: float) -> np.ndarray:
    """Add difference, diff_low, diff_high, ratio, ratio_low, ratio_high to the reference; return p-values.

    Shares: Newcombe's interval and the pooled z test for the difference, Katz's log interval for
    the ratio. Rates per exposure: a normal interval for the difference, a log-normal one for the rate
    ratio and the exact conditional (binomial) test.
    """
    ref = g[is_ref].iloc[0]
    k = g["churned"].to_numpy(dtype=float)
    k2 = np.float64(ref["churned"])
    z = float(_st.norm.ppf(0.5 + level / 2))
    g["difference"] = g["churn_rate"] - ref["churn_rate"]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = g["churn_rate"].to_numpy() / ref["churn_rate"]
        if exposure:
            ex = g["exposure"].to_numpy(dtype=float)
            se = np.sqrt(1 / k + 1 / k2)
            e2 = float(ref["exposure"])
            g["diff_low"] = g["difference"] - z * np.sqrt(k / ex**2 + k2 / e2**2)
            g["diff_high"] = g["difference"] + z * np.sqrt(k / ex**2 + k2 / e2**2)
            p = np.array(
                [
                    _st.binomtest(int(ki), int(ki + k2), ei / (ei + e2)).pvalue if ki + k2 > 0 else 1.0
                    for ki, ei in zip(k, ex)  # one test per group (a handful), not per customer
                ]
            )
        else:
            n1, n2 = g["customers"].to_numpy(dtype=float), float(ref["customers"])
            se = np.sqrt(1 / k - 1 / n1 + 1 / k2 - 1 / n2)
            lo, hi = newcombe_interval(k, n1, k2, n2, level)
            g["diff_low"], g["diff_high"] = lo, hi
            p = two_proportion_ztest(k, n1, k2, n2)[1]
        g["ratio"] = ratio
        g["ratio_low"] = np.where((k > 0) & (k2 > 0), ratio * np.exp(-z * se), np.nan)
        g["ratio_high"] = np.where((k > 0) & (k2 > 0), ratio * np.exp(z * se), np.nan)
    return p


def churn_by(
    customers: pd.DataFrame,
    by: str,
    churned: str = "churned",
    exposure: str | None = None,
    reference: str | None = None,
    missing_label: str = "(none)",
    missing: Literal["group", "exclude"] = "group",
    level: float = 0.95,
    min_customers: int = MIN_CUSTOMERS,
    lang: str = "en",
) -> pd.DataFrame:
    """Churn per group of a leading indicator, each group compared with a reference group.

    Two measures:

    - ``exposure=None``: churn share = churned customers / customers in the group (Wilson interval);
      difference to the reference with Newcombe's interval and a pooled two-proportion z test; ratio
      with the Katz log interval.
    - ``exposure="months"`` (a column of time at risk per customer, e.g. the ``duration`` of
      ``kk.subscriptions.customer_lifetimes``): churn rate per unit of exposure = churned / sum of
      exposure (exact Poisson interval, Garwood 1936), rate ratio to the reference with a log-normal
      interval and the exact conditional test (given k1 + k2 events, k1 ~ Binomial(k1 + k2,
      e1 / (e1 + e2)) under equal rates). This removes the bias of groups observed for different
      lengths of time; prefer it when tenure differs.

    The reference defaults to the group with the lowest churn among groups with at least one churned
    customer (a ratio to zero is undefined). p-values of all comparisons get
    Benjamini-Hochberg q-values. Customers without a value of ``by`` (e.g. never surveyed) form the
    ``missing_label`` group with ``missing="group"``; with ``missing="exclude"`` they are left out
    and their number is in ``result.attrs["excluded"]`` (they often differ: customers who churn
    early are never surveyed, so comparing them with respondents mixes two questions).

    Parameters
    ----------
    customers : DataFrame
        One row per customer with the group column, the churned flag and optionally the exposure
        (e.g. ``customer_lifetimes`` merged with :func:`customer_scores` and :func:`support_profile`).
    by : str
        The group column (e.g. "nps_group", "csat_group", "support_experience").
    churned : str
        The True/False churn column.
    exposure : str, optional
        A column of time at risk per customer: rates per unit of it instead of shares.
    reference : str, optional
        The group every other group is compared with (default: the lowest churn, see above).
    missing_label : str
        Label of the group of customers without a value of ``by``.
    missing : {"group", "exclude"}
        Keep customers without a value of ``by`` as their own group, or leave them out.
    level : float
        Confidence level of every interval.
    min_customers : int
        Groups of fewer customers are flagged ``small_sample`` (as are groups with fewer than five
        churned customers): shown, never named in a finding as churning most.
    lang : str
        The language of the message when no customer has a value or the reference group is absent
        (a report's note).

    Returns
    -------
    DataFrame
        [by], customers, churned, (exposure,) churn_rate, ci_low, ci_high, small_sample, reference,
        difference, diff_low, diff_high, ratio, ratio_low, ratio_high, p_value, q_value.

    Raises
    ------
    KpiDataError
        When no customer has a value of ``by``, or the reference group is absent.

    References
    ----------
    Newcombe (1998); Katz et al. (1978), Biometrics 34 (ratio interval); Garwood (1936),
    Biometrika 28 (Poisson interval); Przyborowski and Wilenski (1940) (conditional rate test).

    Examples
    --------
    >>> c = pd.DataFrame({"g": ["a"] * 100 + ["b"] * 100, "churned": [1] * 30 + [0] * 70 + [1] * 15 + [0] * 85})
    >>> r = churn_by(c, "g")
    >>> r[["g", "churned", "customers"]].values.tolist(), round(float(r["ratio"].iloc[0]), 2)
    ([['a', 30, 100], ['b', 15, 100]], 2.0)
    """
    if int(min_customers) != min_customers or min_customers < 1:
        raise KpiDataError(f"min_customers must be a whole number >= 1 (got {min_customers}).")
    g, excluded = _customer_groups(customers, by, churned, exposure, missing_label, missing, lang)
    _group_rates(g, exposure, level)
    g["small_sample"] = g["small_sample"] | (g["customers"] < min_customers)
    reference = _reference(g, by, reference, lang)
    is_ref = g[by].astype(object).to_numpy() == reference
    g["reference"] = str(reference)
    p = _compare(g, is_ref, bool(exposure), level)
    g["p_value"] = np.where(is_ref, np.nan, p)
    g["q_value"] = fdr(g["p_value"].to_numpy())
    g.attrs["measure"] = "per exposure" if exposure else "share"
    g.attrs["excluded"] = excluded
    g.attrs["min_customers"] = int(min_customers)
    return g


def group_comparison(table: pd.DataFrame, group: str, lang: str = "en") -> pd.Series:
    """One group's row of a :func:`churn_by` table, compared with its reference; a clear error when absent.

    Parameters
    ----------
    table : DataFrame
        The frame of :func:`churn_by`.
    group : str
        The group to read (e.g. "detractor" of ``nps_group``, "reopened" of ``support_experience``).
    lang : str
        The language of the message when the group cannot be compared (a report's note).

    Returns
    -------
    Series
        The group's row: customers, churned, churn_rate, ratio (to the reference), p_value, q_value, ...

    Raises
    ------
    KpiDataError
        When no customer is in the group, the group is the reference itself, or the reference lost no
        customer (the ratio is not defined).

    Examples
    --------
    >>> c = pd.DataFrame({"g": ["a"] * 100 + ["b"] * 100, "churned": [1] * 30 + [0] * 70 + [1] * 15 + [0] * 85})
    >>> round(float(group_comparison(churn_by(c, "g", reference="b"), "a")["ratio"]), 2)
    2.0
    """
    require_columns(table, ["reference", "ratio", "q_value"], "churn_by result", fix="Pass the frame of churn_by.")
    by = table.columns[0]
    rows = table[table[by].astype(str) == str(group)]
    who, having = _names(by, group, lang)
    reference = str(table["reference"].iloc[0])
    names = {"who": who, "reference": _names(by, reference, lang)[0]}
    if rows.empty:
        n = int(table["customers"].sum())
        raise KpiDataError(t("satisfaction.note.group_absent", lang, having=having, n=n, **names))
    row = rows.iloc[0]
    if str(group) == reference:
        text = t("satisfaction.note.group_is_reference", lang, who=who)
        raise KpiDataError(text[:1].upper() + text[1:])
    if not np.isfinite(float(row["ratio"])):
        counts = {"churned": int(row["churned"]), "customers": int(row["customers"])}
        raise KpiDataError(t("satisfaction.note.reference_no_churn", lang, **counts, **names))
    return row
