"""How much one file may hold once decompressed: ``max_bytes``, ``KPIKIT_MAX_BYTES`` and the bounded readers.

A gzip file of 1.5 MB can inflate to gigabytes. kpikit decompresses in blocks and counts, and stops
with a ``KpiDataError`` as soon as a file passes the limit, before it fills the memory. Excel
workbooks (zip archives) and Parquet files declare their inflated sizes, which are checked before
they are opened.
"""

from __future__ import annotations

import gzip
import os
import re
import zlib
from pathlib import Path

from kpikit.errors import KpiDataError

__all__ = ["MAX_BYTES_ENV", "DEFAULT_MAX_BYTES"]


#: Environment variable giving the default of ``max_bytes`` (bytes, or with a unit: "500MB", "8GB").
MAX_BYTES_ENV = "KPIKIT_MAX_BYTES"


#: The most bytes one file may hold once decompressed, unless ``max_bytes`` or ``KPIKIT_MAX_BYTES`` say more.
DEFAULT_MAX_BYTES = 4 * 1024**3


_UNITS = {"": 1, "b": 1, "kb": 1024, "k": 1024, "mb": 1024**2, "m": 1024**2, "gb": 1024**3, "g": 1024**3}


_BLOCK = 1 << 20


def _max_bytes(max_bytes: int | None) -> int:
    """The limit in bytes: ``max_bytes``, else ``KPIKIT_MAX_BYTES``, else ``DEFAULT_MAX_BYTES``."""
    if max_bytes is None:
        env = os.environ.get(MAX_BYTES_ENV, "").strip()
        if not env:
            return DEFAULT_MAX_BYTES
        m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([a-zA-Z]*)", env)
        if not m or m.group(2).lower() not in _UNITS:
            raise KpiDataError(
                f"{MAX_BYTES_ENV}={env!r} is not a size: write bytes (4294967296) or a size with a unit "
                '("500MB", "8GB").'
            )
        return int(float(m.group(1)) * _UNITS[m.group(2).lower()])
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
        raise KpiDataError(f"max_bytes must be a positive whole number of bytes (e.g. 8 * 1024**3), not {max_bytes!r}.")
    return max_bytes


def _size(n: float) -> str:
    """A byte count for people: "1.5 MB", "4 GB"."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}".replace(".0 ", " ")
        n /= 1024
    return f"{n:,.1f} TB"  # pragma: no cover


def _too_big(name: str, what: str, limit: int, stored: int) -> KpiDataError:
    return KpiDataError(
        f"{name} {what} more than {_size(limit)} (max_bytes={limit}) while it takes {_size(stored)} on disk; "
        "kpikit stopped before reading it into memory. If the export really is this large, pass a larger "
        f"max_bytes= (or set {MAX_BYTES_ENV}), or split it into parts (a folder of files per table); "
        "otherwise the file is damaged or not a genuine export: download it again."
    )


def _read_bytes(path: Path, name: str, limit: int) -> bytes | bytearray:
    """The bytes of a CSV file, gunzipped in blocks when it ends in ``.gz``, never more than ``limit``."""
    stored = path.stat().st_size
    if not path.name.lower().endswith(".gz"):
        if stored > limit:
            raise _too_big(name, "holds", limit, stored)
        return path.read_bytes()
    out = bytearray()
    try:
        with gzip.open(path, "rb") as fh:
            while block := fh.read(_BLOCK):
                out += block
                if len(out) > limit:
                    raise _too_big(name, "inflates to", limit, stored)
    except (OSError, EOFError, zlib.error) as e:
        raise KpiDataError(
            f"{name} is not a readable gzip file ({e}). Download it again, or save it uncompressed as .csv."
        ) from None
    return out


def _check_zip(path: Path, name: str, limit: int) -> None:
    """Refuse a zip archive (an .xlsx workbook) whose members declare more than ``limit`` bytes in all.

    Python's zip reader never inflates a member past its declared size, so the declared total bounds
    the memory a workbook can take. A file that is not a zip archive is left to the Excel reader.
    """
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            declared = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    if declared > limit:
        raise _too_big(name, "inflates to", limit, path.stat().st_size)


def _check_parquet(path: Path, name: str, limit: int) -> None:
    """Refuse a Parquet file whose row groups declare more than ``limit`` uncompressed bytes."""
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(path)
        declared = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    except Exception:  # pyarrow raises several kinds: the reader names the file as unreadable
        return
    if declared > limit:
        raise _too_big(name, "inflates to", limit, path.stat().st_size)
