"""Canonical tables of kpikit: their columns, types, ranges and rules, as data and as pandera schemas.

Every table that kpikit's analyses take (``events``, ``sessions``, ``leads``, ...) is declared once,
in ``TABLES``: for each column its *kind* (what values it holds), whether it is required, and the
rules its values follow (ranges, allowed values, uniqueness, "not before" another time column).
From that one declaration come

- the pandera ``DataFrameSchema`` of each table (``schema("events")``),
- the parsing ``kpikit.io.read_table`` applies (which columns expect numbers, money, percentages,
  booleans or timestamps), and
- ``validate(df, table)``, which converts a frame to canonical dtypes and checks it, raising
  ``KpiDataError`` messages that name the source, the column, the offending rows and the fix.

Canonical dtypes
----------------
=============  ====================================================================================
kind           dtype after ``validate`` / ``read_table``
=============  ====================================================================================
id, str,       pandas' default string dtype (``str``; missing values are NaN). Numbers in an id
category       column become their exact text ("1001", never "1001.0"; every digit of int64,
               uint64, Decimal and Python ints; never through a float). See ``ids``.
int            ``Int64`` (nullable integer), whether or not values are missing.
float, money,  ``float64``.
percent
bool           ``boolean`` (nullable boolean), from true/false, 1/0, yes/no (any case).
timestamp,     ``datetime64[ns]``, tz-naive UTC. Aware values (any mix of UTC offsets) are converted
date           to UTC and the zone is dropped; naive values are kept as they are (assumed UTC, or
               pass ``tz=`` to say which zone they are in). Date columns hold midnights. See ``dates``.
=============  ====================================================================================

Columns the spec does not know are kept unchanged. Optional columns are checked when present.
Empty cells are missing values, allowed only in optional columns.

The one column check
--------------------
``require_columns(frame, columns, what)`` is the check every kpikit function makes on its input
frame: a ``KpiDataError`` naming each missing column, the closest existing names
(``kpikit.errors.closest``) and, only for a really close name, a mapping example.

Modules
-------
``spec`` (how a table is declared: ``ColumnSpec``, ``RowRule``, ``TableSpec``), ``tables`` (``TABLES``,
``table_spec``), ``contract`` (the pandera ``schema``), the value parser: ``convert`` (one frame's
converter), ``ids`` (IDs and the exact text of cells), ``numbers`` (decimal marks, exact counts),
``dates`` (offsets, slash dates, open ends); ``problems`` (the wording of problems and repairs),
``validate`` and ``columns`` (``require_columns``, ``column_list``).

Examples
--------
>>> import kpikit as kk
>>> kk.schemas.TABLES["sessions"].required
('session_id', 'start')
>>> kk.schemas.TABLES["transactions"].column("amount").kind
'money'
"""

from kpikit.schemas.columns import column_list, float_values, require_columns, utc_naive
from kpikit.schemas.contract import schema
from kpikit.schemas.ids import MISSING_WORDS
from kpikit.schemas.spec import NUMBER_KINDS, TEXT_KINDS, TIME_KINDS, ColumnSpec, Kind, RowRule, TableSpec
from kpikit.schemas.tables import TABLES, table_spec
from kpikit.schemas.validate import validate

__all__ = [
    "Kind",
    "ColumnSpec",
    "RowRule",
    "TableSpec",
    "TABLES",
    "schema",
    "validate",
    "table_spec",
    "require_columns",
    "column_list",
    "NUMBER_KINDS",
    "TIME_KINDS",
    "TEXT_KINDS",
    "float_values",
    "utc_naive",
    "MISSING_WORDS",
]
