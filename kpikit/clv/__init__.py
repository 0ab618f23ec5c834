"""Customer lifetime value: RFM summaries, buy-till-you-die models and discounted CLV.

"What is a customer worth?" has a popular answer, average order x frequency x lifespan
(:func:`historical_clv`), that ignores customers who silently stop buying. The buy-till-you-die
models answer it properly for non-contractual businesses (a shop, not a subscription):

- :class:`BetaGeo`, the BG/NBD model (Fader, Hardie and Lee 2005): while alive, a customer buys as a
  Poisson process with rate lambda ~ Gamma(r, alpha); after each purchase they drop out with
  probability p ~ Beta(a, b).
- :class:`ParetoNBD`, the Pareto/NBD model (Schmittlein, Morrison and Colombo 1987): purchases as
  above; the lifetime is exponential with rate mu ~ Gamma(s, beta), so dropout can happen at any time.
- :class:`GammaGamma` (Fader and Hardie 2013): the value of each repeat purchase is
  Gamma(p, nu) with nu ~ Gamma(q, gamma), independent of the purchase process.
- :func:`customer_lifetime_value`: expected purchases per future period x expected spend x margin,
  discounted per period; months of ``month_days`` days (default 365.25 / 12 = 30.4375, the mean
  calendar month; lifetimes uses 30, which values about 1.5% less over a year).
- :func:`mean_clv` and :func:`clv_by_segment`: mean CLV with an interval computed on the log scale,
  which stays positive; segments below ``min_customers`` are flagged and never ranked.
- :func:`new_customer_values` and :func:`ltv_cac`: the value of a newly acquired customer against
  CAC, which comes from ``kk.acquisition.channel_cac`` (the kit's one CAC, shared with notebook 02).
- :func:`findings` and :func:`titles`: notebook 04's findings and chart titles as translatable
  sentences, with a caveat instead of what rests on a model the data do not identify.

All models read the RFM summary of :func:`rfm_summary` (columns ``frequency``, ``recency``, ``T``,
``monetary_value``; refunds without an order reference can be netted per customer with
``refunds="net"``) in one time unit; the time unit of the fitted parameters is that of the summary
(``summary.attrs["unit"]``).

Fitting
-------
The log-likelihoods are written in log space with ``scipy.special`` (``gammaln``, ``betaln``,
``hyp2f1``) and maximised over the logarithms of the parameters (so they stay positive) with L-BFGS-B,
by kpikit's one fitting base, :class:`kpikit.stats.mle.MaximumLikelihood` (shared with the sBG model
of ``kpikit.survival``): starting values and the warm start on a subsample of large data, the checks of
the optimum, the standard errors, the identification verdict and ``summary()``. All three models use
analytic gradients (Pareto/NBD's integral by quadrature, with its derivatives). A model the data do
not identify (a parameter at the edge of its range, a standard error above its estimate, a singular
information matrix) is returned with ``identified_`` False and an IdentificationWarning; notebook 04's
findings and headline KPIs then carry a caveat instead of its numbers. Identical (frequency, recency, T) rows are grouped first
(their count becomes a weight), so the cost of a fit grows with the number of distinct rows, not of
customers. Standard errors come from the Hessian of the log-likelihood at the optimum on the
log-parameter scale (central differences extrapolated to zero step), mapped back by the delta method;
``summary()`` shows them with intervals computed on the log scale, which stay positive.

This module is kpikit's own implementation from the papers' formulas.

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005), "'Counting your customers' the easy way: an
alternative to the Pareto/NBD model", Marketing Science 24(2), 275-284.
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005), "A note on deriving the Pareto/NBD model and
related expressions", brucehardie.com/notes/009.
Schmittlein, D. C., Morrison, D. G. and Colombo, R. (1987), "Counting your customers: who are they and
what will they do next?", Management Science 33(1), 1-24.
Fader, P. S. and Hardie, B. G. S. (2013), "The Gamma-Gamma model of monetary value",
brucehardie.com/notes/025.
"""

from kpikit.clv.beta_geo import BetaGeo
from kpikit.clv.findings import findings
from kpikit.clv.gamma_gamma import GammaGamma, spend_frequency_correlation
from kpikit.clv.kpis import as_frame, headline_kpis, lowest_segment, require_identified, segment_kpi
from kpikit.clv.pareto_nbd import ParetoNBD
from kpikit.clv.rfm import (
    DAYS_PER,
    UNIT_NAMES,
    calibration_holdout,
    holdout_split,
    rfm_summary,
)
from kpikit.clv.segments import (
    MIN_CUSTOMERS,
    clv_by_segment,
    mean_clv,
    require_segment,
    rfm_segments,
    segment_column,
    segment_profile,
    top_customers,
)
from kpikit.clv.titles import payback_title, titles
from kpikit.clv.validation import holdout_check, holdout_totals, probability_alive_matrix, share_probably_gone
from kpikit.clv.value import (
    MONTH_DAYS,
    customer_lifetime_value,
    historical_clv,
    ltv_cac,
    new_customer_value,
    new_customer_values,
    payback_period,
)

__all__ = [
    "rfm_summary",
    "calibration_holdout",
    "historical_clv",
    "BetaGeo",
    "ParetoNBD",
    "GammaGamma",
    "customer_lifetime_value",
    "new_customer_value",
    "payback_period",
    "new_customer_values",
    "payback_title",
    "holdout_split",
    "rfm_segments",
    "segment_profile",
    "holdout_check",
    "as_frame",
    "holdout_totals",
    "probability_alive_matrix",
    "share_probably_gone",
    "clv_by_segment",
    "mean_clv",
    "ltv_cac",
    "spend_frequency_correlation",
    "findings",
    "headline_kpis",
    "titles",
    "require_identified",
    "segment_kpi",
    "lowest_segment",
    "segment_column",
    "require_segment",
    "top_customers",
    "DAYS_PER",
    "UNIT_NAMES",
    "MONTH_DAYS",
    "MIN_CUSTOMERS",
]
