"""The guide's sentences: templates of ``data/reference/chapters/*.yaml`` filled per language."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from mpanalysis.errors import ReferenceDataError
from mpanalysis.paths import reference_dir


@lru_cache(maxsize=None)
def _load_chapter_texts(path: str) -> dict:
    from mpanalysis.reference import read_reference_yaml

    return read_reference_yaml(path, "chapter texts")


def get_chapter_text(key: str, lang: str, **values: Any) -> str:
    """Return a chapter text in ``lang``, its placeholders filled when ``values`` are given
    (:func:`fill_chapter_text`).

    ``key`` is ``<file>.<dotted path>``: ``sources.title`` is the ``title`` entry of
    ``data/reference/chapters/sources.yaml``. A missing translation is an error, so a
    half-translated guide cannot be published unnoticed.

    >>> get_chapter_text("sources.title", "en")
    'Panorama of migration data and information sources'
    """
    if values:
        return fill_chapter_text(key, lang, **values)
    stem, _, rest = key.partition(".")
    path = reference_dir() / "chapters" / f"{stem}.yaml"
    node: Any = _load_chapter_texts(str(path))
    for part in rest.split(".") if rest else []:
        if not isinstance(node, dict) or part not in node:
            raise ReferenceDataError(f"{path}: no text '{rest}'")
        node = node[part]
    if not isinstance(node, dict) or lang not in node:
        raise ReferenceDataError(f"{path}: text '{rest}' has no '{lang}' translation")
    return str(node[lang])


def fill_chapter_text(key: str, lang: str, **values: object) -> str:
    """Return the chapter text ``key`` in ``lang`` with word forms, numbers and names filled in
    (placeholders: :mod:`mpanalysis.wording.templates`).

    Numbers are written as the language writes them (names ending in ``_share`` or ``_rate`` as
    percentages, names ending in ``year`` as plain years, others with the language's digit
    grouping); ``{n|one|other}`` picks the form that agrees with ``n`` (French treats 0 and 1 as
    singular); ``{ref:id}`` and ``{num:id}`` are kept for the guide's numbering. Text values
    (names, labels) are inserted as they are, never parsed again: pass a respondent's answer
    through :func:`mpanalysis.guide.document.protect_text` so it cannot cite a figure.

    >>> fill_chapter_text("sources.key_figures.domains", "fr", n_domains_covered=1, n_domains=4)
    'Un seul des 4 domaines a au moins une source existante.'
    >>> fill_chapter_text("sources.key_figures.domains", "en", n_domains_covered=3, n_domains=4)
    '3 of the 4 domains have at least one existing source.'
    >>> fill_chapter_text("mp_process.content.intro", "en", n_editions=1)
    'One edition of the migration profile is recorded in the country’s parameters:'
    >>> fill_chapter_text("sources.coverage.text", "en", n_existing=2)
    Traceback (most recent call last):
    ...
    mpanalysis.errors.ReferenceDataError: ...sources.yaml: text 'sources.coverage.text' (en): needs a value for {n_governmental_existing}
    """
    from mpanalysis.wording.templates import fill_template

    where = f"{reference_dir() / 'chapters' / (key.partition('.')[0] + '.yaml')}: text '{key}' ({lang})"
    return fill_template(get_chapter_text(key, lang), lang, values, where=where)
