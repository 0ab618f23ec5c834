"""Where the attribution models disagree, in words (translatable findings)."""

from __future__ import annotations

import pandas as pd

from kpikit.i18n import Finding
from kpikit.schemas import require_columns

__all__ = ["findings"]

_CLOSER = "{channel} closes journeys: last-touch gives it {last:int} of {total:int} conversions, first-touch only {first:int}."
_OPENER = (
    "{channel} opens journeys: first-touch credits it with {first:int} conversions, last-touch with {last:int}; "
    "judged on last touch alone it looks {ratio:ratio} weaker than it is."
)
_MARKOV = (
    "The Markov model (removal effects) moves the most credit to {gainer} ({gain:signed} conversions against "
    "last-touch) and away from {loser} ({loss:signed})."
)


def findings(
    comparison: pd.DataFrame, first: str = "first_touch", last: str = "last_touch", data_driven: str = "markov"
) -> list[str]:
    """Where the models disagree, in words.

    The channel that last-touch credits most above first-touch (it closes journeys), the one it
    credits most below (it opens them), and the channels the Markov model moves the most credit to
    and away from, against last-touch.

    Parameters
    ----------
    comparison : DataFrame
        The output of :func:`compare` with at least the ``first`` and ``last`` models.
    first, last : str
        The model columns read as first-touch and last-touch.
    data_driven : str
        The model column read as the data-driven view; its sentence is left out when absent.

    Returns
    -------
    list of Finding
        One sentence per finding (``str()`` is the English text). They describe how credit moves between
        models: no business impact of their own.
    """
    require_columns(
        comparison, [first, last], "attribution comparison", fix="Run kk.attribution.compare with both models."
    )
    c = comparison.set_index("channel")
    out = []
    total = c[last].sum()
    diff = (c[last] - c[first]).sort_values()
    opener, closer = diff.index[0], diff.index[-1]
    if diff.iloc[-1] > 0:
        fields = {"channel": closer, "last": c.loc[closer, last], "total": total, "first": c.loc[closer, first]}
        out.append(Finding(_CLOSER, fields))
    if diff.iloc[0] < 0:
        ratio = c.loc[opener, first] / max(c.loc[opener, last], 1e-9)
        fields = {"channel": opener, "first": c.loc[opener, first], "last": c.loc[opener, last], "ratio": ratio}
        out.append(Finding(_OPENER, fields))
    if data_driven in c.columns:
        d = (c[data_driven] - c[last]).sort_values()
        fields = {"gainer": d.index[-1], "gain": d.iloc[-1], "loser": d.index[0], "loss": d.iloc[0]}
        out.append(Finding(_MARKOV, fields))
    return out
