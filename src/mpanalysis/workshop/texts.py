"""The kit's texts: ``data/reference/chapters/workshop.yaml`` (fr, en), filled per language."""

from __future__ import annotations

from typing import Any

from mpanalysis.errors import ReferenceDataError
from mpanalysis.guide.texts import fill_chapter_text, get_chapter_text


def t(key: str, lang: str, **values: Any) -> str:
    """Return the workshop text ``key`` in ``lang``, placeholders filled.

    >>> t("deck.mark", "fr"), t("worksheet.title", "en", country="Senegal")
    ('PRÉLIMINAIRE', 'National workshop worksheet — Senegal')
    """
    return fill_chapter_text(f"workshop.{key}", lang, **values) if values else get_chapter_text(f"workshop.{key}", lang)


def get_node(key: str) -> Any:
    """Return the raw entry ``key`` of the workshop texts (a mapping or a list)."""
    from mpanalysis.guide.texts import _load_chapter_texts
    from mpanalysis.paths import reference_dir

    node: Any = _load_chapter_texts(str(reference_dir() / "chapters" / "workshop.yaml"))
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ReferenceDataError(f"workshop texts: no entry '{key}'")
        node = node[part]
    return node


def get_list(key: str, lang: str) -> list[str]:
    """Return a list of texts (instructions, agenda) in ``lang``.

    >>> get_list("deck.agenda", "en")[0][:15]
    '1. Presentation'
    """
    items = get_node(key)
    try:
        return [str(item[lang]) for item in items]
    except (KeyError, TypeError):
        raise ReferenceDataError(f"workshop texts: '{key}' needs a list of texts in '{lang}'") from None
