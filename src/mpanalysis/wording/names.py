"""Institution names in sentences: the article, the contraction with a preposition, lists.

An :class:`EntityName` is the name a sentence shows ("Institut national de la statistique (INS)")
that also knows its grammar: gender and number in French (from the first noun, ``wording.yaml``),
whether English puts "the" before it, its name in another language and the language it is written
in. It is a ``str``, so tables, figures and lists use it as the plain name; templates ask it for
``{name:de}`` → "de l’Institut national de la statistique (INS)".

>>> ins = make_entity_name("Institut national de la statistique", "INS")
>>> with_preposition(ins, "fr", "de"), with_preposition(ins, "fr", "à")
('de l’Institut national de la statistique (INS)', 'à l’Institut national de la statistique (INS)')
>>> with_preposition(make_entity_name("Ministère de l'Intérieur", "MINT"), "fr", "de")
"du Ministère de l'Intérieur (MINT)"
>>> with_preposition(make_entity_name("National Police Service"), "en", "by")
'by the National Police Service'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from mpanalysis.wording.language import guess_language, tidy_name
from mpanalysis.wording.rules import get_language_rules

_ACRONYM = re.compile(r"^[A-Z0-9][A-Z0-9&.\-/]*$")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)


class EntityName(str):
    """A name as sentences show it, with what its article needs.

    ``gender`` ("m"/"f") and ``number`` ("sg"/"pl") are the French grammar of the name (None: from
    the rules); ``articles`` maps a language to an article set by hand ("" for none, "l’", "la"…);
    ``forms`` maps a language to the name written in that language (a translation set in the
    parameters); ``lang`` is the language the name itself is written in (None: unknown).

    >>> name = EntityName("Forces armées", gender="f", number="pl")
    >>> str(name), name.number, article_of(name, "fr")
    ('Forces armées', 'pl', 'les')
    """

    gender: str | None
    number: str | None
    articles: dict[str, str]
    forms: dict[str, str]
    lang: str | None

    def __new__(cls, text: str = "", *, gender: str | None = None, number: str | None = None,
                articles: Mapping[str, str] | None = None, forms: Mapping[str, str] | None = None,
                lang: str | None = None) -> "EntityName":
        obj = super().__new__(cls, text)
        obj.gender, obj.number, obj.lang = gender, number, lang
        obj.articles, obj.forms = dict(articles or {}), dict(forms or {})
        return obj

    def __reduce__(self):
        return (_rebuild, (str(self), self.gender, self.number, self.articles, self.forms, self.lang))

    def in_language(self, lang: str) -> "EntityName":
        """Return the name as a guide in ``lang`` shows it (its translation when one is set).

        >>> n = EntityName("National Police Service", forms={"fr": "Service national de police"})
        >>> str(n.in_language("fr")), str(n.in_language("en"))
        ('Service national de police', 'National Police Service')
        """
        if lang in self.forms and self.forms[lang] != str(self):
            return EntityName(self.forms[lang], gender=self.gender, number=self.number,
                              articles=self.articles, forms=self.forms, lang=lang)
        return self


def _rebuild(text, gender, number, articles, forms, lang) -> EntityName:
    return EntityName(text, gender=gender, number=number, articles=articles, forms=forms, lang=lang)


def format_entity_name(name: object, acronym: object = None) -> str:
    """Return how a sentence names an entity: "name (ACRONYM)", or the name alone when the
    acronym is already one of its words (case aside).

    >>> format_entity_name("Agence nationale de la statistique", "ANSD")
    'Agence nationale de la statistique (ANSD)'
    >>> format_entity_name("ANSD", "ANSD"), format_entity_name("Direction (DGPN)", "dgpn")
    ('ANSD', 'Direction (DGPN)')

    An acronym hidden inside a longer word is not a mention of it:

    >>> format_entity_name("Institut national de la statistique", "INS")
    'Institut national de la statistique (INS)'
    >>> format_entity_name("Ministère de l'Intérieur", "MI")
    "Ministère de l'Intérieur (MI)"
    """
    name = _text(name)
    acronym = _text(acronym)
    if acronym and not _has_word(name, acronym):
        return f"{name} ({acronym})" if name else acronym
    return name or acronym


def _text(value: object) -> str:
    if value is None or value != value or type(value).__name__ in {"NAType", "NaTType"}:
        return ""
    return str(value)


def _has_word(text: str, word: str) -> bool:
    """True when ``word`` appears in ``text`` as a whole word (not inside a longer one), case aside."""
    pattern = r"(?<!\w)" + re.escape(word.casefold()) + r"(?!\w)"
    return re.search(pattern, text.casefold()) is not None


def make_entity_name(name: object, acronym: object = None, *, override: Any = None,
                     languages: Iterable[str] | None = None) -> EntityName:
    """Return the :class:`EntityName` of an institution: its display name with the acronym, its
    grammar from ``wording.yaml`` and the parameters' ``override`` (an
    :class:`mpanalysis.params.EntityNameOverride`, or None). ``languages``: those its language is
    guessed among (default: every language of ``wording.yaml``).

    >>> n = make_entity_name("Ministry of Health", "MOH")
    >>> str(n), n.lang
    ('Ministry of Health (MOH)', 'en')
    >>> from mpanalysis.params import EntityNameOverride
    >>> n = make_entity_name("National Police Service", "NPS",
    ...                      override=EntityNameOverride(name={"fr": "Service national de police"}))
    >>> str(n.in_language("fr")), with_preposition(n, "fr", "à")
    ('Service national de police (NPS)', 'au Service national de police (NPS)')
    """
    # a name typed all in capitals is shown in the case names take ("MINISTÈRE DE LA SANTÉ")
    name_text, acronym_text = tidy_name(_text(name)), _text(acronym)
    forms: dict[str, str] = {}
    gender = number = None
    articles: dict[str, str] = {}
    lang = None
    if override is not None:
        acronym_text = override.acronym if override.acronym is not None else acronym_text
        for form_lang, text in (override.name or {}).items():
            forms[form_lang] = format_entity_name(text, acronym_text)
        gender, number = override.gender, override.number
        articles = dict(override.article or {})
        lang = override.lang
    shown = format_entity_name(name_text, acronym_text)
    lang = lang or guess_language(name_text, languages)
    return EntityName(shown, gender=gender, number=number, articles=articles, forms=forms, lang=lang)


def _first_word(name: str) -> str:
    match = _WORD.search(name)
    return match.group(0) if match else ""


def _starts_with_vowel_sound(text: str, aspirated: Iterable[str]) -> bool:
    head = text.split(" (")[0].strip()
    if _is_acronym(head):
        # an acronym is read letter by letter: l’INS, l’OIM, l’UE; le HCR, la CEDEAO
        return head[:1].upper() in "AEIOU"
    first = _first_word(head).casefold()
    if not first:
        return False
    base = unicodedata.normalize("NFD", first)[0]
    if base in "aeiou":
        return True
    aspirated = set(aspirated)
    return base == "h" and first not in aspirated and first.split("-")[0] not in aspirated


def _is_acronym(name: str) -> bool:
    head = name.split(" (")[0].strip()
    return bool(_ACRONYM.match(head)) and len(head) >= 2


def name_grammar(name: str, lang: str = "fr") -> tuple[str, str]:
    """Return ``(gender, number)`` of an institution name in ``lang`` from its first noun
    (``wording.yaml`` ``nouns``); a name written in another language is read through its noun's
    translation (``foreign_nouns``: its first word, else an English name's head noun).

    >>> name_grammar("Direction générale des douanes"), name_grammar("Haut-Commissariat des Nations unies")
    (('f', 'sg'), ('m', 'sg'))
    >>> name_grammar("OIM"), name_grammar("Nations unies"), name_grammar("Ghana Immigration Service")
    (('f', 'sg'), ('f', 'pl'), ('m', 'sg'))
    >>> name_grammar("Direção-Geral de Estatística", "pt"), name_grammar("Serviços de Estrangeiros", "pt")
    (('f', 'sg'), ('m', 'pl'))
    >>> name_grammar("Agence nationale de la statistique", "pt"), name_grammar("Ghana Immigration Service", "pt")
    (('f', 'sg'), ('m', 'sg'))
    """
    rules = get_language_rules(lang)
    head = name.split(" (")[0].strip()
    if _is_acronym(head):
        return rules.acronyms.get(head.replace(".", ""), "m"), "sg"
    first = _first_word(head)

    def lookup(word: str) -> tuple[str, str] | None:
        grammar = rules.noun_grammar(word)
        if grammar is None and "-" in word:
            grammar = rules.noun_grammar(word.split("-")[0])
        return grammar

    grammar = lookup(first)
    if grammar is None and first.casefold() in rules.foreign_nouns:
        grammar = lookup(rules.foreign_nouns[first.casefold()])
    if grammar is None:
        # a name in English: its head noun is the last word before "of", "for"…
        words = re.split(r"\s+(?:of|for|on)\s+", head, maxsplit=1)[0].replace(",", " ").split()
        for word in reversed(words):
            if word.casefold() in rules.foreign_nouns:
                grammar = lookup(rules.foreign_nouns[word.casefold()])
                break
    return grammar or ("m", "sg")


def french_grammar(name: str) -> tuple[str, str]:
    """Return ``(gender, number)`` of a French institution name (:func:`name_grammar` in French).

    >>> french_grammar("Forces armées")
    ('f', 'pl')
    """
    return name_grammar(name, "fr")


def article_of(name: str, lang: str) -> str:
    """Return the article that goes before ``name`` in ``lang`` ("" when none).

    >>> [article_of(n, "fr") for n in ["Institut national", "Direction générale", "Ministère",
    ...                                "Haut-Commissariat", "Hôpital central", "OIM", "HCR"]]
    ['l’', 'la', 'le', 'le', 'l’', 'l’', 'le']
    >>> [article_of(n, "en") for n in ["National Police Service", "UNHCR", "Interpol", "The Hague Group"]]
    ['the', '', '', '']
    >>> [article_of(n, "pt") for n in ["Instituto Nacional de Estatística", "Direção-Geral", "OIM",
    ...                                "Forças Armadas", "Serviços de Migração", "Alto Comissariado"]]
    ['o', 'a', 'a', 'as', 'os', 'o']
    """
    if isinstance(name, EntityName) and lang in name.articles:
        return name.articles[lang]
    rules = get_language_rules(lang)
    text = str(name).strip()
    if not text or _first_word(text).casefold() in set(rules.no_article):
        return ""
    if _is_acronym(text) and not rules.acronym_article:
        return ""
    if not rules.has_gender:
        return "" if text.split()[0].casefold() in set(rules.article_words) else rules.articles.get("m", "")
    gender, number = name_grammar(text, lang)
    if isinstance(name, EntityName):
        gender, number = name.gender or gender, name.number or number
    if number == "pl":
        return rules.plural_article(gender)
    if "elided" in rules.articles and _starts_with_vowel_sound(text, rules.aspirated_h):
        return rules.articles["elided"]
    return rules.articles[gender]


def is_article_word(word: str, lang: str) -> bool:
    """True when a placeholder's modifier asks for the article alone ("le", "la", "les", "the").

    >>> is_article_word("la", "fr"), is_article_word("de", "fr"), is_article_word("the", "en")
    (True, False, True)
    >>> is_article_word("o", "pt"), is_article_word("a", "pt")  # "a" is the preposition ("ao", "à")
    (True, False)
    """
    return word.casefold() in set(get_language_rules(lang).article_words)


def _join_article(article: str, name: str) -> str:
    if not article:
        return name
    return f"{article}{name}" if article.endswith(("’", "'")) else f"{article} {name}"



def with_article(name: str, lang: str) -> str:
    """Return ``name`` with its article ("l’Institut…", "the National Police Service", "UNHCR").

    >>> with_article("Agence nationale", "fr"), with_article("Ministry of Health", "en")
    ('l’Agence nationale', 'the Ministry of Health')
    """
    shown = name.in_language(lang) if isinstance(name, EntityName) else name
    return _join_article(article_of(shown, lang), str(shown))


def with_preposition(name: str, lang: str, preposition: str) -> str:
    """Return ``name`` after ``preposition`` with its article, contracted as the language wants.

    ``preposition`` ``le``/``the`` (the article alone) and their capitalised forms ``Le``/``The``
    (at the start of a sentence) are accepted too.

    >>> [with_preposition("Direction générale", "fr", p) for p in ["de", "à", "par", "Le"]]
    ['de la Direction générale', 'à la Direction générale', 'par la Direction générale', 'La Direction générale']
    >>> with_preposition("Nations unies", "fr", "à"), with_preposition("OIM", "fr", "de")
    ('aux Nations unies', 'de l’OIM')
    >>> with_preposition("Ministry of Health", "en", "The"), with_preposition("UNHCR", "en", "by")
    ('The Ministry of Health', 'by UNHCR')
    """
    prefix, text = split_phrase(name, lang, preposition)
    return prefix + text


def split_phrase(name: str, lang: str, preposition: str) -> tuple[str, str]:
    """Return ``(words before the name, the name)`` of :func:`with_preposition`, so a caller can
    mark the name alone (a name quoted in another language).

    >>> split_phrase("Ministère de la Justice", "fr", "de"), split_phrase("Institut", "fr", "Le")
    (('du ', 'Ministère de la Justice'), ('L’', 'Institut'))
    """
    shown = name.in_language(lang) if isinstance(name, EntityName) else name
    text = str(shown)
    article = article_of(shown, lang)
    lowered = preposition.casefold()
    rules = get_language_rules(lang)
    if is_article_word(lowered, lang):
        prefix = _join_article(article, "")
    else:
        contracted = rules.contractions.get(lowered, {}).get(article)
        if contracted:
            prefix = f"{contracted} "
        elif not article and lowered in rules.elided_prepositions and _starts_with_vowel_sound(text, rules.aspirated_h):
            prefix = rules.elided_prepositions[lowered]
        else:
            prefix = f"{lowered} {_join_article(article, '')}"
    if preposition[:1].isupper():
        if prefix:
            prefix = prefix[:1].upper() + prefix[1:]
        else:
            text = text[:1].upper() + text[1:]
    return prefix, text


def attach_preposition(phrase: str, lang: str, preposition: str | None) -> str:
    """Return a noun phrase that starts with its article after ``preposition``, contracted as the
    language wants ("les institutions concernées" + "à" → "aux institutions concernées").

    >>> attach_preposition("les institutions concernées", "fr", "à"), attach_preposition("the institutions concerned", "en", "to")
    ('aux institutions concernées', 'to the institutions concerned')
    >>> attach_preposition("les institutions concernées", "fr", "Le")
    'Les institutions concernées'
    """
    if not preposition:
        return phrase
    rules = get_language_rules(lang)
    lowered = preposition.casefold()
    if is_article_word(lowered, lang):
        text = phrase
    else:
        article, _, rest = phrase.partition(" ")
        contracted = rules.contractions.get(lowered, {}).get(article)
        text = f"{contracted} {rest}" if contracted else f"{lowered} {phrase}"
    return text[:1].upper() + text[1:] if preposition[:1].isupper() else text


def join_names(names: Sequence[str], lang: str, preposition: str | None = None, *,
               mark: Callable[[EntityName | str, str], str] | None = None) -> str:
    """Return names as a list in ``lang``, each with its article when a ``preposition`` (or the
    article ``le``/``the``) is given; French repeats "de" and "à" before each name. ``mark(name,
    shown_text)`` may wrap each name's text (not its article), e.g. to mark a foreign name.

    >>> join_names(["Institut national", "Ministère de la Justice", "Direction générale"], "fr", "de")
    'de l’Institut national, du Ministère de la Justice et de la Direction générale'
    >>> join_names(["Institut national", "Direction générale"], "fr", "par")
    'par l’Institut national et la Direction générale'
    >>> join_names(["National Police Service", "UNHCR"], "en", "by")
    'by the National Police Service and UNHCR'
    >>> join_names(["A", "B", "C"], "en")
    'A, B, and C'
    >>> join_names(["Instituto Nacional de Estatística", "Direção-Geral de Emigração", "OIM"], "pt", "de")
    'do Instituto Nacional de Estatística, da Direção-Geral de Emigração e da OIM'
    >>> join_names(["Polícia Nacional", "Serviços de Migração"], "pt", "com")
    'com a Polícia Nacional e os Serviços de Migração'
    """
    from babel.lists import format_list

    if not names:
        return ""
    mark = mark or (lambda name, text: text)
    rules = get_language_rules(lang)
    lowered = (preposition or "").casefold()
    if not preposition:
        items = [mark(n, str(n.in_language(lang) if isinstance(n, EntityName) else n)) for n in names]
        return format_list(items, locale=rules.locale)
    is_repeated = lowered in rules.repeat_prepositions
    each = lowered if is_repeated else rules.article_words[0]
    items = []
    for name in names:
        prefix, text = split_phrase(name, lang, each)
        items.append(prefix + mark(name, text))
    text = format_list(items, locale=rules.locale)
    if not is_repeated and not is_article_word(lowered, lang):
        text = f"{lowered} {text}"
    return text[:1].upper() + text[1:] if preposition[:1].isupper() else text


def name_entities(entities: Any, overrides: Mapping[str, Any] | None = None,
                  lang: str | None = None) -> dict[str, EntityName]:
    """Return ``{entity_id: EntityName}`` for an entities table (``entity_id, name, acronym``);
    ``overrides`` are the parameters' ``entity_names`` (by entity id or by name as written);
    with ``lang``, each name as a guide in that language shows it (its translation if any).

    >>> import pandas as pd
    >>> names = name_entities(pd.DataFrame({"entity_id": ["SEN-INS"], "name": ["Institut national"],
    ...                                      "acronym": ["INS"]}))
    >>> with_preposition(names["SEN-INS"], "fr", "de")
    'de l’Institut national (INS)'
    """
    overrides = overrides or {}
    out: dict[str, EntityName] = {}
    for row in entities.to_dict("records"):
        entity_id = row.get("entity_id")
        if entity_id is None:
            continue
        override = overrides.get(str(entity_id)) or overrides.get(_text(row.get("name")))
        name = make_entity_name(row.get("name"), row.get("acronym"), override=override)
        out[str(entity_id)] = name.in_language(lang) if lang else name
    return out


def load_name_overrides(country: str | None = None, params: Any = None) -> dict[str, Any]:
    """Return the parameters' ``entity_names`` (from ``params``, else from ``params/<ISO3>.yaml``
    with the workshop's official names of ``params/<ISO3>.workshop.yaml`` when the country has
    them, :func:`mpanalysis.decisions.apply_decisions_to_params`; empty otherwise).

    >>> load_name_overrides("XAA")
    {}
    """
    if params is not None:
        return dict(params.entity_names)
    if not country:
        return {}
    from mpanalysis.decisions import decisions_path
    from mpanalysis.params import params_path

    path = params_path(str(country).upper())
    if not path.is_file():
        return {}
    decided = decisions_path(str(country))
    return _read_overrides(str(path), path.stat().st_mtime_ns, decided.stat().st_mtime_ns if decided.is_file() else 0)


@lru_cache(maxsize=32)
def _read_overrides(path: str, mtime: int, decisions_mtime: int) -> dict[str, Any]:
    from mpanalysis.decisions import apply_decisions_to_params, load_decisions
    from mpanalysis.params import load_params

    params = load_params(path)
    return dict(apply_decisions_to_params(params, load_decisions(params.country)).entity_names)
