"""nbval settings for the committed notebooks (``make test`` runs ``--nbval-lax`` over this folder).

Cells marked ``# NBVAL_CHECK_OUTPUT`` are compared with their committed output. A ``record_kpis`` cell
shows its KPIs twice: formatted (HTML and text, what a reader sees) and as full-precision JSON (what
``kpikit render`` extracts). The JSON is left out of the comparison: a model's last float digits differ
between CPUs (vectorised maths takes other paths), so full-precision values would fail on every machine but
the one that executed the notebook, while the formatted values are compared everywhere. The numbers
themselves are tested with tolerances by the domain tests.
"""

from __future__ import annotations

from kpikit.report.kpis import KPI_MIME


def pytest_collection_modifyitems(session, config, items):
    for item in items:
        parent = getattr(item, "parent", None)
        skip = getattr(parent, "skip_compare", None)
        if isinstance(skip, tuple) and KPI_MIME not in skip:
            parent.skip_compare = skip + (KPI_MIME,)
