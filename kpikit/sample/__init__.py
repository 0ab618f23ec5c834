r"""Deterministic sample data: 18 months of one fictional online shop with a subscription box.

The business, "Juniper Box" by default, sells one-off products in an online shop and a monthly or
annual subscription box. :func:`generate` writes every canonical table of kpikit (``kpikit.schemas.TABLES``)
plus three client-export files and a README into a folder;
:func:`make_tables` returns the same tables as DataFrames without touching the disk.

Everything comes from one seeded ``numpy.random.Generator``: no wall clock, no hash-order
dependence, rows sorted, fixed float formats, ``"\n"`` line ends and gzip with ``mtime=0``. The same
seed therefore gives the same bytes (``python -m kpikit.sample OUTDIR --seed 42`` regenerates the
committed ``data/sample``). Each table family draws from its own child generator (``SeedSequence``
spawn), so changing one table's code leaves the others' bytes alone; within a table the draws happen
in a fixed order, which a refactor must keep.

Layout
------
``config`` (the business, the planted effects, the checked settings), ``draws`` (systematic
sampling and the other drawing helpers), one builder module per table family (``web``: events and
sessions under GA4 rules; ``marketing``: leads, touchpoints, spend, social, benchmarks;
``customers``: subscriptions, tickets, surveys, shop transactions), ``build`` (all tables from one
seed), ``exports`` (CSV text and the client-shaped export files), ``effects`` (the effects measured
with plain pandas), ``readme`` and ``generate`` (the folder on disk, the command line).

Planted effects
---------------
The data hide effects that the notebooks must find (listed with their measured numbers in the
generated README). Each has a name in :data:`EFFECTS`; ``effects=False`` sets them all to their null
value, and a dict such as ``{"checkout_leak": 0.5}`` scales one effect between null (0) and planted (1).

Sampling note
-------------
Where a planted rate matters, the Bernoulli draws use systematic sampling within strata (random
order, then a cumulative sum of the probabilities crossed by one uniform offset; Madow 1949): every
unit keeps its own probability, but the count in each stratum is the rounded sum of the
probabilities. Planted rates are thus hit within one unit for any seed, while which sessions or
customers carry them stays random.

Examples
--------
>>> import kpikit.sample as ks
>>> tables = ks.make_tables(seed=7)  # doctest: +SKIP
>>> sorted(tables)[:3]  # doctest: +SKIP
['benchmarks', 'events', 'leads']
>>> paths = ks.generate("/tmp/juniper", seed=42)  # doctest: +SKIP
"""

from kpikit.sample.build import make_tables
from kpikit.sample.config import CHANNELS, COMPETITORS, EFFECTS, EXPORTS, TABLES
from kpikit.sample.effects import measure_effects
from kpikit.sample.generate import generate, main

__all__ = [
    "EFFECTS",
    "TABLES",
    "EXPORTS",
    "CHANNELS",
    "COMPETITORS",
    "generate",
    "make_tables",
    "measure_effects",
    "main",
]
