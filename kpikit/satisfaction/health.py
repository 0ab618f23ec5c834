"""Customer health score: a weighted average of 0-100 component scores, banded red, yellow, green."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, describe_rows
from kpikit.schemas import require_columns

__all__ = ["health_score"]


def health_score(
    components: pd.DataFrame,
    weights: dict[str, float],
    bands: tuple[float, float] = (50, 75),
) -> pd.DataFrame:
    """Customer health score: weighted average of 0-100 component scores, with red/yellow/green bands.

    health = sum_k w_k x score_k / sum_k w_k (weights normalised to sum to 1); band "red" below
    bands[0], "yellow" below bands[1], "green" otherwise.

    Parameters
    ----------
    components : DataFrame
        One row per customer, one 0-100 column per component named in ``weights``.
    weights : dict
        Component column -> non-negative weight (at least one positive).
    bands : (float, float)
        (red_below, green_from): scores below the first are red, from the second on green.

    Returns
    -------
    DataFrame
        The components frame with ``health_score`` and ``band`` added (a copy).

    References
    ----------
    Gainsight, "Customer health scores" (weighted components, red/yellow/green).

    Examples
    --------
    >>> c = pd.DataFrame({"usage": [90, 40], "nps": [80, 20], "support": [100, 50]})
    >>> health_score(c, {"usage": 2, "nps": 1, "support": 1})[["health_score", "band"]].values.tolist()
    [[90.0, 'green'], [37.5, 'red']]
    """
    if not weights:
        raise KpiDataError("weights must name at least one component column.")
    require_columns(
        components, list(weights), "components", fix="Name one 0-100 column of the components frame per weight."
    )
    w = pd.Series(weights, dtype=float)
    if (w < 0).any() or w.sum() <= 0:
        raise KpiDataError(f"weights must be >= 0 with a positive total (got {weights}).")
    if not bands[0] <= bands[1]:
        raise KpiDataError(f"bands must be (red_below, green_from) with red_below <= green_from (got {bands}).")
    vals = components[list(w.index)].apply(pd.to_numeric, errors="coerce")
    for col in w.index:
        bad = vals[col].isna() | (vals[col] < 0) | (vals[col] > 100)
        if bad.any():
            raise KpiDataError(
                f"components, column '{col}': {int(bad.sum())} values are missing or outside 0-100 "
                f"({describe_rows(list(components.index[bad]))}). Rescale each component to 0-100 first."
            )
    out = components.copy()
    out["health_score"] = vals.to_numpy() @ (w / w.sum()).to_numpy()
    out["band"] = np.where(
        out["health_score"] < bands[0], "red", np.where(out["health_score"] < bands[1], "yellow", "green")
    )
    return out
