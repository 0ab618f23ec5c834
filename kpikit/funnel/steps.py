"""How a funnel is specified: its steps (event names with property filters), modes and exclusions.

A step is an event name (``"add_to_cart"``) or an (event, {property: value}) pair such as
``("page_view", {"page": "/pricing"})``, where a list value means "any of". Steps are parsed once into
:class:`_Step` records that know their label and which rows of an events table they match.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError

__all__ = ["step_label", "StepSpec", "OrderMode", "CountMode"]


#: the fix offered when a funnel input lacks a column (used by every funnel module)
_FIX = (
    "Map the client's names onto the canonical ones with kk.read_table(..., columns={...}) or pass the column "
    "name as a keyword argument."
)


#: a funnel step: an event name, or an (event, {property: value}) pair
StepSpec = str | tuple[str, Mapping[str, Any]]


#: how the steps must follow each other (see the package docstring)
OrderMode = Literal["this", "strict", "any"]


#: what a funnel counts: unique users at their furthest attempt, or every attempt
CountMode = Literal["users", "totals"]


@dataclass(frozen=True)
class _Step:
    """A parsed step: the event name, its property filters (sorted) and its label."""

    event: str
    filters: tuple[tuple[str, Any], ...]
    label: str


def step_label(step: StepSpec) -> str:
    """Readable name of a funnel step: ``"add_to_cart"`` or ``"page_view[page=/pricing]"``.

    Parameters
    ----------
    step : str or (str, dict)
        An event name, or an (event, {property: value}) pair; a list value means "any of".

    Returns
    -------
    str
        The event name, followed by its property filters in brackets (sorted by property).

    Examples
    --------
    >>> step_label(("page_view", {"page": ["/pricing", "/plans"]}))
    'page_view[page=/pricing|/plans]'
    """
    return _parse_step(step, 0).label


def _parse_step(step: Any, i: int) -> _Step:
    if isinstance(step, str):
        return _Step(step, (), step)
    if isinstance(step, (tuple, list)) and len(step) == 2 and isinstance(step[0], str) and isinstance(step[1], Mapping):
        filters = tuple(sorted((str(k), v) for k, v in step[1].items()))
        desc = ", ".join(f"{k}={'|'.join(map(str, v)) if isinstance(v, (list, tuple, set)) else v}" for k, v in filters)
        return _Step(step[0], filters, f"{step[0]}[{desc}]" if desc else step[0])
    raise KpiDataError(
        f'Funnel step {i + 1} is {step!r}; a step is an event name ("add_to_cart") or an '
        '(event, {property: value}) pair such as ("page_view", {"page": "/pricing"}).'
    )


def _parse_steps(steps: Sequence[StepSpec], min_steps: int = 1) -> list[_Step]:
    if isinstance(steps, (str, bytes)) or not isinstance(steps, Sequence):
        raise KpiDataError(f"steps must be a list of steps, e.g. ['view_item', 'purchase'] (got {steps!r}).")
    parsed = [_parse_step(s, i) for i, s in enumerate(steps)]
    if len(parsed) < min_steps:
        raise KpiDataError(f"A funnel needs at least {min_steps} step(s) (got {len(parsed)}).")
    return parsed


def _parse_exclusions(exclude, n_steps: int) -> list[tuple[_Step, int, int]]:
    if exclude is None:
        return []
    if isinstance(exclude, tuple) and len(exclude) == 3 and isinstance(exclude[1], (int, np.integer)):
        exclude = [exclude]
    out = []
    for spec in exclude:
        if isinstance(spec, (str, Mapping)) or not (isinstance(spec, (tuple, list)) and len(spec) == 3):
            raise KpiDataError(
                f"exclude entries are (event, from_step, to_step) triples with 1-based step numbers, e.g. "
                f"('remove_from_cart', 3, 4) (got {spec!r})."
            )
        ev, a, b = spec
        if not (isinstance(a, (int, np.integer)) and isinstance(b, (int, np.integer)) and 1 <= a < b <= n_steps):
            raise KpiDataError(f"exclude {spec!r}: the steps must satisfy 1 <= from_step < to_step <= {n_steps}.")
        out.append((_parse_step(ev, 0), int(a), int(b)))
    return out


def _step_mask(
    frame: pd.DataFrame, ev_codes: np.ndarray, lookup: Mapping[Any, int], step: _Step, table: str
) -> np.ndarray:
    code = lookup.get(step.event)
    m = ev_codes == code if code is not None else np.zeros(ev_codes.size, dtype=bool)
    for col, val in step.filters:
        if col not in frame.columns:
            raise KpiDataError(
                f"{table}: step {step.label!r} filters on column '{col}', which the table does not have."
            )
        vals = frame[col]
        if isinstance(val, (list, tuple, set, frozenset)):
            m = m & vals.isin(list(val)).to_numpy(dtype=bool, na_value=False)
        else:
            m = m & (vals == val).to_numpy(dtype=bool, na_value=False)
    return m
