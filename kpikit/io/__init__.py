"""Readers: clients' exports (CSV, Excel, Parquet) or DataFrames -> validated canonical tables.

``read_table(source, table)`` reads one file or frame, maps the client's column names onto the
canonical ones of ``kpikit.schemas.TABLES``, parses values by column kind and validates them.
``read_folder(folder)`` loads every canonical table found in a folder, whole or in parts;
``folder_health(folder)`` says, table by table, what loaded (and what was repaired), what is missing
and what failed and why.

What the CSV reader accepts
---------------------------
- UTF-8 with or without BOM (``encoding=`` for others; a file that is not valid UTF-8 is an error
  that suggests ``encoding="cp1252"`` or ``"latin-1"``: kpikit does not guess). UTF-16, with or
  without a byte-order mark (every second byte 0), is named with its byte order
  (``encoding="utf-16-le"``); a workbook, a gzip or Parquet file or an old .xls under a text name,
  and binary files (NUL bytes), are named as what they are.
- Separators ",", ";" or tab, sniffed from the first lines (``sep=`` to force one).
- Comment lines starting with "#" before the header (the header blocks of Google Analytics
  downloads), and "# "-lines anywhere; blank lines, and lines holding only separators (Excel's
  padding), are skipped. Error messages still give the physical line numbers of the file.
- Columns without a header that hold nothing (Excel's trailing commas) are dropped; if such a
  column holds data it is kept and a KpiWarning says so.
- ``.csv.gz`` files are read the same way, decompressed in blocks up to ``max_bytes`` (default
  ``KPIKIT_MAX_BYTES``, else 4 GiB; ``kpikit.io.limits``); Excel and Parquet files are held to the
  sizes they declare. A file past the limit is refused before it fills the memory.

Excel workbooks: ``sheet=`` names the sheet; without it, the only sheet, the sheet named like the
table, or the only sheet holding data is read, and otherwise the error lists the sheets.

What is repaired (each with a KpiWarning giving the count and the file rows, and an entry of
``attrs["dropped"]``) and what is refused: exact duplicate rows (``duplicates=``,
``kpikit.io.duplicates``), totals and summary rows (``totals=``, ``kpikit.io.totals``), and in a
folder, rows repeated across the parts of one table (``kpikit.io.parts``).

Canonical columns are parsed by kind (see ``kpikit.schemas``); other columns are kept as they are
(as text for CSV files). Row numbers in messages are: CSV, the physical line number (1-based,
header and comment lines counted); Excel, the sheet row; Parquet, the row position counting from 1
(the header is not counted); DataFrames, the index label.

Modules
-------
``files`` (``read_table``), ``formats`` (the CSV, Excel and Parquet readers), ``limits`` (the size
limit), ``repairs``, ``duplicates`` and ``totals`` (rows exported twice, totals rows), ``mapping``
(column mappings, ``load_mapping``), ``folder`` (``read_folder``, ``folder_health``), ``parts`` (a
table in several files), ``cache`` (the run-scoped cache of validated tables), and the readers of
Google Analytics exports: ``ga4`` (``read_ga4_bigquery``) and ``ga_reports``
(``read_landing_page_report``).
"""

from kpikit.io.cache import CACHE_ENV
from kpikit.io.files import read_table
from kpikit.io.folder import SUFFIXES, TableSet, find_table_files, folder_health, read_folder
from kpikit.io.ga4 import SOURCE_CATEGORIES, default_channel_group, read_ga4_bigquery
from kpikit.io.ga_reports import read_landing_page_report
from kpikit.io.limits import MAX_BYTES_ENV
from kpikit.io.mapping import load_mapping
from kpikit.io.ua import read_ua_bigquery

__all__ = [
    "read_table",
    "read_folder",
    "folder_health",
    "load_mapping",
    "find_table_files",
    "TableSet",
    "SUFFIXES",
    "read_ga4_bigquery",
    "read_landing_page_report",
    "read_ua_bigquery",
    "default_channel_group",
    "SOURCE_CATEGORIES",
    "CACHE_ENV",
    "MAX_BYTES_ENV",
]
