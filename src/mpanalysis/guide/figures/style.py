"""Shared look and text of the chapter I–II figures: configuration, labels, escaping, layout."""

from __future__ import annotations

import html
import os
import re
import textwrap
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from babel.lists import format_list
from babel.numbers import format_decimal

from mpanalysis.analysis.findings import fill_template
from mpanalysis.errors import ReferenceDataError
from mpanalysis.paths import reference_dir
from mpanalysis.reference import get_labels
from mpanalysis.wording.rules import babel_locale

CONFIG_FILE_NAME = "figures.yaml"

_UNKNOWN = "unknown"
_UNSPECIFIED = "__unspecified__"


# --------------------------------------------------------------------------------------------
# Configuration and text helpers


@lru_cache(maxsize=None)
def _load_config_cached(folder: str) -> dict[str, Any]:
    from mpanalysis.reference import read_reference_yaml

    path = Path(folder) / CONFIG_FILE_NAME
    config = read_reference_yaml(path, "figure texts and styles", expect_mapping=False)
    for key in ("style", "colors", "symbols", "channels", "network", "texts"):
        if not isinstance(config, dict) or key not in config:
            raise ReferenceDataError(f"{path}: missing top-level key '{key}'")
    return config


@lru_cache(maxsize=8)
def _reference_dir_for(cwd: str, root_env: str | None) -> str:
    return str(reference_dir())


def _config() -> dict[str, Any]:
    # finding the project root walks the file system; labels of big graphs ask thousands of times
    return _load_config_cached(_reference_dir_for(os.getcwd(), os.environ.get("MPANALYSIS_ROOT")))


def find_config_text(texts: Mapping[str, Any], key: str, lang: str, path: Path) -> str:
    """Return ``texts.<key>`` in ``lang`` from the ``texts`` section of a figure configuration
    file (``path``, named in the error when the key or the language is missing).

    >>> find_config_text({"a": {"b": {"fr": "Texte"}}}, "a.b", "fr", Path("figures.yaml"))
    'Texte'
    >>> find_config_text({"a": {"b": {"fr": "Texte"}}}, "a.b", "pt", Path("figures.yaml"))
    Traceback (most recent call last):
    ...
    mpanalysis.errors.ReferenceDataError: figures.yaml, key 'texts.a.b': no text in language 'pt'
    """
    node: Any = texts
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ReferenceDataError(f"{path}: no text 'texts.{key}'")
        node = node[part]
    if not isinstance(node, dict) or lang not in node:
        raise ReferenceDataError(f"{path}, key 'texts.{key}': no text in language '{lang}'")
    return str(node[lang])


def get_figure_text(key: str, lang: str) -> str:
    """Return the text ``texts.<key>`` of ``data/reference/figures.yaml`` in ``lang``.

    >>> get_figure_text("actor_network.coordinator", "fr")
    'Coordinateur'
    >>> get_figure_text("flows_sankey.column_domains", "en")
    'Domains'
    """
    return find_config_text(_config()["texts"], key, lang, reference_dir() / CONFIG_FILE_NAME)


def fill_figure_text(key: str, lang: str, **values: Any) -> str:
    """Return the text ``texts.<key>`` of ``figures.yaml`` in ``lang``, filled in.

    Numbers are written the language's way and ``{n|one|other}`` picks the word form agreeing
    with the number ``n`` (:func:`mpanalysis.analysis.findings.fill_template`); texts are inserted as given.

    >>> fill_figure_text("policy_cycle.actors", "fr", n=1), fill_figure_text("policy_cycle.actors", "fr", n=12)
    ('1 acteur', '12 acteurs')
    """
    return fill_template(get_figure_text(key, lang), lang, values,
                         where=f"{reference_dir() / CONFIG_FILE_NAME}, key 'texts.{key}' ({lang})")


def _style(key: str) -> Any:
    return _config()["style"][key]


def _escape(text: object) -> str:
    """Make data safe for plotly's pseudo-HTML text: it shows literally, never as markup."""
    return html.escape(str(text), quote=False)


def _wrap(text: str, width: int | None = None) -> str:
    """Escape ``text`` and break it on several lines (plotly does not wrap labels itself)."""
    lines = textwrap.wrap(str(text), width or int(_style("wrap_chars"))) or [""]
    return "<br>".join(_escape(line) for line in lines)


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        if pd.isna(value):
            return True
    except (TypeError, ValueError):  # list-like values are never "missing" here
        return False
    return isinstance(value, str) and not value.strip()


def _is_true(value: object) -> bool:
    if _is_missing(value):
        return False
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)


def _format_int(value: int, lang: str) -> str:
    return format_decimal(int(value), locale=babel_locale(lang))


def _format_names(names: list[str], lang: str) -> str:
    if not names:
        return get_figure_text("none", lang)
    return format_list(names, locale=babel_locale(lang))


_SPACES = re.compile(r"[ \t\r\n]+")


def collapse_spaces(text: object) -> str:
    """Return ``text`` with runs of spaces, tabs and line ends as one space, trimmed; the
    non-breaking spaces of French typography stay (``str.split`` would drop them).

    >>> collapse_spaces(" Domaine\u00a0:  tendances ") == "Domaine\u00a0: tendances"
    True
    """
    return _SPACES.sub(" ", str(text)).strip()


def _shorten(text: str, max_chars: int | None = None) -> str:
    limit = max_chars or int(_style("label_max_chars"))
    text = collapse_spaces(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _entity_label(entity_id: object, name: object = None, acronym: object = None) -> str:
    """Short plain-text label of an institution: its acronym, else its (shortened) name."""
    if not _is_missing(acronym):
        return _shorten(str(acronym))
    if not _is_missing(name):
        return _shorten(str(name))
    return _shorten(str(entity_id))


def _hex_to_rgba(color: str, alpha: float) -> str:
    color = color.lstrip("#")
    red, green, blue = (int(color[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({red},{green},{blue},{alpha})"


def _ordered_codes(reference_codes: list[str], seen: Iterable[str]) -> list[str]:
    """Reference-list order first, then codes seen in the data that the list lacks, sorted."""
    extra = sorted({str(code) for code in seen} - set(reference_codes))
    return list(reference_codes) + extra


def _domain_colors(domains: list[str]) -> dict[str, str]:
    colors = _config()["colors"]
    known = colors["domains"]
    extras = iter(colors["extra_domains"] * (1 + len(domains) // max(1, len(colors["extra_domains"]))))
    result = {}
    for domain in domains:
        if domain == _UNSPECIFIED:
            result[domain] = colors["unspecified"]
        else:
            result[domain] = known.get(domain) or next(extras)
    return result


def _base_layout(title: str, subtitle: str | None, height_px: int) -> dict[str, Any]:
    style = _config()["style"]
    title_spec: dict[str, Any] = {
        "text": _escape(title), "x": 0.0, "xanchor": "left", "xref": "container",
        "y": 1.0, "yref": "container", "yanchor": "top", "pad": {"t": 14, "l": 6},
        "font": {"size": style["title_font_size"]},
    }
    if subtitle:
        title_spec["subtitle"] = {
            "text": _wrap(subtitle, 110),
            "font": {"size": style["small_font_size"], "color": style["muted_text_color"]},
        }
    return {
        "template": style["template"],
        "title": title_spec,
        "font": {"family": style["font_family"], "size": style["font_size"], "color": style["text_color"]},
        "height": height_px,
        "margin": {"l": 20, "r": 20, "t": 110 if subtitle else 70, "b": 40},
        "hoverlabel": {"font": {"family": style["font_family"]}},
    }


def _finish(fig: go.Figure, kind: str, lang: str, title: str, alt: str) -> go.Figure:
    fig.update_layout(meta={"figure": kind, "lang": lang, "title": title, "alt": collapse_spaces(alt)})
    return fig


def _empty_figure(kind: str, lang: str, title: str, message: str, alt: str) -> go.Figure:
    fig = go.Figure(layout=_base_layout(title, None, 300))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.add_annotation(text=_escape(message), x=0.5, y=0.5, xref="paper", yref="paper",
                       showarrow=False, font={"size": _style("font_size") + 2})
    return _finish(fig, kind, lang, title, alt)


def _check_language(lang: str) -> None:
    # get_labels raises a ReferenceDataError naming the list when the language is unknown
    get_labels("domains", lang)
    get_figure_text("none", lang)


#: Advance widths of DejaVu Sans (the figures' first font, the widest of the list), in ems: a
#: label sized with them fits whichever of the listed fonts draws it.
_EM_UPPER, _EM_LOWER, _EM_DIGIT, _EM_NARROW, _EM_OTHER = 0.72, 0.6, 0.64, 0.32, 0.5


def estimate_text_size_px(lines: list[str], font_size_px: float) -> tuple[float, float]:
    """Return the width and height in pixels that ``lines`` of plain text take at ``font_size_px``.

    An estimate from DejaVu Sans's advance widths, slightly generous, for placing labels so that
    they do not overlap; plotly draws multi-line text 1.3 ems apart.

    >>> w, h = estimate_text_size_px(["INS"], 12)
    >>> 20 < w < 30, round(h, 1)
    (True, 15.6)
    >>> estimate_text_size_px(["Ministère", "de l’Intérieur"], 12)[0] > estimate_text_size_px(["Ministère"], 12)[0]
    True
    """
    def width(line: str) -> float:
        ems = 0.0
        for char in line:
            if char.isupper():
                ems += _EM_UPPER
            elif char.islower():
                ems += _EM_LOWER
            elif char.isdigit():
                ems += _EM_DIGIT
            elif char in " .,;:’'()|!i":
                ems += _EM_NARROW
            else:
                ems += _EM_OTHER
        return ems * font_size_px

    return max((width(line) for line in lines), default=0.0), 1.3 * font_size_px * max(1, len(lines))


def wrap_label(text: str, width_chars: int, max_lines: int = 3) -> list[str]:
    """Break a label into at most ``max_lines`` lines of about ``width_chars`` characters; what
    does not fit ends with "…". Plain text (escape it before plotly draws it).

    >>> wrap_label("Ministry of Finance and Economic Affairs", 16)
    ['Ministry of', 'Finance and', 'Economic Affairs']
    >>> wrap_label("Organisation internationale pour les migrations", 14, 2)
    ['Organisation', 'internationale…']
    """
    lines = textwrap.wrap(collapse_spaces(text), width_chars, break_long_words=False) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(" ,;:") + "…"
    return lines
