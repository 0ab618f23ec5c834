"""Readers: clients' exports (CSV, Excel, Parquet) or DataFrames -> validated canonical tables.

``read_table(source, table)`` reads one file or frame, maps the client's column names onto the
canonical ones of ``kpikit.schemas.TABLES``, parses values by column kind and validates them.
``read_folder(folder)`` loads every canonical table found in a folder; ``folder_health(folder)`` says,
table by table, what loaded, what is missing and what failed and why.

What the CSV reader accepts
---------------------------
- UTF-8 with or without BOM (``encoding=`` for others; a file that is not valid UTF-8 is an error
  that suggests ``encoding="cp1252"`` or ``"latin-1"``: kpikit does not guess).
- Separators ",", ";" or tab, sniffed from the first lines (``sep=`` to force one).
- Comment lines starting with "#" before the header (the header blocks of Google Analytics
  downloads), and "# "-lines anywhere; blank lines, and lines holding only separators (Excel's
  padding), are skipped. Error messages still give the physical line numbers of the file.
- Columns without a header that hold nothing (Excel's trailing commas) are dropped; if such a
  column holds data it is kept and a KpiWarning says so.
- ``.csv.gz`` files are read the same way.

Canonical columns are parsed by kind (see ``kpikit.schemas``); other columns are kept as they are
(as text for CSV files). Row numbers in messages are: CSV, the physical line number (1-based,
header and comment lines counted); Excel, the sheet row; Parquet, the row position counting from 1
(the header is not counted); DataFrames, the index label.

Modules
-------
``files`` (``read_table``), ``formats`` (the CSV, Excel and Parquet readers), ``mapping`` (column
mappings, ``load_mapping``), ``folder`` (``read_folder``, ``folder_health``), ``cache`` (the run-scoped
cache of validated tables), and the readers of Google Analytics exports: ``ga4``
(``read_ga4_bigquery``) and ``ga_reports`` (``read_landing_page_report``).
"""

from kpikit.io.cache import CACHE_ENV
from kpikit.io.files import read_table
from kpikit.io.folder import SUFFIXES, TableSet, find_table_files, folder_health, read_folder
from kpikit.io.ga4 import read_ga4_bigquery
from kpikit.io.ga_reports import read_landing_page_report
from kpikit.io.mapping import load_mapping

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
    "CACHE_ENV",
]
