"""National typography of every generated sentence, and dates written out.

:func:`typeset` is applied by the renderers to every text they print (HTML, PDF, DOCX, slides);
the reference texts are also written with it at their source (typographic apostrophes,
non-breaking spaces), so a text read elsewhere (a CSV, a notebook) is already right.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

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


@lru_cache(maxsize=None)
def _unit_pattern(units: tuple[str, ...]) -> re.Pattern | None:
    if not units:
        return None
    return re.compile(r"(?<=\d) (?=(?:" + "|".join(re.escape(u) for u in units) + r")(?!\w))")


def typeset(text: str, lang: str) -> str:
    """Apply the language's typography (``wording.yaml`` ``typography``) to a text.

    French: typographic apostrophe ’; a non-breaking space before ``:`` and inside « », a narrow
    one before ``; ! ?`` and ``%``, between a number and its unit ("3 ans") and in thousands
    ("10 000"). English: the typographic apostrophe. Portuguese: no space before ``: ; ! ? %`` nor
    inside « », a non-breaking space in thousands and before a unit. Straight double quotes are
    left as typed (the reference texts use « » and “ ” themselves; data keeps its own).
    ``{ref:id}`` citations, times (10:30) and addresses (https://) are left alone.

    >>> typeset("Constat : « aucune source » ; l'INS publie 19 % des 10 000 fiches en 3 ans.", "fr")
    'Constat\\xa0: «\\xa0aucune source\\xa0»\\u202f; l’INS publie 19\\u202f% des 10\\u202f000 fiches en 3\\xa0ans.'
    >>> typeset("Voir {ref:t1}: x", "fr"), typeset("The agency's data", "en")
    ('Voir {ref:t1}\\xa0: x', 'The agency’s data')
    >>> typeset("Constatação : « nenhuma fonte » ; o INE publica 19 % de 10 000 fichas em 3 anos.", "pt")
    'Constatação: «nenhuma fonte»; o INE publica 19% de 10\\xa0000 fichas em 3\\xa0anos.'
    """
    from mpanalysis.wording.rules import get_language_rules

    text = _APOSTROPHE.sub("’", text)
    rules = get_language_rules(lang).typography
    if rules.before_colon is not None:
        text = _SPACE_BEFORE_COLON.sub(rules.before_colon + ":", text)
    if rules.before_punctuation is not None:
        text = _SPACE_BEFORE_PUNCT.sub(rules.before_punctuation + "\\1", text)
    if rules.inside_guillemets is not None:
        text = _SPACE_BEFORE_CLOSING.sub(rules.inside_guillemets + "»", text)
        text = _SPACE_AFTER_OPENING.sub("«" + rules.inside_guillemets, text)
    if rules.before_percent is not None:
        text = _PERCENT.sub(rules.before_percent + "%", text)
    if rules.thousands is not None:
        text = _THOUSANDS.sub(lambda m: m.group(1) + m.group(2).replace(" ", rules.thousands), text)
    units = _unit_pattern(tuple(rules.units))
    if units is not None and rules.before_unit is not None:
        text = units.sub(rules.before_unit, text)
    return text


def format_date_text(date: dt.date, lang: str, format: str = "long") -> str:
    """Return a date written out in ``lang`` (babel), with the French ordinal "1ᵉʳ" for the first
    day of a month (``wording.yaml`` ``first_of_month``).

    >>> format_date_text(dt.date(2025, 10, 1), "fr"), format_date_text(dt.date(2025, 10, 1), "fr", "medium")
    ('1ᵉʳ octobre 2025', '1ᵉʳ oct. 2025')
    >>> format_date_text(dt.date(2025, 10, 1), "en"), format_date_text(dt.date(2025, 5, 14), "fr")
    ('1 October 2025', '14 mai 2025')
    >>> format_date_text(dt.date(2025, 10, 1), "pt")
    '1 de outubro de 2025'
    """
    from babel.dates import format_date

    from mpanalysis.wording.rules import babel_locale, get_language_rules

    text = format_date(date, format=format, locale=babel_locale(lang, is_date=True))
    first = get_language_rules(lang).first_of_month
    if first and date.day == 1:
        text = re.sub(r"^1(?=\s)", first, text)
    return text


def punctuate(mark: str, lang: str) -> str:
    """Return a punctuation mark with the space ``lang`` puts before it ("\u202f;" in French,
    ";" in English and Portuguese), e.g. to join the items of a list.

    >>> punctuate(";", "fr"), punctuate(";", "pt"), punctuate(":", "fr"), punctuate(":", "en")
    ('\u202f;', ';', '\xa0:', ':')
    """
    from mpanalysis.wording.rules import get_language_rules

    rules = get_language_rules(lang).typography
    space = rules.before_colon if mark == ":" else rules.before_punctuation if mark in ";!?" else None
    return (space or "") + mark


def plotly_separators(lang: str) -> str:
    """Return plotly's ``separators`` (decimal mark, then thousands separator) for ``lang``, from
    babel's locale data.

    >>> plotly_separators("fr"), plotly_separators("en"), plotly_separators("pt")
    (', ', '.,', ', ')
    """
    from babel.numbers import get_decimal_symbol, get_group_symbol

    from mpanalysis.wording.rules import babel_locale

    locale = babel_locale(lang)
    group = get_group_symbol(locale)
    return get_decimal_symbol(locale) + (" " if group.isspace() else group)
