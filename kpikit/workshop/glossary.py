"""The plain-words glossary of the statistics the reports use, in every language of the catalogues.

Each term is two catalogue keys: ``glossary_name.<term>`` (its name) and ``glossary.<term>`` (what it
means, in a few plain sentences), so a report can show or link them in its own language.
``docs/glossary.<lang>.md`` is written from the same entries by :func:`glossary_markdown` (a test keeps
the files and the catalogue in step).
"""

from __future__ import annotations

import pandas as pd

from kpikit.i18n import t

__all__ = ["GLOSSARY_TERMS", "glossary", "glossary_markdown"]

#: The terms, in reading order (each builds on the ones before).
GLOSSARY_TERMS = (
    "percentage_points",
    "interval",
    "wilson",
    "small_sample",
    "p_value",
    "q_value",
    "false_discovery_rate",
    "overdispersion",
    "shrinkage",
    "censoring",
    "kaplan_meier",
    "sbg",
    "identification",
)


def glossary(lang: str = "en") -> pd.DataFrame:
    """The glossary in a language: one row per term.

    Parameters
    ----------
    lang : str
        A language code.

    Returns
    -------
    DataFrame
        ``term`` (the key), ``name`` and ``text``.

    Examples
    --------
    >>> glossary("vi").set_index("term").loc["interval", "name"]
    'Khoảng tin cậy'
    """
    rows = [
        {"term": k, "name": t(f"glossary_name.{k}", lang), "text": t(f"glossary.{k}", lang)} for k in GLOSSARY_TERMS
    ]
    return pd.DataFrame(rows, columns=["term", "name", "text"])


def glossary_markdown(lang: str = "en") -> str:
    """The glossary as a markdown page (what ``docs/glossary.<lang>.md`` holds).

    Each term has an anchor named by its key (``glossary.vi.md#wilson``), so a report can link to it.

    Parameters
    ----------
    lang : str
        A language code.

    Returns
    -------
    str
    """
    lines = [f"# {t('workshop.glossary_page.title', lang)}", "", t("workshop.glossary_page.intro", lang), ""]
    for row in glossary(lang).itertuples():
        lines += [f'<a id="{row.term}"></a>', "", f"## {row.name}", "", row.text.strip(), ""]
    return "\n".join(lines)
