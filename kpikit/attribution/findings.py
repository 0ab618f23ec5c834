"""Where the attribution models disagree, in words."""

from __future__ import annotations

import pandas as pd

from kpikit.schemas import require_columns

__all__ = ["findings"]


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
    list of str
        One sentence per finding.
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
        out.append(
            f"{closer} closes journeys: last-touch gives it {c.loc[closer, last]:.0f} of {total:.0f} conversions, "
            f"first-touch only {c.loc[closer, first]:.0f}."
        )
    if diff.iloc[0] < 0:
        out.append(
            f"{opener} opens journeys: first-touch credits it with {c.loc[opener, first]:.0f} conversions, "
            f"last-touch with {c.loc[opener, last]:.0f}; judged on last touch alone it looks "
            f"{c.loc[opener, first] / max(c.loc[opener, last], 1e-9):.1f}x weaker than it is."
        )
    if data_driven in c.columns:
        d = (c[data_driven] - c[last]).sort_values()
        out.append(
            f"The Markov model (removal effects) moves the most credit to {d.index[-1]} "
            f"({d.iloc[-1]:+.0f} conversions against last-touch) and away from {d.index[0]} ({d.iloc[0]:+.0f})."
        )
    return out
