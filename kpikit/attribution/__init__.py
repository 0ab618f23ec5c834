"""Attribution: who gets the credit for a conversion, under rule-based models and a Markov chain.

Inputs
------
Two inputs give the same credits for the same journeys.

- The touchpoints table: touches are grouped into journeys by ``journey_col`` (the user) and ordered
  by time. Each touch with ``converted`` true closes a converting path made of the touches since the
  journey's previous conversion (that touch included); touches after the last conversion form a path
  that did not convert.
- A paths table (:func:`read_paths`), the aggregated format that attribution tools and conversion-path
  reports export: one row per distinct path with its total conversions, their total value and the
  number of times it occurred without a conversion (nulls). Each row is one path weighted by those
  counts; it is never expanded into one row per conversion, so a path with 10,000 conversions costs
  what a path with one does. A path table has no touch times: time_decay and ``start``/``end`` need
  the touchpoints table.

The total to distribute is the number of conversions (and, with a value, their total value). Every
model splits each conversion over its path with weights that sum to one, so the credits of every
model sum to the total.

Models
------
- ``first_touch`` / ``last_touch``: all credit to the first / last touch of the path.
- ``last_non_direct``: all credit to the last touch that is not a direct visit; to the last touch when
  the whole path is direct (the Google Analytics rule).
- ``linear``: 1/n to each of the n touches.
- ``position_based``: 40% first, 40% last, 20% shared by the middle touches (weights are a
  parameter); with two touches first and last share in proportion to their weights (50/50).
- ``time_decay``: weight 2^(-(t_conversion - t_touch) / half_life), normalised per path (half-life
  7 days by default, as Google Analytics).
- ``markov``: first-order Markov chain over channels with states start, conversion and null built
  from all paths (converting and not; a path of a paths table counts as many times as its
  conversions and nulls). The removal effect of channel c is
  RE(c) = 1 - P(conversion | c removed) / P(conversion), where removing c sends every transition into
  c to null; credit(c) = RE(c) / sum RE x total. Absorption probabilities are solved exactly from the
  chain's linear system (no simulation), so the result is deterministic.

Value under each model. The rule-based models credit each path's own value: revenue(c) is the sum,
over the converting paths, of c's weight times the value of that path's conversions. The Markov model
credits value with the same removal effects as conversions: revenue(c) = RE(c) / sum RE x the total
value of all conversions, so each channel's share of value equals its share of conversions, whatever
the value of the paths it sits on. ChannelAttribution's documentation of ``markov_model`` describes
another rule: a second set of removal effects computed from the conversion values of the paths
(``removal_effects_conversion_value``), from which it credits value. The two tools can therefore
differ on the Markov value of a channel whose paths are worth more (or less) than the average
conversion.

References: Google Analytics, "Attribution models" (first/last click, linear, position-based,
time-decay with a 7-day half-life); Anderl, Becker, von Wangenheim and Schumann (2016), "Mapping the
customer journey: lessons learned from graph-based online attribution modeling", International
Journal of Research in Marketing 33(3) (Markov removal effects); ChannelAttribution, documentation of
``markov_model`` and ``heuristic_models`` (the aggregated path format and its value crediting).
"""

from kpikit.attribution.credit import MODELS, PATH_MODELS, attribute, compare
from kpikit.attribution.display import share_matrix
from kpikit.attribution.findings import findings
from kpikit.attribution.markov import markov_removal_effects
from kpikit.attribution.paths import read_paths

__all__ = [
    "MODELS",
    "PATH_MODELS",
    "attribute",
    "compare",
    "markov_removal_effects",
    "findings",
    "read_paths",
    "share_matrix",
]
