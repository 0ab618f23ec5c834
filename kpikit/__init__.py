"""kpikit: KPI analysis kit for marketing and customer-success work in Jupyter.

``import kpikit as kk``; the domain modules are reached as ``kk.web``, ``kk.subscriptions`` and so on.
"""

from importlib import import_module as _import_module

from kpikit.errors import (
    ConvergenceError,
    KpiDataError,
    KpiWarning,
    ParameterError,
    SmallSampleWarning,
    VanityMetricWarning,
)

__version__ = "0.1.0"

# kpikit.stats (pandas, scipy) loads on first use too, so that `import kpikit` costs milliseconds:
# `kpikit batch` starts its kernel zygote before any heavy import (see kpikit.batch).
_STATS_NAMES = ("Rate", "RateComparison", "Score", "compare_rates", "fdr", "rate")

_SUBMODULES = (
    "errors",
    "i18n",
    "stats",
    "schemas",
    "io",
    "engine",
    "web",
    "funnel",
    "attribution",
    "acquisition",
    "subscriptions",
    "survival",
    "clv",
    "satisfaction",
    "social",
    "benchmark",
    "plots",
    "report",
    "render",
    "cli",
    "sample",
    "workshop",
)


def __getattr__(name: str):
    # Submodules load on first use (kk.web, kk.clv, ...), so `import kpikit` stays light.
    if name in _SUBMODULES:
        return _import_module(f"kpikit.{name}")
    if name == "read_table":
        return _import_module("kpikit.io").read_table
    if name in _STATS_NAMES:
        return getattr(_import_module("kpikit.stats"), name)
    raise AttributeError(f"module 'kpikit' has no attribute {name!r}")


__all__ = [
    "ConvergenceError",
    "KpiDataError",
    "KpiWarning",
    "ParameterError",
    "SmallSampleWarning",
    "VanityMetricWarning",
    "Rate",
    "RateComparison",
    "Score",
    "compare_rates",
    "fdr",
    "rate",
    "read_table",
    "__version__",
]


def __dir__() -> list[str]:
    # the lazy names too, so tab completion in JupyterLab offers kk.web, kk.rate, ...
    return sorted(set(globals()) | set(__all__) | set(_SUBMODULES))
