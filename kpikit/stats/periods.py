"""The one table of period grains (``freq``) that every kpikit function accepts.

A period grain is written as a pandas alias. Clients and analysts write the same grain several ways
("MS", "M", "ME" all mean calendar months), so every module reads ``freq`` through :func:`period_code`
and never keeps its own list:

========  =====================================  ======  ===========  ============
grain     aliases                                code    start alias  per year
========  =====================================  ======  ===========  ============
day       D                                      D       D            364 (52 weeks)
week      W, W-SUN (weeks ending Sunday)         W       W-MON        52
month     MS, M, ME                              M       MS           12
quarter   QS, Q, QE                              Q       QS           4
year      YS, Y, YE, AS, A                       Y       YS           1
========  =====================================  ======  ===========  ============

``code`` is the pandas ``Period`` frequency used to bucket timestamps; a bucket is labelled by its
first instant (``period_start``), whatever alias was used. "Per year" is the step to the same period
one year earlier; for days it is 364 so that a weekday compares with the same weekday.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kpikit.errors import KpiDataError

__all__ = ["Grain", "GRAINS", "period_code", "grain", "period_start", "periods_per_year", "start_alias"]


@dataclass(frozen=True)
class Grain:
    """One period grain: its name, pandas Period code, period-start alias, periods per year and mean length.

    ``days`` is the mean length in days over the Gregorian calendar (365.25 days a year): a month is
    30.4375 days, the unit kpikit's CLV models use for "per month" (some tools use 30).
    """

    name: str
    code: str
    start_alias: str
    per_year: int
    days: float


GRAINS: dict[str, Grain] = {
    "D": Grain("day", "D", "D", 364, 1.0),
    "W": Grain("week", "W", "W-MON", 52, 7.0),
    "M": Grain("month", "M", "MS", 12, 365.25 / 12),
    "Q": Grain("quarter", "Q", "QS", 4, 365.25 / 4),
    "Y": Grain("year", "Y", "YS", 1, 365.25),
}

_ALIASES: dict[str, str] = {
    "D": "D",
    "W": "W",
    "W-SUN": "W",
    "MS": "M",
    "M": "M",
    "ME": "M",
    "QS": "Q",
    "Q": "Q",
    "QE": "Q",
    "YS": "Y",
    "Y": "Y",
    "YE": "Y",
    "AS": "Y",
    "A": "Y",
}


def period_code(freq: str, name: str = "freq") -> str:
    """The canonical grain code ("D", "W", "M", "Q" or "Y") of a period alias.

    Parameters
    ----------
    freq : str
        A period alias from the table in this module's docstring ("MS", "QE", "W", ...).
    name : str
        The parameter's name, for the error message.

    Returns
    -------
    str
        One of "D", "W", "M", "Q", "Y".

    Raises
    ------
    KpiDataError
        When ``freq`` is not a known alias; the message lists the accepted ones.

    Examples
    --------
    >>> period_code("MS"), period_code("QE"), period_code("W")
    ('M', 'Q', 'W')
    """
    code = _ALIASES.get(freq) if isinstance(freq, str) else None
    if code is None:
        raise KpiDataError(
            f"{name} must be a period alias: {', '.join(_ALIASES)} (got {freq!r}). "
            f"Use 'MS' for months, 'QS' for quarters, 'YS' for years."
        )
    return code


def grain(freq: str, name: str = "freq") -> Grain:
    """The :class:`Grain` of a period alias (see :func:`period_code`).

    Parameters
    ----------
    freq : str
        A period alias.
    name : str
        The parameter's name, for the error message.

    Returns
    -------
    Grain
    """
    return GRAINS[period_code(freq, name)]


def period_start(times: pd.Series, freq: str, name: str = "freq") -> pd.Series:
    """The first instant of each timestamp's period (a month's first day, a week's Monday, ...).

    Parameters
    ----------
    times : Series of datetime64
        Timestamps.
    freq : str
        A period alias.
    name : str
        The parameter's name, for the error message.

    Returns
    -------
    Series of datetime64
        Period starts, same index as ``times``.

    Examples
    --------
    >>> s = pd.Series(pd.to_datetime(["2025-02-14", "2025-05-31"]))
    >>> period_start(s, "QE").dt.strftime("%Y-%m-%d").tolist()
    ['2025-01-01', '2025-04-01']
    """
    return times.dt.to_period(period_code(freq, name)).dt.start_time


def periods_per_year(freq: str, name: str = "freq") -> int:
    """How many periods of ``freq`` step back one year (364 days, 52 weeks, 12 months, 4, 1).

    Parameters
    ----------
    freq : str
        A period alias.
    name : str
        The parameter's name, for the error message.

    Returns
    -------
    int
    """
    return grain(freq, name).per_year


def start_alias(freq: str, name: str = "freq") -> str:
    """The pandas offset alias whose dates are period starts ("MS" for any month alias, ...).

    Parameters
    ----------
    freq : str
        A period alias.
    name : str
        The parameter's name, for the error message.

    Returns
    -------
    str
    """
    return grain(freq, name).start_alias
