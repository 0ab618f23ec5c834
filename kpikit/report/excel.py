"""The report's Excel workbook: every client table on its own sheet, numbers kept as numbers.

``rep.finish()`` embeds the workbook in the notebook as a base64 output of MIME type
:data:`XLSX_MIME`; ``kpikit render`` saves it beside the report as ``NN_name.xlsx`` with
:func:`excel_from_notebook`. The bytes are reproducible: the same tables give the same file (fixed
document dates and zip timestamps), so re-rendering unchanged data changes nothing.
"""

from __future__ import annotations

import base64
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import pandas as pd

from kpikit.report.tables import ClientTable

__all__ = ["XLSX_MIME", "workbook_bytes", "excel_from_notebook", "sheet_name"]

#: MIME type of the workbook output (base64 text).
XLSX_MIME = "application/vnd.kpikit.xlsx+base64"

_NUMBER_FORMATS = {
    "share": "0.0%",
    "pp": "+0.0%;-0.0%;0.0%",
    "money": "#,##0.00",
    "count": "#,##0",
    "number": "#,##0.00",
    "duration": "#,##0.0",
    "ratio": "0.00",
    "p_value": "0.000",
    "month": "mmm yyyy",
    "date": "yyyy-mm-dd",
}
_FIXED = (1980, 1, 1, 0, 0, 0)


def sheet_name(caption: str, taken: set[str]) -> str:
    r"""An Excel sheet name from a caption: at most 31 characters, none of ``[]:*?/\``, unique.

    Parameters
    ----------
    caption : str
        The table's caption.
    taken : set of str
        Names already used (compared case-insensitively, as Excel does); the new name is added.

    Returns
    -------
    str

    Examples
    --------
    >>> taken = set()
    >>> sheet_name("Churn by plan: monthly [all]", taken), sheet_name("Churn by plan: monthly [all]", taken)
    ('Churn by plan monthly all', 'Churn by plan monthly all (2)')
    """
    base = re.sub(r"\s+", " ", re.sub(r"[\[\]:*?/\\]", "", str(caption))).strip().strip("'") or "Table"
    base = base[:31].rstrip()
    name, i = base, 2
    while name.lower() in taken:
        suffix = f" ({i})"
        name = base[: 31 - len(suffix)].rstrip() + suffix
        i += 1
    taken.add(name.lower())
    return name


def _cell(value: Any) -> Any:
    if value is None or (not isinstance(value, (str, bytes)) and pd.isna(value)):
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().replace(tzinfo=None)
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return None
    if isinstance(value, (int, float, bool, str)):
        return value
    return str(value)


def _stable(data: bytes) -> bytes:
    """The same workbook with fixed document dates and zip timestamps (reproducible bytes)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)", r"\g<1>2000-01-01T00:00:00Z\g<3>", text
                )
                content = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED)
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, content)
    return out.getvalue()


def workbook_bytes(tables: Sequence[tuple[str, ClientTable]]) -> bytes:
    """An .xlsx workbook with one sheet per table: labelled headers, raw values, number formats by kind.

    Parameters
    ----------
    tables : sequence of (caption, ClientTable)
        The tables in report order; each sheet is named from its caption (:func:`sheet_name`).

    Returns
    -------
    bytes
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from kpikit.report.tables import column_label

    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    for caption, table in tables:
        ws = wb.create_sheet(sheet_name(caption, taken))
        frame = table.frame
        ws.append([column_label(c, table.lang) for c in frame.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False):
            ws.append([_cell(v) for v in row])
        for j, c in enumerate(frame.columns, start=1):
            fmt = _NUMBER_FORMATS.get(table.kinds.get(c, ""))
            width = max([len(str(ws.cell(1, j).value))] + [min(len(str(v)), 40) for v in frame[c].head(200)]) + 2
            ws.column_dimensions[ws.cell(1, j).column_letter].width = min(width, 45)
            if fmt:
                for r in range(2, len(frame) + 2):
                    ws.cell(r, j).number_format = fmt
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return _stable(buf.getvalue())


def excel_from_notebook(nb: Mapping) -> bytes | None:
    """The workbook an executed notebook embedded (its last :data:`XLSX_MIME` output), or None.

    Parameters
    ----------
    nb : mapping
        The executed notebook (a dict or nbformat node).

    Returns
    -------
    bytes or None
    """
    found = None
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if XLSX_MIME in data:
                found = data[XLSX_MIME]
    if found is None:
        return None
    text = "".join(found) if isinstance(found, list) else found
    return base64.b64decode(text)
