"""Findings as translatable templates with their business impact."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from kpikit.i18n.catalogue import SOURCE_LANGUAGE, translate_template
from kpikit.i18n.formats import render_template

__all__ = ["Finding", "by_impact"]


class Finding(str):
    """A finding: its English text (it is a ``str``), and what it takes to write it in any language.

    A domain's ``findings`` function builds each sentence from a template and the numbers::

        Finding("Gross revenue retention is {grr:pct}.", {"grr": 0.5787}, impact=9371.6)

    ``str(finding)`` is the English text ("Gross revenue retention is 57.9%."), so a list of findings
    still joins, prints and compares as text; ``finding.text("vi")`` writes the same numbers into the
    Vietnamese template of the catalogue. The template is the catalogue key (gettext style), so every
    literal template in kpikit needs an entry in each non-English catalogue (a test checks this).

    Parameters
    ----------
    template : str
        The English template, with ``{field:spec}`` placeholders (specs: ``pct``, ``pct0``, ``pp``,
        ``money``, ``money0``, ``int``, ``num``, ``num1``, ``signed``, ``ratio``, ``month``,
        ``quarter``, ``period``, ``date``, ``p``, ``pvalue``, ``qvalue``, ``term``; none for text).
    fields : mapping, optional
        The placeholders' values (numbers stay numbers: each language formats them its own way).
    impact : float, optional
        The business impact used to order a report's findings, higher first; its unit is the domain's
        (documented by each ``findings`` function, e.g. MRR lost per month); None when unknown (sorts last).
    currency : str, optional
        ISO code of ``money`` fields (None writes amounts without a symbol).

    Examples
    --------
    >>> f = Finding(
    ...     "{renewed:int} of {due:int} contracts up for renewal renewed: a renewal rate of {rate:pct} "
    ...     "(95% CI {low:pct}-{high:pct}).",
    ...     {"renewed": 1650, "due": 2082, "rate": 0.7926, "low": 0.7746, "high": 0.8095},
    ...     impact=1696.0,
    ... )
    >>> str(f)
    '1,650 of 2,082 contracts up for renewal renewed: a renewal rate of 79.3% (95% CI 77.5%-81.0%).'
    >>> f.text("vi")
    '1.650 trên 2.082 hợp đồng đến hạn đã được gia hạn: tỷ lệ gia hạn 79,3% (KTC 95% 77,5%-81,0%).'
    """

    template: str
    fields: dict[str, Any]
    impact: float | None
    currency: str | None

    def __new__(
        cls,
        template: str,
        fields: Mapping[str, Any] | None = None,
        impact: float | None = None,
        currency: str | None = None,
    ) -> Finding:
        """Write the English text of ``template`` with ``fields``; keep all four for other languages."""
        fields = dict(fields or {})
        self = super().__new__(cls, render_template(template, fields, SOURCE_LANGUAGE, currency))
        self.template = template
        self.fields = fields
        if impact is not None:
            impact = float(impact)
            impact = None if math.isnan(impact) else impact
        self.impact = impact
        self.currency = currency
        return self

    def __getnewargs__(self) -> tuple:
        return (self.template, self.fields, self.impact, self.currency)

    def text(self, lang: str = SOURCE_LANGUAGE, currency: str | None = None, strict: bool = True) -> str:
        """The finding written in a language, its numbers formatted for that language's locale.

        Parameters
        ----------
        lang : str
            A language code of :func:`kpikit.i18n.languages`.
        currency : str, optional
            The currency of ``money`` fields (default: the one the finding was built with).
        strict : bool
            With False, a template the language lacks is written in English.

        Returns
        -------
        str
        """
        template = translate_template(self.template, lang, strict=strict)
        return render_template(template, self.fields, lang, currency or self.currency, source=self.template)


def by_impact(findings: Iterable[str], n: int | None = None) -> list[str]:
    """Findings ordered by business impact, highest first; unknown impact (or plain text) last.

    The sort is stable: findings of equal impact keep their order.

    Parameters
    ----------
    findings : iterable of str
        :class:`Finding` objects, or plain sentences (which have no impact).
    n : int, optional
        Keep the first ``n``.

    Returns
    -------
    list

    Examples
    --------
    >>> low, high = Finding("a", impact=1.0), Finding("b", impact=5.0)
    >>> by_impact([Finding("c"), low, high])
    ['b', 'a', 'c']
    """
    items = list(findings)

    def key(f: str) -> tuple[int, float]:
        impact = getattr(f, "impact", None)
        return (1, 0.0) if impact is None else (0, -impact)

    ordered = sorted(items, key=key)
    return ordered if n is None else ordered[:n]
