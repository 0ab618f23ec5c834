"""The names of the metrics the kit benchmarks, as readers say them, in every language.

A benchmark frame holds a metric's name as the code or the scorecard wrote it ("bounce_rate",
"engagement rate (per reach)"); findings and client tables show it through :func:`metric_name`, a
:class:`~kpikit.i18n.Finding` whose template is the English name (so each language's catalogue of
finding templates translates it). A name the kit does not know (a metric of the client's own
benchmarks table) is shown as it is.
"""

from __future__ import annotations

from kpikit.i18n import Finding

__all__ = ["metric_name", "METRIC_NAMES"]

#: Every metric name the kit's benchmarking writes -> its name in words (a translatable template).
METRIC_NAMES: dict[str, Finding] = {
    # published benchmarks (kk.benchmark.published_benchmarks) and the client KPIs compared with them
    "bounce_rate": Finding("bounce rate"),
    "monthly_churn_rate": Finding("monthly customer churn rate"),
    "nps": Finding("Net Promoter Score"),
    "social_engagement_rate": Finding("social engagement rate per post per follower"),
    "email_open_rate": Finding("email open rate"),
    "email_click_rate": Finding("email click rate"),
    # the competitor scorecard (kk.social.scorecard_metrics)
    "engagement rate (per reach)": Finding("engagement rate (per reach)"),
    "engagement rate (per impression)": Finding("engagement rate (per impression)"),
    "engagement rate (per follower, per post)": Finding("engagement rate (per follower, per post)"),
    "applause rate (per reach)": Finding("applause rate (per reach)"),
    "applause rate (per impression)": Finding("applause rate (per impression)"),
    "applause rate (per follower, per post)": Finding("applause rate (per follower, per post)"),
    "conversation rate (per reach)": Finding("conversation rate (per reach)"),
    "conversation rate (per impression)": Finding("conversation rate (per impression)"),
    "conversation rate (per follower, per post)": Finding("conversation rate (per follower, per post)"),
    "amplification rate (per reach)": Finding("amplification rate (per reach)"),
    "amplification rate (per impression)": Finding("amplification rate (per impression)"),
    "amplification rate (per follower, per post)": Finding("amplification rate (per follower, per post)"),
    "click-through rate (clicks / impressions)": Finding("click-through rate (clicks / impressions)"),
    "conversion rate (conversions / clicks)": Finding("conversion rate (conversions / clicks)"),
    "share of voice": Finding("share of voice"),
    "audience growth rate": Finding("audience growth rate"),
    "followers": Finding("followers"),
    "reach": Finding("reach"),
    "impressions": Finding("impressions"),
    "mentions": Finding("mentions"),
}


def metric_name(name: str) -> Finding:
    """A metric's name in words, as a translatable :class:`~kpikit.i18n.Finding` (``.text(lang)``).

    Parameters
    ----------
    name : str
        The metric as a frame holds it ("bounce_rate", "share of voice").

    Returns
    -------
    Finding
        The kit's name of it; an unknown name as it is, in every language.

    Examples
    --------
    >>> metric_name("bounce_rate").text("vi"), str(metric_name("checkout rate"))
    ('tỷ lệ thoát', 'checkout rate')
    """
    known = METRIC_NAMES.get(str(name))
    return known if known is not None else Finding("{metric_name}", {"metric_name": str(name)})
