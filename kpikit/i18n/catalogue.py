"""Message catalogues: every word a report shows, one catalogue per language.

A catalogue is a folder ``kpikit/i18n/<lang>/`` of YAML files (one per area: ``common.yaml``,
``kpis.yaml``, ``columns.yaml``, one per notebook, one per domain's finding templates), merged into one;
a key may stand in one file only. A single file ``kpikit/i18n/<lang>.yaml`` is a catalogue too. One of
its files holds a ``language`` block (name, Babel ``locale``, text ``direction``
``ltr``/``rtl``, optionally ``numbering_system``) and the messages, nested by kind:

- ``kpi.<name>``: the label of a registry KPI (``kpi.bounce_rate`` -> "Bounce rate");
- ``column.<name>``: the header of a canonical column (``column.ci_low``);
- ``term.<value>``: a category the kit itself writes into frames ("detractor", "month");
- ``table.<name>``: a canonical table as a reader names it;
- ``notebook.<name>.title`` / ``.question`` / ``.section.<id>``: a report's title block and sections;
- ``ui.<id>``: everything else a report writes (card captions, the appendix, notes);
- ``findings``: finding templates, keyed by their English template (gettext style: the English
  catalogue needs no ``findings`` block, the template is the English text).

Adding a language is adding a file: ``fa.yaml`` with ``locale: fa_IR`` and ``direction: rtl`` makes
``lang="fa"`` valid everywhere. Messages may hold ``{field:spec}`` placeholders, filled by :func:`t`
with the kit's format specs (:data:`kpikit.i18n.formats.SPECS`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kpikit.errors import KpiDataError, MissingTranslationError, closest

__all__ = [
    "CATALOGUE_DIR",
    "SOURCE_LANGUAGE",
    "languages",
    "language",
    "direction",
    "messages",
    "t",
    "term",
    "has_key",
    "translate_template",
]

#: Where the catalogues live (a folder ``<lang>/`` or a file ``<lang>.yaml`` each).
CATALOGUE_DIR = Path(__file__).parent

#: The language the kit is written in: its finding templates are English text.
SOURCE_LANGUAGE = "en"

_LANGUAGE_KEYS = {"name", "locale", "direction", "numbering_system"}


def _flatten(node: Mapping, prefix: str, out: dict[str, str], path: Path) -> None:
    for key, value in node.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _flatten(value, f"{name}.", out, path)
        elif isinstance(value, str):
            out[name] = value
        else:
            raise KpiDataError(
                f"{path.name}: the entry {name!r} is {value!r}, not text; quote it in the YAML file "
                "(YAML reads yes, no, on and off as true/false)."
            )


def _read(path: Path) -> dict[str, Any]:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, Mapping):
        raise KpiDataError(f"{path.name}: a message catalogue file holds a mapping of keys to messages.")
    return dict(data)


def _files(lang: str, folder: Path) -> list[Path]:
    """A language's catalogue files: ``<lang>.yaml``, or every ``*.yaml`` of the folder ``<lang>/``."""
    single = folder / f"{lang}.yaml"
    if single.is_file():
        return [single]
    return sorted((folder / lang).glob("*.yaml"))


@functools.cache
def _load(lang: str, folder: Path) -> dict[str, Any]:
    where = f"{lang}.yaml" if (folder / f"{lang}.yaml").is_file() else f"{lang}/"
    meta: Mapping | None = None
    flat: dict[str, str] = {}
    findings: dict[Any, Any] = {}
    origin: dict[str, str] = {}
    for path in _files(lang, folder):
        data = _read(path)
        block = data.pop("language", None)
        if block is not None:
            if meta is not None:
                raise KpiDataError(f"{where}: two files hold a 'language' block; keep one ({path.name}).")
            meta = block
        part: dict[str, str] = {}
        _flatten({k: v for k, v in data.items() if k != "findings"}, "", part, path)
        part_findings = data.get("findings") or {}
        for key in [*part, *(f"findings:{k}" for k in part_findings)]:
            if key in origin:
                raise KpiDataError(
                    f"{where}: {key!r} is in both {origin[key]} and {path.name}; keep one entry per key."
                )
            origin[key] = path.name
        flat.update(part)
        findings.update(part_findings)
    if not isinstance(meta, Mapping) or not {"name", "locale", "direction"} <= set(meta):
        raise KpiDataError(f"{where}: needs a 'language' block with name, locale and direction (ltr or rtl).")
    unknown = set(meta) - _LANGUAGE_KEYS
    if unknown or meta["direction"] not in ("ltr", "rtl"):
        raise KpiDataError(
            f"{where}: the 'language' block holds name, locale, direction (ltr or rtl) and optionally "
            f"numbering_system; got {dict(meta)!r}."
        )
    bad = {k: v for k, v in findings.items() if not isinstance(k, str) or not isinstance(v, str)}
    if bad:
        raise KpiDataError(f"{where}: finding templates and their translations must be text: {bad!r}.")
    return {"language": dict(meta), "messages": flat, "findings": dict(findings), "where": where}


def languages() -> list[str]:
    """The languages a report can be written in: one per catalogue (a file or a folder).

    Returns
    -------
    list of str
        Language codes ("en", "vi", ...), sorted.
    """
    files = {p.stem for p in CATALOGUE_DIR.glob("*.yaml")}
    folders = {p.name for p in CATALOGUE_DIR.iterdir() if p.is_dir() and any(p.glob("*.yaml"))}
    return sorted(files | folders)


def _catalogue(lang: str) -> dict[str, Any]:
    if not isinstance(lang, str) or lang not in languages():
        raise KpiDataError(
            f"no message catalogue for language {lang!r}; available: {', '.join(languages())}. "
            f"A language is added as one file, kpikit/i18n/<code>.yaml (or a folder kpikit/i18n/<code>/)."
        )
    return _load(lang, CATALOGUE_DIR)


def language(lang: str) -> dict[str, str]:
    """A language's settings: ``name``, Babel ``locale``, ``direction`` and ``numbering_system``.

    Parameters
    ----------
    lang : str
        A language code of :func:`languages`.

    Returns
    -------
    dict

    Raises
    ------
    KpiDataError
        For a language without a catalogue, listing the available ones.

    Examples
    --------
    >>> language("vi")["locale"], language("en")["direction"]
    ('vi_VN', 'ltr')
    """
    return {"numbering_system": "latn", **_catalogue(lang)["language"]}


def direction(lang: str) -> str:
    """The direction a language is written in: "ltr" or "rtl" (for ``<html dir=...>``).

    Parameters
    ----------
    lang : str
        A language code.

    Returns
    -------
    str
    """
    return language(lang)["direction"]


def messages(lang: str) -> dict[str, str]:
    """Every message of a language's catalogue, by flat key (``kpi.grr``), findings excluded.

    Parameters
    ----------
    lang : str
        A language code.

    Returns
    -------
    dict of str to str
        A copy: changing it changes no report.
    """
    return dict(_catalogue(lang)["messages"])


def has_key(key: str, lang: str = SOURCE_LANGUAGE) -> bool:
    """Whether a language's catalogue holds a key.

    Parameters
    ----------
    key : str
        A flat key (``column.churn_rate``).
    lang : str
        A language code.

    Returns
    -------
    bool
    """
    return key in _catalogue(lang)["messages"]


def _message(key: str, lang: str, strict: bool) -> str:
    found = _catalogue(lang)["messages"].get(key)
    if found is not None:
        return found
    source = _catalogue(SOURCE_LANGUAGE)["messages"]
    if key not in source:
        near = closest(key, list(source), n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise MissingTranslationError(f"no message {key!r} in the message catalogue{hint}")
    if strict:
        raise MissingTranslationError(
            f"{_catalogue(lang)['where']} has no entry {key!r} (English: {source[key]!r}); "
            f"add it to kpikit/i18n/{_catalogue(lang)['where']}."
        )
    return source[key]


def t(key: str, lang: str = SOURCE_LANGUAGE, strict: bool = True, currency: str | None = None, **fields: Any) -> str:
    """A message of the catalogue in a language, its ``{field:spec}`` placeholders filled.

    Parameters
    ----------
    key : str
        A flat key: ``kpi.bounce_rate``, ``column.ci_low``, ``ui.summary``, ...
    lang : str
        A language code of :func:`languages`.
    strict : bool
        With False, a key the language lacks falls back to English; reports use strict (an English
        word in a Vietnamese report is a defect, caught by the catalogue tests).
    currency : str, optional
        The report's currency, for ``{x:money}`` placeholders.
    **fields
        Values of the placeholders.

    Returns
    -------
    str

    Raises
    ------
    KpiDataError
        For an unknown language; :class:`~kpikit.errors.MissingTranslationError` for a key that no
        catalogue holds, or (strict) that the language lacks.

    Examples
    --------
    >>> t("kpi.bounce_rate"), t("kpi.bounce_rate", "vi")
    ('Bounce rate', 'Tỷ lệ thoát')
    >>> t("ui.pp_value", "vi", value="+2,3")
    '+2,3 điểm %'
    """
    text = _message(key, lang, strict)
    if not fields:
        return text
    from kpikit.i18n.formats import render_template

    return render_template(text, fields, lang, currency, source=key)


def term(value: Any, lang: str = SOURCE_LANGUAGE, strict: bool = True) -> str:
    """A category name the kit writes ("detractor", "month", "reopened") in a language.

    Values the kit does not define (a client's plan names, pages, channels) are the client's own words
    and come back unchanged.

    Parameters
    ----------
    value : Any
        The category.
    lang : str
        A language code.
    strict : bool
        As for :func:`t`.

    Returns
    -------
    str

    Examples
    --------
    >>> term("detractor", "vi"), term("Box Monthly", "vi")
    ('người phản đối', 'Box Monthly')
    """
    key = f"term.{value}"
    if key not in _catalogue(SOURCE_LANGUAGE)["messages"]:
        return str(value)
    return _message(key, lang, strict)


def translate_template(template: str, lang: str = SOURCE_LANGUAGE, strict: bool = True) -> str:
    """A finding template in a language (the English template is its own key).

    Parameters
    ----------
    template : str
        The English template, as the kit's code writes it.
    lang : str
        A language code.
    strict : bool
        With False, a template the language lacks stays English.

    Returns
    -------
    str
        The template (placeholders unfilled).

    Raises
    ------
    MissingTranslationError
        When the language has no entry for the template (strict).
    """
    if lang == SOURCE_LANGUAGE:
        _catalogue(lang)
        return template
    found = _catalogue(lang)["findings"].get(template)
    if found is not None:
        return found
    if strict:
        raise MissingTranslationError(
            f"{_catalogue(lang)['where']} has no translation of the finding template {template!r}; "
            "add it under 'findings:'."
        )
    return template
