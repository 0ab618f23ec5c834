"""What each analysis notebook declares: its question, the tables it needs, the KPIs it records.

One spec per notebook feeds three things that must never disagree: the notebook's own data check
(``kk.report.start`` stops on a missing required table and turns a missing optional table into a
note), notebook 00's "which notebooks can this data feed" (:func:`notebook_coverage`), and the index's
question and KPIs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from kpikit.errors import did_you_mean

__all__ = ["NotebookSpec", "NOTEBOOKS", "notebook_spec", "notebook_coverage"]


@dataclass(frozen=True)
class NotebookSpec:
    """One notebook's declaration.

    ``title`` and ``question`` are catalogue keys (``notebook.<name>.title``); ``required`` is a tuple
    of groups, each a tuple of alternative tables (one of each group must load: ``(("events",
    "sessions"),)`` is "events or sessions"); ``optional`` maps a table to the catalogue keys of the
    sections that need it; ``kpis`` lists the KPI names the notebook records, in order.
    """

    name: str
    required: tuple[tuple[str, ...], ...]
    optional: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    kpis: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """The catalogue key of the report's title."""
        return f"notebook.{self.name}.title"

    @property
    def question(self) -> str:
        """The catalogue key of the question the report answers."""
        return f"notebook.{self.name}.question"

    @property
    def tables(self) -> list[str]:
        """Every table the notebook reads: required ones first, then optional ones."""
        out = [t for group in self.required for t in group]
        return out + [t for t in self.optional if t not in out]

    def section(self, section_id: str) -> str:
        """The catalogue key of one of the notebook's sections.

        Parameters
        ----------
        section_id : str
            The section's id (``nps_csat``).

        Returns
        -------
        str
        """
        return f"notebook.{self.name}.section.{section_id}"


def _spec(name: str, required: tuple, optional: dict | None = None, kpis: tuple = ()) -> tuple[str, NotebookSpec]:
    opt = {
        table: tuple(f"notebook.{name}.section.{s}" for s in sections) for table, sections in (optional or {}).items()
    }
    return name, NotebookSpec(name, required, opt, kpis)


#: The analysis notebooks, by file stem.
NOTEBOOKS: dict[str, NotebookSpec] = dict(
    [
        _spec(
            "00_data_overview",
            (),
            {},
            (
                "tables_loaded",
                "rows_loaded",
                "months_covered",
                "reports_ready",
                "sessions",
                "bounce_rate",
                "session_conversion_rate",
                "leads",
                "lead_to_customer_rate",
                "mrr_period",
                "mrr",
                "paying_customers",
                "logo_churn",
                "nps",
            ),
        ),
        _spec(
            "01_bounce_rate_diagnosis",
            (("events", "sessions"),),
            {"benchmarks": ("benchmark",)},
            (
                "period",
                "definition",
                "sessions",
                "bounce_rate",
                "engagement_rate",
                "session_conversion_rate",
                "bounce_rate_change",
                "weeks_outside_control_limits",
                "fix_list",
                "device_gaps_flagged",
                "largest_device_gap",
            ),
        ),
        _spec(
            "02_funnel_conversion",
            (("events",),),
            {
                "sessions": ("landing_pages",),
                "leads": ("crm_stages",),
                "social": ("social_journey",),
                "touchpoints": ("attribution", "acquisition"),
                "spend": ("acquisition",),
                "transactions": ("acquisition",),
                "subscriptions": ("acquisition",),
            },
            (
                "funnel_conversion",
                "biggest_leak_step",
                "largest_period_change",
                "lead_to_customer",
                "ab_test",
                "cac_blended",
                "cac_paid",
                "cac_payback_months",
            ),
        ),
        _spec(
            "03_churn_and_renewal",
            (("subscriptions",),),
            {"surveys": ("satisfaction", "indicators"), "tickets": ("support", "indicators")},
            (
                "mrr_end",
                "churn_by_interval",
                "churn_by_plan",
                "grr",
                "nrr",
                "renewal_rate",
                "sbg_alpha",
                "sbg_beta",
                "sbg_identified",
                "sbg_holdout_max_error",
                "nps",
                "csat",
                "ces_mean",
                "ces_share_5_7",
                "fcr",
                "detractor_vs_promoter_churn_ratio",
                "detractor_q_value",
                "reopened_vs_smooth_churn_ratio",
                "reopened_q_value",
                "customer_churn_monthly",
                "ltv",
                "ltv_no_margin",
                "arpa",
            ),
        ),
        _spec(
            "04_clv_forecasting",
            (("transactions",),),
            {"spend": ("ltv_cac",)},
            (
                "historical_clv",
                "mean_clv",
                "total_clv",
                "share_probably_gone",
                "model",
                "purchase_params",
                "spend_params",
                "purchase_model_identified",
                "spend_model_identified",
                "holdout_actual",
                "holdout_predicted",
                "holdout_relative_error",
                "clv_by_channel",
                "lowest_clv_channel",
                "ltv_cac",
                "payback_months",
                "lowest_ltv_cac",
            ),
        ),
        _spec(
            "05_competitor_benchmarking",
            (("social",),),
            {
                "benchmarks": ("own_benchmarks",),
                "sessions": ("own_kpis",),
                "subscriptions": ("own_kpis",),
                "surveys": ("own_kpis",),
            },
            (
                "client",
                "engagement_per",
                "dispersion",
                "scorecard",
                "engagement_vs_peers",
                "engagement_rate",
                "share_of_voice",
                "audience_growth_rate",
                "most_followed_brand",
                "vanity_gap_brands",
                "client_vs_most_followed",
                "industry",
                "engagement_vs_industry",
            ),
        ),
    ]
)


def notebook_spec(notebook: str) -> NotebookSpec:
    """The spec of a notebook, by its file name or stem ("03_churn_and_renewal[.ipynb]").

    Parameters
    ----------
    notebook : str
        The notebook's file name, path or stem.

    Returns
    -------
    NotebookSpec

    Raises
    ------
    ValueError
        For a notebook without a spec.
    """
    from pathlib import Path

    stem = Path(str(notebook)).name.removesuffix(".ipynb")
    if stem not in NOTEBOOKS:
        raise ValueError(
            f"no spec for notebook {stem!r} in kpikit.report.NOTEBOOKS{did_you_mean(stem, list(NOTEBOOKS))}"
        )
    return NOTEBOOKS[stem]


def notebook_coverage(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Which notebooks the loaded tables can feed: one row per analysis notebook of :data:`NOTEBOOKS`.

    A notebook is ready when one table of each of its required groups loaded (the same rule by which
    ``kk.report.start`` lets it run); notebook 00 itself is not listed.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Canonical tables that loaded, by name (:func:`kpikit.io.read_folder`); an empty or None table
        counts as absent, and so does a table that failed its checks (read_folder leaves it out).

    Returns
    -------
    DataFrame
        notebook, ready (bool), uses (tables present that it reads), missing (what it still needs,
        or optional tables that would enrich it).
    """
    present = {name for name, frame in tables.items() if frame is not None and len(frame)}
    rows = []
    for nb, spec in NOTEBOOKS.items():
        if not spec.required:
            continue
        ready = all(any(t in present for t in g) for g in spec.required)
        uses = sorted(set(spec.tables) & present)
        lacking = [" or ".join(g) for g in spec.required if not any(t in present for t in g)]
        optional = [t for t in spec.optional if t not in present]
        missing = "needs " + ", ".join(lacking) if lacking else ("would use " + ", ".join(optional) if optional else "")
        rows.append({"notebook": nb, "ready": ready, "uses": ", ".join(uses), "missing": missing})
    return pd.DataFrame(rows)
