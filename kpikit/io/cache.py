"""The run-scoped cache of validated tables that lets a batch run parse each export once."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["CACHE_ENV"]


#: Environment variable naming a folder where validated tables are cached between reports.
CACHE_ENV = "KPIKIT_TABLE_CACHE"


def _cache_file(path: Path, table: str, mapping: Mapping[str, str], options: tuple) -> Path | None:
    """Where the validated table of ``path`` is cached, when ``KPIKIT_TABLE_CACHE`` names a folder.

    The batch runner sets it for one run, so that the six notebooks of a client parse and validate
    each export once, not six times. The key is a hash of the file's bytes, the table, the mapping,
    every reading option and the kpikit version: a changed file or option is a new entry, never a
    stale hit.
    """
    import hashlib
    import os

    folder = os.environ.get(CACHE_ENV)
    if not folder:
        return None
    from kpikit import __version__

    h = hashlib.sha256()
    h.update(repr((__version__, table, sorted(mapping.items()), options)).encode("utf-8"))
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return Path(folder) / f"{table}-{h.hexdigest()[:32]}.pkl"


def _load(cache: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """A cache entry: the validated table and the file row number of each of its rows."""
    entry = pd.read_pickle(cache)
    if isinstance(entry, pd.DataFrame):  # an entry written before row numbers were kept
        return entry, np.arange(1, len(entry) + 1)
    frame, rows = entry
    return frame, rows


def _store(cache: Path, frame: pd.DataFrame, rows: np.ndarray) -> None:
    """Write a cache entry (the table and its file rows) atomically: two reports may read one file at once."""
    import os
    import tempfile

    if not cache.parent.is_dir():
        # The batch creates the folder private (0700) and removes it when the run ends; a folder that is
        # gone means the run is over, and recreating it would leave client data readable by others.
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{cache.name}.", dir=cache.parent)
    os.close(fd)
    try:
        pd.to_pickle((frame, rows), tmp)
        os.replace(tmp, cache)
    finally:
        Path(tmp).unlink(missing_ok=True)
