"""National typography of every generated sentence, and dates written out.

:func:`typeset` is applied by the renderers to every text they print (HTML, PDF, DOCX, slides);
the reference texts are also written with it at their source (typographic apostrophes,
non-breaking spaces), so a text read elsewhere (a CSV, a notebook) is already right.
"""

from __future__ import annotations

import datetime as dt
import re

NBSP = "\u00a0"  # non-breaking space: before ":" and inside « »
NNBSP = "\u202f"  # narrow non-breaking space: before ; ! ? and in thousands
#: "1er" as French typography writes it, the ordinal's letters raised (modifier letters ᵉ ʳ).
FIRST_OF_MONTH_FR = "1\u1d49\u02b3"

_APOSTROPHE = re.compile(r"(?<=[^\W\d_])'(?=[^\W\d_]|\s|$)|(?<=\s)'(?=[^\W\d_])")
# the space (of any kind, or none) before a colon, semicolon, ! or ? that ends a clause
_SPACE_BEFORE_COLON = re.compile(r"(?<=[^\s:])[ \u00a0\u202f]*:(?=\s|$)")
_SPACE_BEFORE_PUNCT = re.compile(r"(?<=[^\s;!?])[ \u00a0\u202f]*([;!?])(?=\s|$)")
_SPACE_BEFORE_CLOSING = re.compile(r"[ \u00a0\u202f]*»")
_SPACE_AFTER_OPENING = re.compile(r"«[ \u00a0\u202f]*")
_PERCENT = re.compile(r"(?<=\d)[ \u00a0\u202f]?%")
_THOUSANDS = re.compile(r"(?<![\d,.])(\d{1,3})((?: \d{3})+)(?![\d,])")
_UNITS = re.compile(r"(?<=\d) (?=(?:ans?|mois|jours?|semaines?|heures?|h|min|km|kg|m|€|\$|FCFA|Mo|Go|ko)\b)")


def typeset(text: str, lang: str) -> str:
    """Apply the language's typography to a text.

    French: typographic apostrophe ’; a non-breaking space before ``:`` and inside « », a narrow
    one before ``; ! ?`` and ``%``, between a number and its unit ("3 ans") and in thousands
    ("10 000"). English: the typographic apostrophe. Straight double quotes are left as typed
    (the reference texts use « » and “ ” themselves; data keeps its own).
    ``{ref:id}`` citations, times (10:30) and addresses (https://) are left alone.

    >>> typeset("Constat : « aucune source » ; l'INS publie 19 % des 10 000 fiches en 3 ans.", "fr")
    'Constat\\xa0: «\\xa0aucune source\\xa0»\\u202f; l’INS publie 19\\u202f% des 10\\u202f000 fiches en 3\\xa0ans.'
    >>> typeset("Voir {ref:t1}: x", "fr"), typeset("The agency's data", "en")
    ('Voir {ref:t1}\\xa0: x', 'The agency’s data')
    """
    text = _APOSTROPHE.sub("’", text)
    if lang != "fr":
        return text
    text = _SPACE_BEFORE_COLON.sub(NBSP + ":", text)
    text = _SPACE_BEFORE_PUNCT.sub(NNBSP + "\\1", text)
    text = _SPACE_BEFORE_CLOSING.sub(NBSP + "»", text)
    text = _SPACE_AFTER_OPENING.sub("«" + NBSP, text)
    text = _PERCENT.sub(NNBSP + "%", text)
    text = _THOUSANDS.sub(lambda m: m.group(1) + m.group(2).replace(" ", NNBSP), text)
    return _UNITS.sub(NBSP, text)


def format_date_text(date: dt.date, lang: str, format: str = "long") -> str:
    """Return a date written out in ``lang`` (babel), with the French ordinal "1ᵉʳ" for the first
    day of a month.

    >>> format_date_text(dt.date(2025, 10, 1), "fr"), format_date_text(dt.date(2025, 10, 1), "fr", "medium")
    ('1ᵉʳ octobre 2025', '1ᵉʳ oct. 2025')
    >>> format_date_text(dt.date(2025, 10, 1), "en"), format_date_text(dt.date(2025, 5, 14), "fr")
    ('1 October 2025', '14 mai 2025')
    """
    from babel.dates import format_date

    locale = {"en": "en_GB"}.get(lang, lang)
    text = format_date(date, format=format, locale=locale)
    if lang == "fr" and date.day == 1:
        text = re.sub(r"^1(?=\s)", FIRST_OF_MONTH_FR, text)
    return text
