"""The placeholders of the reference texts (``data/reference/*.yaml``), filled per language.

Syntax of a template:

``{x}``
    the value ``x``: a number written the language's way (:func:`format_number`: ``…_share`` and
    ``…_rate`` as percentages, ``…year`` as plain years), a text as given, an institution's
    name (:class:`~mpanalysis.wording.names.EntityName`) or a list of names (:class:`NameList`);
``{name:de}``, ``{name:à}``, ``{name:le}``, ``{name:Le}``, ``{name:by}``, ``{name:the}``…
    an institution (or a list) after a preposition, with its article and the contraction the
    language wants ("du Ministère…", "à l’Institut…", "aux Nations unies", "by the National
    Police Service"); ``le``/``the`` give the article alone, capitalised at a sentence's start;
``{names:list}``
    in a parenthesis: the names with their articles when they are few, else "voir Tableau II.3" /
    "listed in Table II.3";
``{n:aucune}``, ``{n:Aucun}``, ``{n:no}``, ``{n:none}``
    the number ``n``, or the word given when it is zero ("aucune source", "no source");
``{n|one form|other form}`` and ``{n|zero form|one form|other form}``
    the form agreeing with the number ``n`` (CLDR plural rules: French treats 0 and 1 as
    singular, English only 1); the three-form variant has its own form for zero; a form may
    hold placeholders;
``{ref:id}``, ``{num:id}``
    kept for the guide's renderers (citations of a figure or table).

Values are inserted once and never parsed again; names are data, so they can never cite.

>>> ins = EntityName("Institut national de la statistique (INS)")
>>> fill_template("{n:Aucune} {n|source n’est détenue|source n’est détenue|sources sont détenues} {name:par}.",
...               "fr", {"n": 0, "name": ins})
'Aucune source n’est détenue par l’Institut national de la statistique (INS).'
>>> fill_template("Data held by {names:the}.", "en", {"names": NameList(["National Police Service", "UNHCR"])})
'Data held by the National Police Service and UNHCR.'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from mpanalysis.errors import ReferenceDataError
from mpanalysis.wording.names import EntityName, is_article_word, join_names, split_phrase
from mpanalysis.wording.quotes import mark_as_given, protect_text
from mpanalysis.wording.rules import babel_locale, get_language_rules

# {n|one form|other form} or {n|zero|one|other}: a form may itself hold simple placeholders.
_FORM = r"(?:[^{}|]|\{\w+(?::\w+)?\})*"
_PLURAL = re.compile(r"\{(\w+)\|(" + _FORM + r")\|(" + _FORM + r")(?:\|(" + _FORM + r"))?\}")
# {name} or {name:modifier}
_PLACEHOLDER = re.compile(r"\{(\w+)(?::([^\W\d_]+))?\}")
_CITATION_KINDS = {"ref", "num"}

#: A sentence names at most this many institutions; longer lists refer to the table listing them.
MAX_NAMES = 3


class NameList(list):
    """Institution names a sentence lists; ``table`` is the id of the guide's table that lists
    them all, cited instead of the names when there are more than ``max_names``.

    >>> names = NameList([f"Direction {i}" for i in range(5)], table="t_named")
    >>> fill_template("Concerne {names:la}.", "fr", {"names": names})
    'Concerne les 5 institutions (voir {ref:t_named}).'
    >>> fill_template("Concerne {names:la}.", "fr", {"names": NameList(["Direction A", "Institut B"])})
    'Concerne la Direction A et l’Institut B.'
    """

    def __init__(self, names: Iterable[str] = (), *, table: str | None = None, max_names: int = MAX_NAMES) -> None:
        super().__init__(names)
        self.table = table
        self.max_names = max_names

    @property
    def is_long(self) -> bool:
        """True when the list is too long for a sentence (and a table lists the names)."""
        return len(self) > self.max_names


def format_number(key: str, value: float, lang: str, percent: Iterable[str] = ()) -> str:
    """Return a number as ``lang`` writes it; the key's name says what kind of number it is.

    >>> format_number("formal_share", 0.42, "fr"), format_number("formal_share", 0.42, "en")
    ('42\\xa0%', '42%')
    >>> format_number("n_edges", 1234, "fr"), format_number("reference_year", 2024, "en")
    ('1\\u202f234', '2024')
    >>> format_number("n_edges", 12345.5, "pt"), format_number("formal_share", 0.42, "pt")
    ('12\\xa0345,5', '42%')
    """
    from babel.numbers import format_decimal, format_percent

    lang = babel_locale(lang)
    if key in set(percent) or key.endswith(("_share", "_rate")):
        return format_percent(value, locale=lang)
    if key.endswith("year"):
        return str(int(value))
    if isinstance(value, int) or float(value).is_integer():
        return format_decimal(int(value), locale=lang)
    return format_decimal(value, format="#,##0.##", locale=lang)


def choose_word_forms(template: str, numbers: Mapping[str, object], lang: str, *,
                      where: str = "text") -> str:
    """Replace every ``{n|one form|other form}`` (or ``{n|zero|one|other}``) by the form agreeing
    with the number ``n``.

    The language's CLDR plural rules decide: French treats 0 and 1 as singular, English only 1.
    A form may hold placeholders (``{n}``, ``{domain}``); they are left for :func:`fill_template`.

    >>> choose_word_forms("{n} {n|autre|autres}", {"n": 1}, "fr"), choose_word_forms("{n|other|others}", {"n": 3}, "en")
    ('{n} autre', 'others')
    >>> choose_word_forms("{n|none|one|{n}}", {"n": 0}, "en")
    'none'
    >>> choose_word_forms("{n|rien|{n} depuis {y} {y|an|ans}|{n} depuis {y} {y|an|ans}}", {"n": 2, "y": 1}, "fr")
    '{n} depuis {y} an'
    >>> choose_word_forms("{n|source|sources}", {}, "en", where="figures.yaml, key 'alt'")
    Traceback (most recent call last):
    ...
    mpanalysis.errors.ReferenceDataError: figures.yaml, key 'alt': chooses a word form on {n} but no number n was given
    """
    from babel import Locale

    plural_form = Locale.parse(babel_locale(lang)).plural_form

    def choose(match: re.Match) -> str:
        value = numbers.get(match.group(1))
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ReferenceDataError(f"{where}: chooses a word form on {{{match.group(1)}}} "
                                     f"but no number {match.group(1)} was given")
        forms = [f for f in match.groups()[1:] if f is not None]
        if len(forms) == 3:
            if value == 0:
                return forms[0]
            forms = forms[1:]
        return forms[0] if plural_form(abs(value)) == "one" else forms[1]

    # a form may hold another choice ({n|… {years|an|ans} …|…}): the innermost go first
    while True:
        chosen = _PLURAL.sub(choose, template)
        if chosen == template:
            return chosen
        template = chosen


def _mark_foreign(lang: str) -> Callable[[object, str], str]:
    """Names written in another language than the guide's are marked as quoted as given."""
    def mark(name: object, text: str) -> str:
        shown = name.in_language(lang) if isinstance(name, EntityName) else name
        name_lang = getattr(shown, "lang", None)
        if name_lang and name_lang != lang:
            return mark_as_given(text, name_lang)
        return protect_text(text)
    return mark


def format_name_list(names: NameList | list, lang: str, preposition: str | None = None) -> str:
    """Return a list of names for a sentence: the names with their articles when there are at
    most ``max_names``, else their number and the table that lists them.

    >>> format_name_list(NameList(["A", "B", "C", "D"], table="t1"), "en", "by")
    'by 4 institutions (listed in {ref:t1})'
    >>> format_name_list(["Institut A", "Bureau B"], "fr", "à")
    'à l’Institut A et au Bureau B'

    ``list`` (for a parenthesis) gives the names when they are few, else where they are listed:

    >>> format_name_list(NameList(["A", "B", "C", "D"], table="t1"), "fr", "list")
    'voir {ref:t1}'
    >>> format_name_list(NameList(["Institut A", "Bureau B"], table="t1"), "fr", "list")
    'l’Institut A et le Bureau B'
    """
    if not isinstance(names, NameList):
        names = NameList(names, max_names=len(names) or 1)
    rules = get_language_rules(lang)
    if preposition == "list":
        # "(la DGD et l’INS)" when few, "(voir Tableau II.3)" when many
        if not names.is_long:
            return join_names(list(names), lang, rules.article_words[0], mark=_mark_foreign(lang))
        if names.table:
            return rules.list_reference.format(table="{ref:" + str(names.table) + "}")
        return rules.long_list_untabled.format(n=format_number("n", len(names), lang))
    if not names.is_long:
        return join_names(list(names), lang, preposition, mark=_mark_foreign(lang))
    counted = rules.long_list if names.table else rules.long_list_untabled
    phrase = counted.format(n=format_number("n", len(names), lang),
                            table="{ref:" + str(names.table) + "}")
    if preposition:
        lowered = preposition.casefold()
        if is_article_word(lowered, lang):
            phrase = f"{rules.long_list_article or rules.articles['pl']} {phrase}"
        else:
            phrase = f"{lowered} {phrase}"
        if preposition[:1].isupper():
            phrase = phrase[:1].upper() + phrase[1:]
    return phrase


def fill_template(template: str, lang: str, values: Mapping[str, object], *, where: str = "text",
                  format_value: Callable[[str, float, str], str] | None = None) -> str:
    """Fill a text of the reference data: word forms, numbers, names with their articles, texts.

    ``format_value(name, value, lang)`` writes a number (default :func:`format_number`). A
    placeholder without a value is an error naming ``where``; ``{ref:id}``/``{num:id}`` stay.

    >>> fill_template("{n} {n|source|sources} in {domain} ({ref:t1}), {open_share} open.", "en",
    ...               {"n": 1234, "domain": "{ref:x}", "open_share": 0.5})
    '1,234 sources in {ref:x} ({ref:t1}), 50% open.'
    >>> import numpy as np
    >>> fill_template("{n} {n|autre|autres}", "fr", {"n": 1}), fill_template("{n} {n|autre|autres}", "fr", {"n": np.int64(3)})
    ('1 autre', '3 autres')
    >>> fill_template("Réduire la dépendance {name:à}.", "fr", {"name": EntityName("Institut national (INS)")})
    'Réduire la dépendance à l’Institut national (INS).'
    >>> fill_template("{names}", "en", {}, where="sources.yaml, text 'gaps'")
    Traceback (most recent call last):
    ...
    mpanalysis.errors.ReferenceDataError: sources.yaml, text 'gaps': needs a value for {names}
    """
    format_value = format_value or format_number
    # numpy counts (a DataFrame's sums) are numbers too
    values = {name: value.item() if hasattr(value, "item") and not isinstance(value, (str, bytes, list))
              else value for name, value in values.items()}
    text = choose_word_forms(template, values, lang, where=where)
    mark = _mark_foreign(lang)

    def fill(match: re.Match) -> str:
        name, modifier = match.group(1), match.group(2)
        if name not in values:
            if modifier is not None and name in _CITATION_KINDS:
                return match.group(0)
            raise ReferenceDataError(f"{where}: needs a value for {{{name}}}")
        value = values[name]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if modifier is not None and value == 0:
                return modifier
            return format_value(name, value, lang)
        if isinstance(value, (list, tuple)):
            return format_name_list(value if isinstance(value, NameList) else NameList(value, max_names=len(value) or 1),
                                    lang, modifier)
        if isinstance(value, EntityName) or modifier is not None:
            prefix, shown = split_phrase(value, lang, modifier) if modifier else ("", str(
                value.in_language(lang) if isinstance(value, EntityName) else value))
            return prefix + (mark(value, shown) if isinstance(value, EntityName) else shown)
        return str(value)

    return _PLACEHOLDER.sub(fill, text)
