"""Where kpikit computes: pandas in memory, DuckDB out of core, or the backend the data lives in.

kpikit's functions take a pandas DataFrame, a path or glob of files (opened lazily by DuckDB,
:mod:`kpikit.io.lazy`) or any Ibis table (DuckDB, PySpark, BigQuery, Snowflake, ...). On the lazy
path a result that is a table (the sessions of ``kk.web.sessions_from_events``) stays an Ibis table
on the same backend, and an aggregate (``kk.web.bounce_rate``, ``kk.funnel.ordered_funnel``)
returns the same small pandas table as on the pandas path, with intervals computed in pandas from
the aggregated counts.

Modules
-------
- ``tables``: the input kinds (:func:`~kpikit.engine.tables.resolve`), the expressions each backend
  spells its own way (first row by a key, nanoseconds since 1970), :func:`attrs` of lazy results
  and :func:`persist`.
- ``ga4``: the GA4 BigQuery export flattened as one Ibis expression (:func:`ga4_events`), run on the
  export tables in BigQuery itself or on their NDJSON/Parquet copies with DuckDB
  (:func:`open_ga4_export`); GA4's default channel group as an expression (:func:`channel_group`).
"""

from kpikit.engine.ga4 import channel_group, ga4_events, open_ga4_export
from kpikit.engine.tables import attrs, backend_name, persist

__all__ = ["attrs", "persist", "backend_name", "ga4_events", "open_ga4_export", "channel_group"]
