"""Respondents' words in the guide: cleaned for display, marked as quotations, never markup.

The guide's document model is plain text. Two kinds of passages inside a text are marked with
private-use characters that every renderer understands (:func:`split_marked`) and that any other
reader shows as nothing:

- a **quotation** (:func:`quote`): a respondent's answer, shown in italics between the guide's
  quotation marks (« … » / “…”), marked ``data-source="respondent"`` in the HTML, with its language
  and, when it differs from the guide's, a visible "(en anglais)" / "(in English)";
- a **text as given** (:func:`mark_as_given`): a name quoted in another language than the
  guide's (an institution named in English in a French guide), with its ``lang`` attribute.

Data can also never cite a figure: :func:`protect_text` neutralises a ``{ref:…}`` typed by a
respondent (the guide's document model re-exports it).

>>> text = "Exemple : " + quote("=> Tableau de bord   mensuel & note", "fr")
>>> [p if isinstance(p, str) else (p.kind, p.lang, p.text) for p in split_marked(text)]
['Exemple : ', ('quote', 'fr', 'Tableau de bord mensuel et note')]
>>> strip_marks(text, "fr")
'Exemple : «\\xa0Tableau de bord mensuel et note\\xa0»'
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from mpanalysis.wording.language import _title_case_capital_runs, guess_language
from mpanalysis.wording.rules import get_language_rules

#: Put after the brace of a citation-looking text that is data (:func:`protect_text`): the word
#: joiner is invisible, so a reader that does not know it still shows the text as typed, and
#: ours drop it (:func:`unprotect_text`).
LITERAL_MARK = "\u2060"
_CITATION_START = re.compile(r"\{(?=(?:ref|num):)")

_QUOTE, _AS_GIVEN, _SEP, _END = "\ue000", "\ue001", "\ue002", "\ue003"
_MARKS = re.compile(f"[{_QUOTE}{_AS_GIVEN}]([a-z]{{2}}|){_SEP}([^{_QUOTE}{_AS_GIVEN}{_SEP}{_END}]*){_END}")
_ANY_MARK = re.compile(f"[{_QUOTE}{_AS_GIVEN}{_SEP}{_END}]")

#: Quotation marks per language (opening, closing); French puts a non-breaking space inside.


def protect_text(text: object) -> str:
    """Return data (a respondent's answer, a name, a label from the parameters) as text that can
    never cite a figure or table of the guide.

    The renderers turn ``{ref:id}`` into a link; typed in an answer it must stay what the
    respondent wrote. Every renderer prints the protected text exactly as typed. Missing values
    (None, NA, NaN) become "".

    >>> protect_text("voir {ref:mp_needs}") == "voir {\\u2060ref:mp_needs}"
    True
    >>> protect_text('=HYPERLINK("x")'), protect_text(None)
    ('=HYPERLINK("x")', '')
    """
    if text is None or type(text).__name__ in {"NAType", "NaTType"}:
        return ""
    if isinstance(text, float) and math.isnan(text):
        return ""
    return _CITATION_START.sub("{" + LITERAL_MARK, str(text))


def unprotect_text(text: str) -> str:
    """Return a text as a reader sees it: without the marks :func:`protect_text` added.

    >>> unprotect_text(protect_text("voir {ref:mp_needs}"))
    'voir {ref:mp_needs}'
    """
    return text.replace("{" + LITERAL_MARK, "{")


@dataclass(frozen=True)
class Marked:
    """A marked passage of a text: ``kind`` "quote" or "as_given", its language, its text."""

    kind: str
    lang: str
    text: str


def _marked(start: str, text: str, lang: str | None) -> str:
    text = _ANY_MARK.sub("", protect_text(text))
    return f"{start}{lang or ''}{_SEP}{text}{_END}"


def quote(text: object, lang: str | None = None, *, is_cleaned: bool = True) -> str:
    """Return a respondent's answer marked as a quotation in ``lang`` (the answer's language;
    guessed from its words when None), cleaned for display unless ``is_cleaned`` is False.

    >>> split_marked(quote("Used as background for the national policy."))[0].lang
    'en'
    """
    shown = clean_for_display(str(text), lang) if is_cleaned else str(text)
    return _marked(_QUOTE, shown, lang or guess_language(shown))


def mark_as_given(text: str, lang: str | None) -> str:
    """Return ``text`` marked as quoted as given in ``lang`` (a name in another language).

    >>> strip_marks(mark_as_given("National Police Service", "en"), "fr")
    'National Police Service'
    """
    return _marked(_AS_GIVEN, text, lang)


def split_marked(text: str) -> list[str | Marked]:
    """Split a text into plain parts and :class:`Marked` passages, for renderers.

    >>> split_marked("a " + mark_as_given("B", "en") + " c")
    ['a ', Marked(kind='as_given', lang='en', text='B'), ' c']
    """
    parts: list[str | Marked] = []
    position = 0
    for match in _MARKS.finditer(text):
        if match.start() > position:
            parts.append(text[position:match.start()])
        kind = "quote" if text[match.start()] == _QUOTE else "as_given"
        parts.append(Marked(kind, match.group(1), match.group(2)))
        position = match.end()
    if position < len(text):
        parts.append(text[position:])
    return [_ANY_MARK.sub("", p) if isinstance(p, str) else p for p in parts]


def language_note(text_lang: str | None, lang: str) -> str:
    """Return the visible note after a passage in another language: "(en anglais)", "(in French)";
    "" when it is the guide's language or unknown.

    >>> language_note("en", "fr"), language_note("fr", "en"), language_note("fr", "fr")
    ('(en\\xa0anglais)', '(in\\xa0French)', '')
    """
    if not text_lang or text_lang == lang:
        return ""
    rules = get_language_rules(lang)
    name = rules.language_names.get(text_lang)
    # kept on one line: "(en anglais)" never breaks after "(en"
    return rules.in_language.format(language=name).replace(" ", "\u00a0") if name else ""


def format_quotation(text: str, lang: str) -> str:
    """Return a quotation's text between the quotation marks of the guide's ``lang``.

    >>> format_quotation("x", "fr"), format_quotation("x", "en"), format_quotation("x", "pt")
    ('«\\xa0x\\xa0»', '“x”', '«x»')
    """
    opening, closing = get_language_rules(lang).quotation_marks
    return f"{opening}{text}{closing}"


def strip_marks(text: str, lang: str) -> str:
    """Return ``text`` as plain text: quotations between quotation marks (and their language
    note), names as given as they are.

    >>> strip_marks("Dit : " + quote("We share data monthly.", "en"), "fr")
    'Dit : «\\xa0We share data monthly.\\xa0» (en\\xa0anglais)'
    """
    out = []
    for part in split_marked(text):
        if isinstance(part, str):
            out.append(part)
        elif part.kind == "quote":
            note = language_note(part.lang, lang)
            out.append(format_quotation(part.text, lang) + (f" {note}" if note else ""))
        else:
            out.append(part.text)
    return "".join(out)


# --------------------------------------------------------------------------------------------
# Cleaning typed answers for display (the raw answer stays in the open data)

_ARROWS = re.compile(r"(?:^|(?<=\s))(?:=>|->|-->|==>|»>|>>)\s*")
_LEADING_BULLET = re.compile(r"^\s*(?:[-*•·]+|\d+[.)])\s+")
_PAIRED_TAGS = re.compile(r"<\s*([^\W\d_]+)[^<>]*>(.*?)<\s*/\s*\1\s*>", re.DOTALL)
_CLOSING_TAG = re.compile(r"<\s*/\s*[^<>]*>")
_STRAY_TAG = re.compile(r"<\s*([^<>\d/][^<>]*?)\s*>")
_BEFORE_YEAR = re.compile(r"<\s*((?:19|20)\d\d)\b")
_AMPERSAND = re.compile(r"(?<=\w)\s*&\s*(?=\w)")
_SPACES = re.compile(r"[ \t]+")


def clean_for_display(text: str, lang: str | None = None) -> str:
    """Return a typed answer tidied for print: arrows and bullets at the start dropped, stray
    angle brackets removed ("<restreint>" → "restreint", "< 2015" → "avant 2015"), "&" between
    words written out, runs of spaces made one, and words typed in capitals put in title case
    (short words and acronyms aside). ``lang`` is the answer's language (guessed when None).

    >>> clean_for_display("=> Tableau de bord   mensuel")
    'Tableau de bord mensuel'
    >>> clean_for_display("Données < 2015 reprises dans notre rapport & dans une note", "fr")
    'Données avant 2015 reprises dans notre rapport et dans une note'
    >>> clean_for_display("Accès aux données <restreint> sans convention")
    'Accès aux données restreint sans convention'
    >>> clean_for_display("<b>Bulletin</b> <script>alert(1)</script>", "en")
    'Bulletin alert(1)'
    >>> clean_for_display("Data shared with the MINISTRY OF HEALTH and IOM", "en")
    'Data shared with the Ministry of Health and IOM'
    """
    lang = lang or guess_language(text) or "fr"
    words = {"and": "and", "before": "before", **get_language_rules(lang).connectors}
    text = _LEADING_BULLET.sub("", text.strip())
    text = _ARROWS.sub("", text)
    text = _BEFORE_YEAR.sub(lambda m: f"{words['before']} {m.group(1)}", text)
    text = _PAIRED_TAGS.sub(lambda m: m.group(2), text)
    text = _CLOSING_TAG.sub("", text)
    text = _STRAY_TAG.sub(lambda m: m.group(1), text)
    text = _AMPERSAND.sub(f" {words['and']} ", text)
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _title_case_capital_runs(text, lang)
