"""How the guide writes: institution names with their articles, numbers, typography, quotations.

One place for the language of every generated sentence, shared by ``analysis/``, ``guide/``,
``render/`` and ``publish/`` (it sits below them, above ``params``):

- :mod:`~mpanalysis.wording.names` — :class:`EntityName`, articles and contractions
  ("de l’Institut…", "du Ministère…", "the National Police Service"), lists of names;
- :mod:`~mpanalysis.wording.templates` — the reference texts' placeholders (:func:`fill_template`);
- :mod:`~mpanalysis.wording.typography` — national typography (:func:`typeset`) and dates;
- :mod:`~mpanalysis.wording.quotes` — respondents' words, cleaned for display and marked as
  quotations (:func:`quote`), and names quoted in another language.
"""

from mpanalysis.wording.language import guess_language
from mpanalysis.wording.names import (
    EntityName,
    article_of,
    format_entity_name,
    join_names,
    make_entity_name,
    name_entities,
    with_article,
    with_preposition,
)

__all__ = [
    "EntityName", "article_of", "format_entity_name", "guess_language", "join_names",
    "make_entity_name", "name_entities", "with_article", "with_preposition",
]
