"""All sample tables from one seed."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from kpikit.sample.config import _Config, _config
from kpikit.sample.customers import _customers_box, _surveys, _tickets, _transactions
from kpikit.sample.marketing import _benchmarks, _leads, _social, _spend, _touchpoints
from kpikit.sample.web import _web

__all__ = ["make_tables"]


def _build(cfg: _Config) -> dict[str, pd.DataFrame]:
    # one child generator per table, so that changing one table's code leaves the others unchanged
    names = ("web", "leads", "touchpoints", "spend", "subs", "tickets", "surveys", "transactions", "social")
    rngs = dict(zip(names, (np.random.default_rng(s) for s in np.random.SeedSequence(cfg.seed).spawn(len(names)))))
    events, sessions = _web(rngs["web"], cfg)
    leads = _leads(rngs["leads"], cfg, events)
    touch = _touchpoints(rngs["touchpoints"], cfg, np.sort(sessions["user_id"].unique().astype(object)))
    spend = _spend(rngs["spend"], cfg)
    subs, latent = _customers_box(rngs["subs"], cfg)
    tickets = _tickets(rngs["tickets"], cfg, subs, latent)
    surveys = _surveys(rngs["surveys"], cfg, subs, latent, tickets)
    tx = _transactions(rngs["transactions"], cfg)
    social = _social(rngs["social"], cfg)
    return {
        "events": events,
        "sessions": sessions,
        "leads": leads,
        "touchpoints": touch,
        "spend": spend,
        "subscriptions": subs,
        "transactions": tx,
        "surveys": surveys,
        "tickets": tickets,
        "social": social,
        "benchmarks": _benchmarks(),
    }


def make_tables(
    seed: int = 42,
    client: str = "Juniper Box",
    start: str = "2024-01-01",
    months: int = 18,
    sessions: int = 20_000,
    effects: bool | Mapping[str, float] = True,
) -> dict[str, pd.DataFrame]:
    """Build every canonical table of the sample business in memory.

    Same arguments and same content as :func:`generate`, without writing files. Timestamps are
    tz-naive UTC ``datetime64[ns]``; stage, end and reopen times that did not happen are ``NaT``.

    Parameters
    ----------
    seed : int
        Seed of the numpy generator; the same seed gives the same tables.
    client : str
        Name of the business (the client brand in ``social``).
    start : str
        First day of the observation window (a date).
    months : int
        Length of the window in months (at least 6; the checkout leak covers its last 4 months).
    sessions : int
        Number of web sessions (users are about 60% of sessions).
    effects : bool or dict
        ``True``: every effect of :data:`EFFECTS` as planted; ``False``: none; a dict
        ``{effect: scale}`` scales the named effects (0 = absent, 1 = planted), others planted.

    Returns
    -------
    dict of str to DataFrame
        Table name -> frame, for the names in :data:`TABLES`.

    Examples
    --------
    >>> t = make_tables(seed=1, sessions=2_000)  # doctest: +SKIP
    >>> t["sessions"]["engaged"].mean().round(2)  # doctest: +SKIP
    """
    return _build(_config(seed, client, start, months, sessions, effects))
