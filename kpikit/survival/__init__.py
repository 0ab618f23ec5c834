"""Survival of customers: Kaplan-Meier curves and the shifted-beta-geometric retention model.

- :func:`kaplan_meier` estimates the share of customers still active after t (periods, days) from
  observed lifetimes where customers still active are right-censored, with a pointwise confidence
  band and the median lifetime with its interval. It wraps ``scipy.stats.ecdf`` on
  ``scipy.stats.CensoredData``.
- :class:`ShiftedBetaGeometric` is the sBG model of Fader and Hardie (2007): each customer renews
  each period with a constant probability 1 - theta, theta ~ Beta(alpha, beta) across customers. Fitted
  by maximum likelihood to the customers of one cohort alive at the start of periods 0..n, or of
  several cohorts observed for different lengths (each right-censored where its data end), it projects
  retention beyond the data, which a curve fit cannot do credibly. It is fitted by
  kpikit's one fitting base, :class:`kpikit.stats.mle.MaximumLikelihood`, like the CLV models:
  ``params_``, ``standard_errors_``, ``log_likelihood_``, ``summary()`` and the identification
  verdict (``identified_``, ``identification_``, ``verdict()``) read the same. A fit whose alpha and
  beta the data do not pin down (a standard error above its estimate, as on a short cohort with
  nearly flat retention) warns (IdentificationWarning): its projection may still track the held-out
  periods, but alpha and beta, and the heterogeneity they describe, are not findings.

References
----------
Kaplan and Meier (1958), "Nonparametric estimation from incomplete observations", JASA 53.
Brookmeyer and Crowley (1982), "A confidence interval for the median survival time", Biometrics 38.
Fader and Hardie (2007), "How to project customer retention", Journal of Interactive Marketing
21(1), 76-90.
"""

from kpikit.survival.kaplan_meier import KaplanMeier, kaplan_meier
from kpikit.survival.sbg import FADER_HARDIE_2007, ShiftedBetaGeometric, holdout_error, pooled_survivors

__all__ = [
    "KaplanMeier",
    "kaplan_meier",
    "ShiftedBetaGeometric",
    "FADER_HARDIE_2007",
    "pooled_survivors",
    "holdout_error",
]
