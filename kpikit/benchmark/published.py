"""Published industry figures bundled with the kit, for a client folder without its own benchmarks table.

Each row is a figure a named source published, with its year (left empty, and said in the note, where
the source states none), its unit and what it measures; rates are fractions. They are the same figures
the sample's ``benchmarks.csv`` holds. A client's own ``benchmarks`` table (figures from its industry
association, a paid panel) replaces them entirely.

Their limits are the report's to state, and :func:`kpikit.benchmark.against_industry` states them:
undated rows are left out unless asked for, and a figure older than the report's ``max_age_years`` or
measured under another definition (Google Analytics' 2011 average bounce rate uses Universal
Analytics' definition) is shown as context only, without a better/worse verdict.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["published_benchmarks"]

_HUBSPOT = "HubSpot, average bounce rates by site type (compilation published as an infographic)"
_HUBSPOT_NOTE = "published as a {} range (p25/p75 hold its ends; value is the range midpoint); the source states no publication year"
_MAILCHIMP = "Mailchimp, Email Marketing Benchmarks by industry (data last updated October 2019)"
_RIVAL_IQ = "Rival IQ, Social Media Industry Benchmark Report"
_RECURLY = "Recurly Research, Churn Rate Benchmarks (recurly.com/research/churn-rate-benchmarks)"
_RECURLY_NOTE = (
    "monthly churn rate reported for the segment, from a sample of 1,500+ subscription sites over 19 months; "
    "the page states no publication year"
)
_NAN = np.nan

# metric, segment, source, p25, p50, p75, value, n, year, unit, note
_ROWS = [
    ("bounce_rate", "all sites", "Google Analytics Benchmarking Newsletter", _NAN, _NAN, _NAN, 0.47, _NAN, 2011,
     "fraction of sessions", "average across participating sites; Universal Analytics definition"),
    ("bounce_rate", "retail", _HUBSPOT, 0.20, _NAN, 0.40, 0.30, _NAN, _NAN, "fraction of sessions",
     _HUBSPOT_NOTE.format("20-40%")),
    ("bounce_rate", "lead generation", _HUBSPOT, 0.30, _NAN, 0.50, 0.40, _NAN, _NAN, "fraction of sessions",
     _HUBSPOT_NOTE.format("30-50%")),
    ("bounce_rate", "landing pages", _HUBSPOT, 0.70, _NAN, 0.90, 0.80, _NAN, _NAN, "fraction of sessions",
     _HUBSPOT_NOTE.format("70-90%")),
    ("email_open_rate", "all non-labeled accounts", _MAILCHIMP, _NAN, _NAN, _NAN, 0.2271, _NAN, 2019,
     "fraction of delivered emails", "average unique open rate; accounts that set no industry"),
    ("email_click_rate", "all non-labeled accounts", _MAILCHIMP, _NAN, _NAN, _NAN, 0.0291, _NAN, 2019,
     "fraction of delivered emails", "average click rate; accounts that set no industry"),
    ("social_engagement_rate", "TikTok", _RIVAL_IQ, _NAN, 0.0569, _NAN, _NAN, _NAN, 2022,
     "engagements per post per follower", "median across industries"),
    ("social_engagement_rate", "Instagram", _RIVAL_IQ, _NAN, 0.0047, _NAN, _NAN, _NAN, 2022,
     "engagements per post per follower", "median across industries"),
    ("social_engagement_rate", "Facebook", _RIVAL_IQ, _NAN, 0.0006, _NAN, _NAN, _NAN, 2022,
     "engagements per post per follower", "median across industries"),
    ("monthly_churn_rate", "B2B subscriptions", _RECURLY, _NAN, _NAN, _NAN, 0.0491, _NAN, _NAN,
     "fraction of subscribers per month", _RECURLY_NOTE),
    ("monthly_churn_rate", "B2C subscriptions", _RECURLY, _NAN, _NAN, _NAN, 0.0677, _NAN, _NAN,
     "fraction of subscribers per month", _RECURLY_NOTE),
]  # fmt: skip


def published_benchmarks() -> pd.DataFrame:
    """The kit's bundled published figures, as a canonical ``benchmarks`` table.

    Returns
    -------
    DataFrame
        metric, segment, source, p25, p50, p75, value, n, year, unit, note (rates as fractions);
        ``attrs["source"]`` names the table in messages.

    References
    ----------
    Google Analytics Benchmarking Newsletter (2011); HubSpot, average bounce rates by site type;
    Mailchimp, Email Marketing Benchmarks (2019); Rival IQ, Social Media Industry Benchmark Report
    (2022); Recurly Research, Churn Rate Benchmarks.

    Examples
    --------
    >>> b = published_benchmarks()
    >>> b.loc[b["segment"] == "Instagram", ["metric", "p50", "year"]].values.tolist()
    [['social_engagement_rate', 0.0047, 2022]]
    """
    cols = ["metric", "segment", "source", "p25", "p50", "p75", "value", "n", "year", "unit", "note"]
    out = pd.DataFrame(_ROWS, columns=cols)
    out["n"] = pd.array(out["n"], dtype="Int64")
    out["year"] = pd.array(out["year"], dtype="Int64")
    out.attrs["source"] = "the kit's published figures (kk.benchmark.published_benchmarks)"
    return out
