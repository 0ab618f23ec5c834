"""Column mappings: a client's column names onto the canonical ones (a dict or a YAML file)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.schemas import TABLES

__all__ = ["load_mapping"]


def load_mapping(mapping_file: str | Path | None, table: str | None = None) -> dict[str, str]:
    """The column mapping (client column -> canonical column) for ``table`` from a YAML file.

    The file either has one section per canonical table::

        sessions:
          Session Start: start
          Landing Page: landing_page
        transactions:
          Order Total: amount

    or, when ``table`` is given, may be a flat mapping (``Session Start: start``) that applies to it.

    Parameters
    ----------
    mapping_file : str or Path or None
        The YAML file; None gives an empty mapping.
    table : str, optional
        The table whose section is wanted. Without it a sectioned file's sections are merged and a
        flat file is an error.

    Returns
    -------
    dict
        Client column name -> canonical column name (empty if the file has no section for the table).

    Raises
    ------
    KpiDataError
        File missing, not YAML, or not shaped as above.
    """
    if mapping_file is None:
        return {}
    import yaml

    path = Path(mapping_file)
    name = path.name
    if not path.is_file():
        raise KpiDataError(
            f"Mapping file {str(path)!r} does not exist. Pass the path of a YAML file, or mapping_file=None."
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise KpiDataError(f"{name}: not a readable YAML mapping file ({e}).") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise KpiDataError(
            f"{name}: a mapping file must be a YAML mapping (client column: canonical "
            f"column, or one such mapping per table), not a {type(data).__name__}."
        )
    sectioned = all(isinstance(v, dict) for v in data.values())
    flat = all(isinstance(v, str) for v in data.values())
    if sectioned:
        unknown = [k for k in data if k not in TABLES]
        if unknown:
            raise KpiDataError(
                f"{name}: sections {', '.join(repr(str(u)) for u in unknown)} are not canonical "
                f"tables ({', '.join(TABLES)}). Rename them, or write a flat mapping for one table."
            )
        if table is not None:
            section = data.get(table) or {}
        else:
            section = {}
            for v in data.values():
                section.update(v)
        bad = [k for k, v in section.items() if not isinstance(v, str)]
        if bad:
            raise KpiDataError(
                f"{name}: the mapping of {', '.join(repr(str(b)) for b in bad)} must be a canonical column name (text)."
            )
        return {str(k).strip(): v.strip() for k, v in section.items()}
    if flat:
        if table is None:
            raise KpiDataError(
                f"{name}: a flat mapping needs the table it applies to; use one "
                f"section per table (e.g. 'sessions:') to read a folder."
            )
        return {str(k).strip(): v.strip() for k, v in data.items()}
    raise KpiDataError(f"{name}: mixes table sections and column entries. Put every column under its table's section.")


def _apply_mapping(df: pd.DataFrame, mapping: Mapping[str, str], source: str) -> pd.DataFrame:
    targets: dict[str, str] = {}
    for src, dst in mapping.items():
        if dst in targets:
            raise KpiDataError(
                f"{source}: the mapping sends both '{targets[dst]}' and '{src}' to "
                f"'{dst}'. Map one column to each canonical name."
            )
        targets[dst] = src
    present = {src: dst for src, dst in mapping.items() if src in df.columns and src != dst}
    clash = [dst for dst in present.values() if dst in df.columns and dst not in present]
    if clash:
        dst = clash[0]
        raise KpiDataError(
            f"{source}: the mapping renames '{targets[dst]}' to '{dst}', but the data already has a "
            f"column '{dst}'. Drop one of them, or map the existing '{dst}' to another name."
        )
    return df.rename(columns=present)
