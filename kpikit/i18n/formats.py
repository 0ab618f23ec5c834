"""Numbers, money, shares and dates for a report's language, through Babel.

Every number a report shows goes through one of these functions, so one place decides that a share
reads "44.7%" in English and "44,7%" in Vietnamese, that VND has no minor unit ("1.234.568 ₫") and that
a p-value below 0.001 reads "< 0.001". The locale of each language is its catalogue's ``locale``
(``en`` -> ``en_GB``, ``vi`` -> ``vi_VN``, see :mod:`kpikit.i18n.catalogue`).

What no function ever returns: ``nan``, ``inf``, ``True``/``False`` or ``-0.0%``. A missing value is an
en dash ("–"), an infinite one the language's "n/a", and a value that rounds to zero has no sign.
"""

from __future__ import annotations

import copy
import datetime as _dt
import decimal
import math
import string
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from babel import Locale, dates, numbers

from kpikit.errors import KpiDataError
from kpikit.i18n.catalogue import language, t

__all__ = [
    "format_significant",
    "MISSING",
    "SPECS",
    "format_share",
    "format_pp",
    "format_money",
    "format_count",
    "format_number",
    "format_signed",
    "format_ratio",
    "format_p",
    "format_month",
    "format_date",
    "format_period",
    "format_interval",
    "format_value",
    "render_template",
]

#: What a missing value shows as, in every language.
MISSING = "–"


def _half_up():
    """Round halves up, as readers expect ("0.0565" reads 5.7%), not to even as Babel's default context does."""
    return decimal.localcontext(rounding=decimal.ROUND_HALF_UP)


def _locale(lang: str) -> Locale:
    return Locale.parse(language(lang)["locale"])


def _numbering(lang: str) -> str:
    return language(lang).get("numbering_system", "latn")


def _missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return bool(x != x)  # NaN, NaT, pd.NA (whose comparison raises)
    except TypeError:
        return True


def _special(x: Any, lang: str) -> str | None:
    """The text of a missing or infinite value, None for a finite number."""
    if _missing(x):
        return MISSING
    if isinstance(x, (int, float, Decimal)) or hasattr(x, "__float__"):
        f = float(x)
        if math.isinf(f):
            return t("ui.not_applicable", lang)
    return None


def _pattern(kind: str, lang: str, decimals: int):
    """The locale's decimal or percent pattern with exactly ``decimals`` fraction digits."""
    loc = _locale(lang)
    base = loc.percent_formats[None] if kind == "percent" else loc.decimal_formats[None]
    pattern = copy.copy(base)
    pattern.frac_prec = (decimals, decimals)
    return pattern, loc


def _clean_zero(x: float, scale: float, decimals: int) -> float:
    """``x`` with a value that rounds to zero made exactly 0 (no "-0.0%")."""
    return 0.0 if round(abs(x) * scale, decimals) == 0 else x


def _decimal(x: float, lang: str, decimals: int) -> str:
    pattern, loc = _pattern("decimal", lang, decimals)
    with _half_up():
        return pattern.apply(_clean_zero(float(x), 1, decimals), loc, numbering_system=_numbering(lang))


def format_share(x: Any, lang: str = "en", decimals: int = 1) -> str:
    """A share (a fraction of 1) as a percentage: 0.447 -> "44.7%" (en), "44,7%" (vi).

    Parameters
    ----------
    x : float
        The share; None or NaN gives "–".
    lang : str
        The report's language.
    decimals : int
        Digits after the decimal separator.

    Returns
    -------
    str

    Examples
    --------
    >>> format_share(0.447), format_share(0.447, "vi"), format_share(-0.0001)
    ('44.7%', '44,7%', '0.0%')
    """
    special = _special(x, lang)
    if special is not None:
        return special
    pattern, loc = _pattern("percent", lang, decimals)
    with _half_up():
        return pattern.apply(_clean_zero(float(x), 100, decimals), loc, numbering_system=_numbering(lang))


def format_pp(x: Any, lang: str = "en", decimals: int = 1) -> str:
    """A difference of two shares in percentage points, signed: 0.023 -> "+2.3 pp".

    Parameters
    ----------
    x : float
        The difference as a fraction of 1 (0.023 is 2.3 points).
    lang : str
        The report's language (the unit is the catalogue's ``ui.pp``).
    decimals : int
        Digits after the decimal separator.

    Returns
    -------
    str

    Examples
    --------
    >>> format_pp(0.023), format_pp(-0.2322), format_pp(0.0), format_pp(-0.023, "vi")
    ('+2.3 pp', '-23.2 pp', '0.0 pp', '-2,3 điểm %')
    """
    special = _special(x, lang)
    if special is not None:
        return special
    points = _clean_zero(float(x) * 100, 1, decimals)
    text = _decimal(0.0, lang, decimals) if points == 0 else format_signed(points, lang, decimals)
    return t("ui.pp_value", lang, value=text)


def format_signed(x: Any, lang: str = "en", decimals: int = 0) -> str:
    """A number with its sign always shown (NPS, changes): 33.4 -> "+33"; zero shows "+0".

    Parameters
    ----------
    x : float
        The number.
    lang : str
        The report's language.
    decimals : int
        Digits after the decimal separator.

    Returns
    -------
    str

    Examples
    --------
    >>> format_signed(33.4), format_signed(-2.51, decimals=1), format_signed(-0.01)
    ('+33', '-2.5', '+0')
    """
    special = _special(x, lang)
    if special is not None:
        return special
    f = _clean_zero(float(x), 1, decimals)
    text = _decimal(abs(f), lang, decimals)
    symbols = _locale(lang).number_symbols.get(_numbering(lang), {})
    return (symbols.get("minusSign", "-") if f < 0 else symbols.get("plusSign", "+")) + text


def format_money(x: Any, currency: str | None = None, lang: str = "en", decimals: int | None = None) -> str:
    r"""An amount with its currency, as the language writes it: "£1,234.50", "1.234.568 ₫".

    Parameters
    ----------
    x : float
        The amount.
    currency : str, optional
        ISO 4217 code (the report's ``currency`` parameter). None gives the number alone, with two
        decimals.
    lang : str
        The report's language.
    decimals : int, optional
        Digits after the decimal separator (default: the currency's own, 2 for GBP, 0 for VND).

    Returns
    -------
    str

    Examples
    --------
    >>> format_money(1234.5, "GBP"), format_money(1234567.5, "VND", "vi"), format_money(69774.8, "GBP", decimals=0)
    ('£1,234.50', '1.234.568\xa0₫', '£69,775')
    """
    special = _special(x, lang)
    if special is not None:
        return special
    if currency is None:
        return _decimal(float(x), lang, 2 if decimals is None else decimals)
    loc = _locale(lang)
    value = Decimal(str(x)) if not isinstance(x, Decimal) else x
    digits = numbers.get_currency_precision(currency) if decimals is None else decimals
    if round(abs(float(value)), digits) == 0:
        value = Decimal(0)  # no "-£0.00"
    with _half_up():
        if decimals is None:
            return numbers.format_currency(value, currency, locale=loc, numbering_system=_numbering(lang))
        pattern = copy.copy(loc.currency_formats["standard"])
        pattern.frac_prec = (decimals, decimals)
        return pattern.apply(value, loc, currency=currency, currency_digits=False, numbering_system=_numbering(lang))


def format_count(n: Any, lang: str = "en") -> str:
    """A count as a whole number with the language's group separator: 1234567 -> "1,234,567".

    Parameters
    ----------
    n : int or float
        The count (a float is rounded).
    lang : str
        The report's language.

    Returns
    -------
    str

    Examples
    --------
    >>> format_count(1234567), format_count(1234567, "vi")
    ('1,234,567', '1.234.567')
    """
    special = _special(n, lang)
    if special is not None:
        return special
    return _decimal(round(float(n)), lang, 0)


def format_number(x: Any, lang: str = "en", decimals: int | None = None) -> str:
    """A number with separators; by default 2 decimals below 100, 1 below 1,000, none above.

    Parameters
    ----------
    x : float
        The number.
    lang : str
        The report's language.
    decimals : int, optional
        Digits after the decimal separator (default: by size, as above).

    Returns
    -------
    str

    Examples
    --------
    >>> format_number(4.9400), format_number(1234.5, "vi", 1), format_number(443.70), format_number(12345.6)
    ('4.94', '1.234,5', '443.7', '12,346')
    """
    special = _special(x, lang)
    if special is not None:
        return special
    f = float(x)
    if decimals is None:
        decimals = 2 if abs(f) < 100 else 1 if abs(f) < 1000 else 0
    return _decimal(f, lang, decimals)


def format_significant(x: Any, lang: str = "en", digits: int = 4) -> str:
    """A number to a few significant digits (a model parameter, a standard error): 1.0994 -> "1.099".

    Parameters
    ----------
    x : float
        The number.
    lang : str
        The report's language.
    digits : int
        Significant digits.

    Returns
    -------
    str

    Examples
    --------
    >>> format_significant(14.4409), format_significant(1.0994, "vi"), format_significant(0.003142)
    ('14.44', '1,099', '0.003142')
    """
    special = _special(x, lang)
    if special is not None:
        return special
    f = float(f"{float(x):.{digits}g}")
    shown = f"{f:.{digits}g}"
    decimals = len(shown.split(".")[1]) if "." in shown and "e" not in shown else 0
    return _decimal(f, lang, decimals)


def format_ratio(x: Any, lang: str = "en", decimals: int = 1) -> str:
    """A ratio of two quantities ("2.6x" in English, "2,6 lần" in Vietnamese).

    Parameters
    ----------
    x : float
        The ratio.
    lang : str
        The report's language (the form is the catalogue's ``ui.ratio_value``).
    decimals : int
        Digits after the decimal separator.

    Returns
    -------
    str

    Examples
    --------
    >>> format_ratio(2.5616), format_ratio(2.5616, "vi")
    ('2.6x', '2,6 lần')
    """
    special = _special(x, lang)
    if special is not None:
        return special
    return t("ui.ratio_value", lang, value=_decimal(float(x), lang, decimals))


def format_p(p: Any, lang: str = "en", name: str | None = None) -> str:
    """A p- or q-value: three decimals, "< 0.001" below that; with ``name``, "p = 0.012" / "p < 0.001".

    Parameters
    ----------
    p : float
        The p-value (or q-value) in [0, 1].
    lang : str
        The report's language.
    name : str, optional
        The letter to put before it ("p", "q").

    Returns
    -------
    str

    Examples
    --------
    >>> format_p(3.4e-13), format_p(0.31201), format_p(0.0124, name="q"), format_p(3e-5, "vi", "p")
    ('< 0.001', '0.312', 'q = 0.012', 'p < 0,001')
    """
    special = _special(p, lang)
    if special is not None:
        return special
    if float(p) < 0.001:
        text = "< " + _decimal(0.001, lang, 3)
        return f"{name} {text}" if name else text
    text = _decimal(float(p), lang, 3)
    return f"{name} = {text}" if name else text


def _as_date(d: Any) -> _dt.date:
    if isinstance(d, _dt.datetime):
        return d.date()
    if isinstance(d, _dt.date):
        return d
    if hasattr(d, "to_timestamp"):  # a pandas Period
        return d.to_timestamp().date()
    if isinstance(d, str):
        return _dt.date.fromisoformat(d[:10])
    raise KpiDataError(f"cannot read {d!r} as a date.")


def format_month(d: Any, lang: str = "en") -> str:
    """A month as the language abbreviates it: "Jun 2025" (en), "thg 6 2025" (vi).

    Parameters
    ----------
    d : date, Timestamp, Period or ISO text
        Any day of the month.
    lang : str
        The report's language.

    Returns
    -------
    str

    Examples
    --------
    >>> format_month("2025-06-01"), format_month("2025-06-01", "vi")
    ('Jun 2025', 'thg 6 2025')
    """
    if _missing(d):
        return MISSING
    return dates.format_skeleton("yMMM", _as_date(d), locale=_locale(lang))


def format_date(d: Any, lang: str = "en") -> str:
    """A day in the language's medium form: "30 Jun 2025" (en), "30 thg 6, 2025" (vi).

    Parameters
    ----------
    d : date, Timestamp or ISO text
        The day.
    lang : str
        The report's language.

    Returns
    -------
    str

    Examples
    --------
    >>> format_date("2025-06-30"), format_date("2025-06-30", "vi")
    ('30 Jun 2025', '30 thg 6, 2025')
    """
    if _missing(d):
        return MISSING
    return dates.format_date(_as_date(d), "medium", locale=_locale(lang))


def format_period(d: Any, lang: str = "en", freq: str = "MS") -> str:
    """A reporting period by its grain: a month "Jun 2025", a quarter "Q2 2025", a year "2025".

    Parameters
    ----------
    d : date, Timestamp, Period or text
        The period's first day, a pandas Period, or text pandas reads as a period ("2025Q1",
        "2025-03", "2025").
    lang : str
        The report's language.
    freq : str
        The grain of a date: "MS"/"M" months, "QS"/"Q" quarters, "YS"/"Y" years, "D" days (ignored
        for a Period or period text, which carry their own).

    Returns
    -------
    str

    Examples
    --------
    >>> format_period("2025Q1"), format_period("2025-04-01", freq="QS"), format_period("2025", "vi")
    ('Q1 2025', 'Q2 2025', '2025')
    """
    if _missing(d):
        return MISSING
    if isinstance(d, str) and len(d) != 10:
        import pandas as pd

        d = pd.Period(d)
    if hasattr(d, "freqstr") and hasattr(d, "to_timestamp"):
        freq = d.freqstr
    grain = freq.upper()[:1]
    day = _as_date(d)
    loc = _locale(lang)
    if grain == "Q":
        return dates.format_skeleton("yQQQ", day, locale=loc)
    if grain in ("Y", "A"):
        return dates.format_skeleton("y", day, locale=loc)
    if grain in ("D", "W"):
        return format_date(day, lang)
    return format_month(day, lang)


def format_interval(low: Any, high: Any, fmt: Callable[[Any], str], lang: str = "en") -> str:
    """An interval's two ends: "43.5–45.8" with an en dash, or "-2.5 to +0.8" when an end is negative.

    Parameters
    ----------
    low, high : float
        The ends.
    fmt : callable
        Formats one end (a share's end without its % sign reads best: see :func:`interval_text`).
    lang : str
        The report's language (the word between negative ends, ``ui.interval_to``).

    Returns
    -------
    str
        "" when either end is missing.
    """
    if _missing(low) or _missing(high):
        return ""
    a, b = fmt(low), fmt(high)
    negative = float(low) < 0 or float(high) < 0
    return f"{a} {t('ui.interval_to', lang)} {b}" if negative else f"{a}–{b}"


def _share_digits(x: Any, lang: str) -> str:
    """A share's number without the % sign ("43.5"), for the ends of an interval."""
    return _decimal(float(x) * 100, lang, 1)


#: Format specs of finding templates and table columns -> the function that writes a value.
SPECS: dict[str, Callable[..., str]] = {
    "pct": lambda x, lang, cur: format_share(x, lang),
    "pct0": lambda x, lang, cur: format_share(x, lang, 0),
    "pp": lambda x, lang, cur: format_pp(x, lang),
    "money": lambda x, lang, cur: format_money(x, cur, lang),
    "money0": lambda x, lang, cur: format_money(x, cur, lang, 0),
    "int": lambda x, lang, cur: format_count(x, lang),
    "num": lambda x, lang, cur: format_number(x, lang),
    "num1": lambda x, lang, cur: format_number(x, lang, 1),
    "sig": lambda x, lang, cur: format_significant(x, lang),
    "signed": lambda x, lang, cur: format_signed(x, lang),
    "ratio": lambda x, lang, cur: format_ratio(x, lang),
    "month": lambda x, lang, cur: format_month(x, lang),
    "quarter": lambda x, lang, cur: format_period(x, lang, "QS"),
    "period": lambda x, lang, cur: format_period(x, lang),
    "date": lambda x, lang, cur: format_date(x, lang),
    "p": lambda x, lang, cur: format_p(x, lang),
    "pvalue": lambda x, lang, cur: format_p(x, lang, "p"),
    "qvalue": lambda x, lang, cur: format_p(x, lang, "q"),
}


def format_value(value: Any, spec: str, lang: str = "en", currency: str | None = None) -> str:
    """One value by a format spec of :data:`SPECS` (``pct``, ``money``, ``p``, ...).

    ``term`` looks the value up among the catalogue's terms (the kit's own category names such as
    "detractor" or "month"), leaving a client's own labels as they are; an empty spec writes text as
    it is and numbers with :func:`format_number`.

    Parameters
    ----------
    value : Any
        The value.
    spec : str
        A key of :data:`SPECS`, ``term`` or "".
    lang : str
        The report's language.
    currency : str, optional
        The report's currency, for ``money``.

    Returns
    -------
    str

    Examples
    --------
    >>> format_value(0.5786, "pct"), format_value(69774.8, "money", currency="GBP"), format_value("month", "term", "vi")
    ('57.9%', '£69,774.80', 'tháng')
    """
    if spec == "term":
        from kpikit.i18n.catalogue import term

        if not isinstance(value, str) and _missing(value):
            return MISSING
        return term(value, lang)
    if spec in ("", "text", "s"):
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            return MISSING if _missing(value) else str(value)
        return format_number(value, lang)
    if spec not in SPECS:
        raise KpiDataError(f"unknown format spec {spec!r}; the kit's specs: {', '.join(SPECS)}, term.")
    return SPECS[spec](value, lang, currency)


class _Formatter(string.Formatter):
    """``str.format`` with the kit's specs: ``{x:pct}`` is :func:`format_share` in the report's language."""

    def __init__(self, lang: str, currency: str | None) -> None:
        super().__init__()
        self.lang = lang
        self.currency = currency

    def format_field(self, value: Any, format_spec: str) -> str:
        # a field may itself be a Finding (or a list of them): written in the same language
        if hasattr(value, "template") and hasattr(value, "text"):
            return value.text(self.lang, currency=self.currency)
        if isinstance(value, (list, tuple)) and value and all(hasattr(v, "template") for v in value):
            return ", ".join(v.text(self.lang, currency=self.currency) for v in value)
        return format_value(value, format_spec, self.lang, self.currency)


def render_template(
    template: str, fields: Mapping[str, Any], lang: str = "en", currency: str | None = None, source: str | None = None
) -> str:
    """Fill a template's ``{field:spec}`` placeholders, each value written for the language.

    Parameters
    ----------
    template : str
        The text with placeholders (a finding template or a catalogue message).
    fields : mapping
        Values by placeholder name.
    lang : str
        The report's language.
    currency : str, optional
        The report's currency, for ``money``.
    source : str, optional
        What the template is (a catalogue key), for error messages.

    Returns
    -------
    str

    Raises
    ------
    KpiDataError
        When a placeholder has no value or an unknown spec.

    Examples
    --------
    >>> render_template("{n:int} of {k:int} renewed ({r:pct})", {"n": 1234, "k": 2000, "r": 0.617}, "vi")
    '1.234 of 2.000 renewed (61,7%)'
    """
    try:
        return _Formatter(lang, currency).vformat(template, (), dict(fields))
    except (KeyError, IndexError) as e:
        where = source or template
        raise KpiDataError(f"the text {where!r} needs a value for {e}; given: {', '.join(fields) or 'none'}.") from None
