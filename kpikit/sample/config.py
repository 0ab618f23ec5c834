"""The sample business (site, channels, plans, planted effects) and the checked settings of one generation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["EFFECTS", "TABLES", "EXPORTS", "CHANNELS", "COMPETITORS"]


#: Canonical tables written by :func:`generate`, in this order.
TABLES: tuple[str, ...] = (
    "events",
    "sessions",
    "leads",
    "touchpoints",
    "spend",
    "subscriptions",
    "transactions",
    "surveys",
    "tickets",
    "social",
    "benchmarks",
)


#: Client-export files written beside the canonical tables (name -> file name).
EXPORTS: dict[str, str] = {
    "ga4_bigquery_events": "ga4_bigquery_events.jsonl",
    "ua_landing_pages": "ua_landing_pages.csv",
    "ga4_landing_pages": "ga4_landing_pages.csv",
}


#: The planted effects, each scalable from 0 (absent) to 1 (as planted).
EFFECTS: dict[str, str] = {
    "mobile_bounce_gap": "/landing/spring-sale bounces ~75% on mobile vs ~35% on desktop (GA4)",
    "blog_bounce": "blog pages bounce ~70% (information pages) vs ~35-40% elsewhere",
    "ab_test": "spring-sale variant B converts ~6.3% of sessions vs ~5.0% for A",
    "checkout_leak": "begin_checkout -> purchase falls from ~65% to ~42% from the 4th-last month",
    "plan_churn": "monthly plans churn ~6-7% a month, annual plans ~25% at renewal",
    "nps_churn": "detractors (NPS 0-6) churn at about twice the promoters' monthly rate",
    "ticket_churn": "customers with support trouble (reopened tickets) churn ~1.8x as fast",
    "social_engagement": "Alder Crate: ~2.6x the client's followers, ~0.4x its engagement rate",
    "clv_channel": "Paid Social shop customers buy less often, drop out sooner, spend less",
    "attribution": "Paid Social opens journeys, Email and Direct close them",
}


#: GA4 default channel groups used throughout.
CHANNELS: tuple[str, ...] = (
    "Organic Search",
    "Direct",
    "Paid Search",
    "Paid Social",
    "Organic Social",
    "Email",
    "Referral",
)


COMPETITORS: tuple[str, ...] = ("Alder Crate", "Birch & Bloom", "Cedar Supply")


_SITE = "https://www.juniperbox.example"


_PRODUCTS = ("juniper-classic-box", "herbal-tea-set", "candle-trio", "gift-card")


_BLOGS = (
    "gift-ideas-for-her",
    "how-to-brew-loose-leaf-tea",
    "candle-care-guide",
    "subscription-box-vs-one-off",
)


_SPRING = "/landing/spring-sale"


# landing-page groups
_G_HOME, _G_SHOP, _G_PRODUCT, _G_BLOG, _G_CONTACT, _G_PRICING, _G_SPRING = range(7)


_GROUP_NAMES = ("home", "shop", "product", "blog", "contact", "pricing", "spring-sale")


_DEVICES = ("desktop", "mobile", "tablet")


_COUNTRIES = ("United Kingdom", "Ireland", "United States", "Germany", "France", "Netherlands")


_COUNTRY_P = (0.70, 0.08, 0.08, 0.05, 0.04, 0.05)


# channel -> (share of sessions, [(source, medium, weight)], P(device desktop, mobile, tablet),
#             P(landing group home, shop, product, blog, contact, pricing, spring-sale))
_CHANNEL_SPEC = {
    "Organic Search": (
        0.30,
        [("google", "organic", 0.85), ("bing", "organic", 0.10), ("duckduckgo", "organic", 0.05)],
        (0.50, 0.43, 0.07),
        (0.20, 0.12, 0.25, 0.33, 0.03, 0.07, 0.0),
    ),
    "Direct": (0.18, [("(direct)", "(none)", 1.0)], (0.52, 0.40, 0.08), (0.55, 0.15, 0.12, 0.03, 0.07, 0.08, 0.0)),
    "Paid Search": (
        0.12,
        [("google", "cpc", 0.85), ("bing", "cpc", 0.15)],
        (0.47, 0.46, 0.07),
        (0.10, 0.20, 0.17, 0.0, 0.0, 0.08, 0.45),
    ),
    "Paid Social": (
        0.12,
        [("facebook", "paid_social", 0.45), ("instagram", "paid_social", 0.40), ("tiktok", "paid_social", 0.15)],
        (0.22, 0.72, 0.06),
        (0.05, 0.12, 0.18, 0.0, 0.0, 0.0, 0.65),
    ),
    "Organic Social": (
        0.09,
        [("instagram.com", "referral", 0.5), ("facebook.com", "referral", 0.3), ("tiktok.com", "referral", 0.2)],
        (0.18, 0.77, 0.05),
        (0.15, 0.10, 0.25, 0.45, 0.0, 0.05, 0.0),
    ),
    "Email": (0.11, [("newsletter", "email", 1.0)], (0.45, 0.47, 0.08), (0.20, 0.30, 0.25, 0.10, 0.02, 0.05, 0.08)),
    "Referral": (
        0.08,
        [
            ("giftguide.example.com", "referral", 0.5),
            ("boxreviews.example.org", "referral", 0.3),
            ("parentingblog.example.net", "referral", 0.2),
        ],
        (0.50, 0.43, 0.07),
        (0.30, 0.15, 0.30, 0.15, 0.03, 0.07, 0.0),
    ),
}


_PLANS = {  # plan -> (interval, amount per interval)
    "Box Monthly": ("month", 29.00),
    "Box Plus Monthly": ("month", 45.00),
    "Box Annual": ("year", 299.00),
}


# --------------------------------------------------------------------------------------------
# the settings of one generation
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Config:
    """Checked arguments of :func:`make_tables` / :func:`generate`, with the dates derived from them."""

    seed: int
    client: str
    start: pd.Timestamp
    months: int
    sessions: int
    scale: dict[str, float]

    @property
    def end(self) -> pd.Timestamp:  # exclusive end of observation
        return self.start + pd.DateOffset(months=self.months)

    @property
    def days(self) -> int:
        return int((self.end - self.start).days)

    @property
    def leak_start(self) -> pd.Timestamp:
        return self.end - pd.DateOffset(months=4)

    @property
    def epoch(self) -> int:
        """Start of observation in Unix epoch seconds (GA4 ids count from the epoch)."""
        return int(self.start.timestamp())

    def s(self, name: str) -> float:
        return self.scale[name]

    def mix(self, name: str, null: float, planted: float) -> float:
        """Interpolate a parameter between its null and planted values by the effect's scale."""
        return null + self.scale[name] * (planted - null)


def _effect_scale(effects: bool | Mapping[str, float]) -> dict[str, float]:
    """Scale of every planted effect (0 = absent, 1 = planted) from ``effects`` as the user gave it."""
    if effects is True:
        return dict.fromkeys(EFFECTS, 1.0)
    if effects is False:
        return dict.fromkeys(EFFECTS, 0.0)
    if not isinstance(effects, Mapping):
        raise TypeError("effects must be True, False or a dict effect name -> scale (0..1).")
    unknown = sorted(set(effects) - set(EFFECTS))
    if unknown:
        raise ValueError(f"unknown effect(s) {unknown}; known effects: {sorted(EFFECTS)}.")
    scale = dict.fromkeys(EFFECTS, 1.0)
    for name, value in effects.items():
        value = float(value)
        if not 0.0 <= value <= 1.5:
            raise ValueError(f"effect scale for {name!r} must be between 0 and 1.5 (got {value}).")
        scale[name] = value
    return scale


def _config(
    seed: int,
    client: str,
    start: str | pd.Timestamp,
    months: int,
    sessions: int,
    effects: bool | Mapping[str, float],
) -> _Config:
    """Check the public arguments (ValueError naming the bad one) and freeze them into a :class:`_Config`."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer (got {seed!r}).")
    if int(months) < 6:
        raise ValueError(f"months must be at least 6 (got {months!r}): the checkout leak needs 4 months.")
    if int(sessions) < 1_000:
        raise ValueError(f"sessions must be at least 1000 (got {sessions!r}).")
    ts = pd.Timestamp(start)
    if ts != ts.normalize() or ts.tzinfo is not None:
        raise ValueError(f"start must be a naive date such as '2024-01-01' (got {start!r}).")
    return _Config(int(seed), str(client), ts, int(months), int(sessions), _effect_scale(effects))
