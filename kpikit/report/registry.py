"""The KPI registry: every KPI a notebook records, with its label, unit, format, direction and period.

One place decides how a KPI reads everywhere (the report's cards and tables, index.html, summary.csv):
a bounce rate is a ``share`` shown as "44.7% (43.5–45.8)", lower is better, measured over the report's
analysis period; an ARPA is ``money`` in the report's currency. ``rep.kpi`` refuses a name that is not
here, and a test fails when a sample notebook records a KPI without an entry.

Units: ``share`` (a fraction of 1, shown as %), ``money`` (the report's currency), ``count``,
``duration`` (months), ``ratio`` (2.6x), ``score`` (NPS -100..100, CES 1..7), ``number`` (a model
parameter, a dispersion factor), ``p_value`` (p and q values) and ``text`` (a label or a setting).

Shapes: ``value`` (one figure, possibly a Rate or Score with its interval), ``by_segment`` (segment ->
figure), ``fields`` (a structured result: an A/B test, a comparison; field -> figure), ``records``
(a list of rows) and ``list`` (a list of labels).

Periods: ``data`` (the span of the data read), ``analysis`` (the report's analysis period; the data
period where a report has none), ``last_period`` (the last complete month or quarter), ``renewal``
(the renewal period reported), ``horizon`` (from a base date to a later one: retention, forecasts),
``holdout`` (a model's holdout months) and ``none`` (a setting or a label). ``rep.kpi(..., period=...)``
names the actual period; the kind is the default.
"""

from __future__ import annotations

from dataclasses import dataclass

from kpikit.errors import did_you_mean

__all__ = ["KpiSpec", "KPIS", "UNITS", "SHAPES", "PERIODS", "DIRECTIONS", "kpi_spec"]

UNITS = ("share", "money", "count", "duration", "ratio", "score", "number", "p_value", "text")
SHAPES = ("value", "by_segment", "fields", "records", "list")
PERIODS = ("data", "analysis", "last_period", "renewal", "horizon", "holdout", "none")
DIRECTIONS = ("higher", "lower", "neither")

#: The format spec (kpikit.i18n) of each unit's values.
UNIT_FORMATS = {
    "share": "pct",
    "money": "money",
    "count": "int",
    "duration": "num1",
    "ratio": "ratio",
    "score": "num1",
    "number": "num",
    "p_value": "p",
    "text": "",
}


@dataclass(frozen=True)
class KpiSpec:
    """One KPI of the registry.

    ``label`` is a catalogue key (``kpi.<name>``); ``format`` a format spec of :mod:`kpikit.i18n`
    (``pct``, ``money``, ``signed``, ...); ``direction`` says whether higher is better ("higher"),
    worse ("lower") or neither; ``period`` is the kind of period it covers (see the module notes).
    """

    name: str
    unit: str
    direction: str = "neither"
    period: str = "data"
    shape: str = "value"
    format: str = ""

    def __post_init__(self) -> None:
        for field, allowed in (
            ("unit", UNITS),
            ("direction", DIRECTIONS),
            ("period", PERIODS),
            ("shape", SHAPES),
        ):
            if getattr(self, field) not in allowed:
                raise ValueError(f"KPI {self.name!r}: {field} must be one of {allowed}")
        if not self.format:
            object.__setattr__(self, "format", UNIT_FORMATS[self.unit])

    @property
    def label(self) -> str:
        """The catalogue key of the KPI's label."""
        return f"kpi.{self.name}"


def _k(name: str, unit: str, direction: str = "neither", period: str = "data", **kw: str) -> tuple[str, KpiSpec]:
    return name, KpiSpec(name, unit, direction, period, **kw)


#: Every KPI a notebook records, by name (the key in kpis.json).
KPIS: dict[str, KpiSpec] = dict(
    [
        # the data folder (00)
        _k("tables_loaded", "count", period="none"),
        _k("rows_loaded", "count", period="none"),
        _k("months_covered", "count"),
        _k("reports_ready", "count", "higher", "none"),
        # web (00, 01) and funnels (02)
        _k("sessions", "count", period="analysis"),
        _k("bounce_rate", "share", "lower", "analysis"),
        _k("engagement_rate", "share", "higher", "analysis"),
        _k("session_conversion_rate", "share", "higher", "analysis"),
        _k("bounce_rate_change", "share", "lower", "analysis", shape="fields", format="pp"),
        _k("weeks_outside_control_limits", "count", "lower", "analysis"),
        _k("fix_list", "text", period="analysis", shape="records"),
        _k("device_gaps_flagged", "text", period="analysis", shape="list"),
        _k("largest_device_gap", "share", "lower", "analysis", shape="fields", format="pp"),
        _k("period", "text", period="none"),
        _k("definition", "text", period="none"),
        _k("leads", "count", "higher"),
        _k("lead_to_customer_rate", "share", "higher"),
        _k("lead_to_customer", "share", "higher", "analysis"),
        _k("funnel_conversion", "share", "higher", "analysis"),
        _k("biggest_leak_step", "text", period="analysis"),
        _k("largest_period_change", "share", "higher", "analysis", shape="fields", format="pp"),
        _k("ab_test", "share", "higher", "analysis", shape="fields", format="pp"),
        _k("cac_blended", "money", "lower", "analysis"),
        _k("cac_paid", "money", "lower", "analysis"),
        _k("cac_payback_months", "duration", "lower", "analysis"),
        # subscriptions (00, 03)
        _k("mrr_period", "text", period="none", format="month"),
        _k("mrr", "money", "higher", "last_period"),
        _k("paying_customers", "count", "higher", "last_period"),
        _k("logo_churn", "share", "lower", "last_period"),
        _k("mrr_end", "money", "higher", "last_period"),
        _k("customer_churn_monthly", "share", "lower"),
        _k("churn_by_interval", "share", "lower", shape="by_segment"),
        _k("churn_by_plan", "share", "lower", shape="by_segment"),
        _k("grr", "share", "higher", "horizon"),
        _k("nrr", "share", "higher", "horizon"),
        _k("renewal_rate", "share", "higher", "renewal"),
        _k("ltv", "money", "higher", "last_period"),
        _k("ltv_no_margin", "money", "higher", "last_period"),
        _k("arpa", "money", "higher", "last_period"),
        _k("sbg_alpha", "number", period="none"),
        _k("sbg_beta", "number", period="none"),
        _k("sbg_holdout_max_error", "share", "lower", "holdout"),
        # customer success (00, 03)
        _k("nps", "score", "higher", format="signed"),
        _k("csat", "share", "higher"),
        _k("ces_mean", "score", "higher"),
        _k("ces_share_5_7", "share", "higher"),
        _k("fcr", "share", "higher"),
        _k("detractor_vs_promoter_churn_ratio", "ratio"),
        _k("detractor_q_value", "p_value"),
        _k("reopened_vs_smooth_churn_ratio", "ratio"),
        _k("reopened_q_value", "p_value"),
        # customer lifetime value (04)
        _k("historical_clv", "money", "higher"),
        _k("mean_clv", "money", "higher", "horizon"),
        _k("total_clv", "money", "higher", "horizon"),
        _k("share_probably_gone", "share", "lower"),
        _k("model", "text", period="none"),
        _k("purchase_params", "number", period="none", shape="fields"),
        _k("spend_params", "number", period="none", shape="fields"),
        _k("purchase_model_identified", "text", period="none"),
        _k("spend_model_identified", "text", period="none"),
        _k("model_caveat", "text", period="none"),
        _k("sbg_identified", "text", period="none"),
        _k("holdout_actual", "count", period="holdout", format="num"),
        _k("holdout_predicted", "count", period="holdout", format="num"),
        _k("holdout_relative_error", "share", "lower", "holdout"),
        _k("clv_by_channel", "money", "higher", "horizon", shape="by_segment"),
        _k("lowest_clv_channel", "text", period="horizon"),
        _k("ltv_cac", "ratio", "higher", "horizon", shape="by_segment"),
        _k("lowest_ltv_cac", "ratio", "higher", "horizon"),
        _k("payback_months", "duration", "lower", "horizon", shape="by_segment"),
        # social and benchmarking (05)
        _k("client", "text", period="none"),
        _k("engagement_per", "text", period="none"),
        _k("share_of_voice", "share", "higher", "analysis"),
        _k("audience_growth_rate", "share", "higher", "analysis"),
        _k("most_followed_brand", "text", period="analysis"),
        _k("vanity_gap_brands", "text", period="analysis", shape="list"),
        _k("client_vs_most_followed", "share", "higher", "analysis", shape="fields", format="pp"),
        _k("dispersion", "number", period="none"),
        _k("scorecard", "text", period="analysis", shape="by_segment"),
        _k("engagement_vs_peers", "share", "higher", "analysis", shape="fields", format="pp"),
        _k("industry", "text", period="none", shape="records"),
        _k("engagement_vs_industry", "share", "higher", "analysis", shape="fields"),
    ]
)


def kpi_spec(name: str) -> KpiSpec:
    """The registry entry of a KPI.

    Parameters
    ----------
    name : str
        The KPI's name (its key in kpis.json).

    Returns
    -------
    KpiSpec

    Raises
    ------
    ValueError
        For a name without an entry (add one to ``KPIS`` and its label to the catalogues).

    Examples
    --------
    >>> kpi_spec("grr").unit, kpi_spec("grr").direction
    ('share', 'higher')
    """
    if name not in KPIS:
        raise ValueError(
            f"KPI {name!r} is not in the registry (kpikit.report.registry.KPIS){did_you_mean(name, list(KPIS))}"
        )
    return KPIS[name]
