"""Texts of the regional synthesis (``data/reference/chapters/regional.yaml``), filled and formatted per language."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

from mpanalysis.errors import ReferenceDataError
from mpanalysis.paths import reference_dir
from mpanalysis.reference import read_reference_yaml
from mpanalysis.wording.rules import babel_locale

TEXTS_FILE = "regional.yaml"
#: ``Guide.country`` of the synthesis: a code of ISO 3166-1's user-assigned range (XAA–XZZ),
#: which no country will ever have, standing for "the region".
REGION_CODE = "XRG"
#: Up to this many countries the cover names them all; beyond, it says "12 countries".
MAX_NAMED_COUNTRIES = 8

_PLURAL = re.compile(r"\{(\w+)\|([^{}|]*)\|([^{}|]*)\}")
_PLACEHOLDER = re.compile(r"\{(\w+(?::\w+)?)\}")  # {entities:to}: with a preposition


# --------------------------------------------------------------------------------------------
# Texts


@lru_cache(maxsize=None)
def _read_texts(path: str) -> dict:
    return read_reference_yaml(path, "the regional synthesis' texts")


def _texts_path() -> Path:
    return reference_dir() / "chapters" / TEXTS_FILE


def _node(key: str) -> Any:
    path = _texts_path()
    node: Any = _read_texts(str(path))
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ReferenceDataError(f"{path}: no text '{key}'")
        node = node[part]
    return node


def _pick(node: Any, key: str, lang: str) -> str:
    if not isinstance(node, dict) or lang not in node:
        raise ReferenceDataError(f"{_texts_path()}: text '{key}' has no '{lang}' translation")
    return str(node[lang])


def format_value(key: str, value: float | int, lang: str) -> str:
    """Write a number the way ``lang`` does; the key's name says what kind of number it is.

    Shares (``…_share``, ``…_rate``, ``…_reach``) become percentages, ``density`` keeps three
    decimals, other whole numbers are written without decimals.

    >>> format_value("formal_share", 0.125, "fr"), format_value("density", 0.0537, "en")
    ('12\\xa0%', '0.054')
    >>> format_value("n_total", 1234, "en"), format_value("mean_severity", 2.25, "fr")
    ('1,234', '2,2')
    """
    if key.endswith(("_share", "_rate", "_reach")):
        return format_percent(value, locale=babel_locale(lang))
    if key == "density":
        return format_decimal(round(float(value), 3), format="0.000", locale=babel_locale(lang))
    if isinstance(value, int) or float(value).is_integer():
        return format_decimal(int(value), locale=babel_locale(lang))
    return format_decimal(value, format="#,##0.0", locale=babel_locale(lang))


def get_regional_text(key: str, lang: str, *, numbers: Mapping[str, float] | None = None,
                      **texts: str) -> str:
    """Return a text of ``regional.yaml`` in ``lang``, its placeholders filled.

    ``numbers`` are written the way the language writes them (see :func:`format_value`) and
    choose the word forms ``{n|one|other}``; ``texts`` are inserted as given. ``{num:id}`` and
    ``{ref:id}`` stay for the renderers. A placeholder left without a value is an error.

    >>> get_regional_text("coverage.extremes", "en", numbers={"n_best": 31, "n_worst": 1},
    ...                   best="Migration trends", worst="Border management")
    'The best covered domain in the region is “Migration trends” (31 existing sources in all), the least covered “Border management” (1).'
    >>> get_regional_text("document.many_countries", "de")
    Traceback (most recent call last):
    ...
    mpanalysis.errors.ReferenceDataError: ...regional.yaml: text 'document.many_countries' has no 'de' translation
    """
    from mpanalysis.analysis.findings import fill_template

    template = _pick(_node(key), key, lang)
    values: dict[str, object] = dict(numbers or {})
    # texts are inserted as given, even one that looks like a number
    values.update((name, str(text)) for name, text in texts.items())
    return fill_template(template, lang, values, where=f"{_texts_path()}: text '{key}'",
                         format_value=format_value)


def _t(key: str, lang: str, **texts: str) -> str:
    return get_regional_text(key, lang, **texts)


def _tn(key: str, lang: str, numbers: Mapping[str, float], **texts: str) -> str:
    return get_regional_text(key, lang, numbers=numbers, **texts)


def _escape(text: object) -> str:
    """Plotly reads a few HTML tags in its texts: names from parameters must show literally."""
    return html.escape(str(text), quote=False)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _list(items: Sequence[str], lang: str) -> str:
    return format_list(list(items), locale=babel_locale(lang)) if items else ""
