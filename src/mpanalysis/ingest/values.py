"""Reading one answer: choices given as codes or labels, select-multiple lists, yes/no, integers, e-mails, phones, countries, dates."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import pandas as pd

from mpanalysis.ingest.issues import _current_reference_folder
from mpanalysis.reference import get_codes, load_reference

_MAX_PHRASE_TOKENS = 8
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]{2,}")
_PHONE_CHARS = re.compile(r"[+0-9 ().\-/]+")
_INTEGER = re.compile(r"[+-]?\d+(?:\.0*)?")
_MULTI_SEPARATORS = re.compile(r"[;,|\n]+")
_SUGGESTION_MIN_SCORE = 70.0
_YES_NO_EXTRA = {"true": "yes", "1": "yes", "false": "no", "0": "no"}


# --------------------------------------------------------------------------------------------
# choices: codes or labels in any language


def fold_text(text: str) -> str:
    """Case-fold, strip accents and apostrophe variants and collapse spaces (for label matching).

    >>> fold_text("  Mise en  Œuvre ")
    'mise en oeuvre'
    >>> fold_text("Dossier d’information")
    "dossier d'information"
    """
    text = str(text).casefold().replace("œ", "oe").replace("æ", "ae")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("’", "'").replace("‘", "'").replace("`", "'")
    return " ".join(text.split())


@lru_cache(maxsize=None)
def _choice_lookup(list_name: str, folder: str) -> dict[str, str]:
    frame = load_reference(list_name, Path(folder))
    lookup: dict[str, str] = {}
    label_columns = [c for c in frame.columns if c.startswith("label_")]
    # Labels first, codes last: a code always wins over another entry's label.
    for column in label_columns:
        for code, label in zip(frame["code"], frame[column]):
            if isinstance(label, str) and label.strip():
                lookup.setdefault(fold_text(label), code)
    for code in frame["code"]:
        lookup[fold_text(code)] = code
    return lookup


def normalize_choice(value: object, list_name: str) -> str | None:
    """Return the code of a choice given as its code or its label in any language, else None.

    Case, accents and extra spaces are ignored.

    >>> normalize_choice("Majeur", "severities"), normalize_choice("major", "severities")
    ('3', '3')
    >>> normalize_choice("institut national de la STATISTIQUE", "institution_types")
    'statistics_office'
    >>> normalize_choice("MINISTÈRE", "institution_types"), normalize_choice("ministre", "institution_types")
    ('ministry', None)
    """
    if value is None:
        return None
    key = fold_text(str(value))
    if not key:
        return None
    return _choice_lookup(list_name, _current_reference_folder()).get(key)


def suggest_choice(value: object, list_name: str) -> str | None:
    """Return the code whose code or label (any language) is nearest to ``value``, if close enough.

    >>> suggest_choice("Minsitère", "institution_types"), suggest_choice("health", "domains")
    ('ministry', None)
    """
    from rapidfuzz import fuzz, process

    key = fold_text(str(value)) if value is not None else ""
    if not key:
        return None
    lookup = _choice_lookup(list_name, _current_reference_folder())
    found = process.extractOne(key, list(lookup), scorer=fuzz.ratio, score_cutoff=_SUGGESTION_MIN_SCORE)
    return lookup[found[0]] if found else None


def describe_choices(list_name: str, lang: str) -> str:
    """Return the choices of a list as a reader sees them: labels in ``lang`` (codes without one).

    >>> describe_choices("source_statuses", "fr")
    'Existante, Potentielle'
    """
    from mpanalysis.reference import load_reference

    frame = load_reference(list_name, Path(_current_reference_folder()))
    column = f"label_{lang}"
    labels = frame[column] if column in frame.columns else frame["code"]
    return ", ".join(label if isinstance(label, str) and label.strip() else code
                     for code, label in zip(frame["code"], labels))


def get_choice_label(list_name: str, code: str, lang: str) -> str:
    """Return the label of ``code`` in ``lang`` (the code itself when it has none).

    >>> get_choice_label("institution_types", "ministry", "fr")
    'Ministère'
    """
    from mpanalysis.reference import load_reference

    frame = load_reference(list_name, Path(_current_reference_folder()))
    column = f"label_{lang}"
    if column in frame.columns:
        match = frame.loc[frame["code"] == code, column]
        if len(match) and isinstance(match.iloc[0], str) and match.iloc[0].strip():
            return match.iloc[0]
    return code


def parse_multi(value: object, list_name: str) -> tuple[list[str], list[str]]:
    """Split a select-multiple answer into (known codes in list order, unknown parts).

    Codes are space-separated; labels (which contain spaces) may be separated by ``;``, ``,``
    or ``|``, or by spaces when each label is recognised.

    >>> parse_multi("implementation elaboration", "policy_stages")
    (['elaboration', 'implementation'], [])
    >>> parse_multi("Mise en œuvre; Reformulation", "policy_stages")
    (['implementation', 'reformulation'], [])
    >>> parse_multi("elaboration lobbying", "policy_stages")
    (['elaboration'], ['lobbying'])
    """
    if value is None:
        return [], []
    text = str(value).strip()
    if not text:
        return [], []
    whole = normalize_choice(text, list_name)
    if whole is not None:
        return [whole], []
    found: set[str] = set()
    unknown: list[str] = []
    for part in _MULTI_SEPARATORS.split(text):
        tokens = part.split()
        i = 0
        while i < len(tokens):
            # Greedy longest match, so multi-word labels ("Mise en œuvre") are recognised.
            for j in range(min(len(tokens), i + _MAX_PHRASE_TOKENS), i, -1):
                code = normalize_choice(" ".join(tokens[i:j]), list_name)
                if code is not None:
                    found.add(code)
                    i = j
                    break
            else:
                unknown.append(tokens[i])
                i += 1
    order = get_codes(list_name, Path(_current_reference_folder()))
    return [c for c in order if c in found], unknown


def parse_yes_no(value: object) -> bool | None:
    """Return True/False for yes/no given as code, label (Oui/Non/Yes/No), 1/0 or true/false.

    >>> parse_yes_no("Oui"), parse_yes_no("no"), parse_yes_no("TRUE"), parse_yes_no("maybe")
    (True, False, True, None)
    """
    if value is None:
        return None
    code = normalize_choice(value, "yes_no") or _YES_NO_EXTRA.get(fold_text(str(value)))
    return None if code is None else code == "yes"


def parse_integer(value: object) -> int | None:
    """Return the integer written in a cell ("2019", "2019.0", " 7 "), else None.

    >>> parse_integer("2019.0"), parse_integer("007"), parse_integer("20 19")
    (2019, 7, None)
    """
    if value is None:
        return None
    text = str(value).strip()
    if not _INTEGER.fullmatch(text):
        return None
    return int(text.split(".")[0])


def is_email(value: str) -> bool:
    """True for a plausible e-mail address.

    >>> is_email("a.diallo@example.org"), is_email("a.diallo@example")
    (True, False)
    """
    return bool(_EMAIL.fullmatch(value.strip()))


def is_phone(value: str) -> bool:
    """True for a plausible phone number (digits, spaces, + ( ) . - /; 6 to 30 digits).

    >>> is_phone("+221 00 000 00 01"), is_phone("call me")
    (True, False)
    """
    text = value.strip()
    digits = sum(ch.isdigit() for ch in text)
    return bool(_PHONE_CHARS.fullmatch(text)) and 6 <= digits <= 30


def _is_name(text: str) -> bool:
    """True when the reconciliation can match this text (it is not only punctuation or stop words)."""
    from mpanalysis.ingest.reconcile import normalize_name

    return bool(normalize_name(text))


@lru_cache(maxsize=None)
def _country_names() -> dict[str, str]:
    import pycountry
    from babel import Locale

    lookup: dict[str, str] = {}
    for country in pycountry.countries:
        for name in {country.name, getattr(country, "common_name", None),
                     getattr(country, "official_name", None)} - {None}:
            lookup[fold_text(name)] = country.alpha_3
    from mpanalysis.reference import get_languages

    alpha2 = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
    # names in every language of the form: "Cap-Vert", "Cabo Verde" once Portuguese is added
    for lang in get_languages(Path(_current_reference_folder())):
        for code, name in Locale.parse(lang).territories.items():
            if code in alpha2:
                lookup.setdefault(fold_text(name), alpha2[code])
    return lookup


def normalize_country(value: object) -> str | None:
    """Return the ISO 3166-1 alpha-3 code of a country given as code or French/English name.

    >>> normalize_country("sen"), normalize_country("Côte d’Ivoire"), normalize_country("Gambia")
    ('SEN', 'CIV', 'GMB')
    >>> normalize_country("XXX") is None
    True
    """
    if value is None:
        return None
    text = str(value).strip()
    if re.fullmatch(r"[A-Za-z]{3}", text):
        import pycountry

        return text.upper() if pycountry.countries.get(alpha_3=text.upper()) else None
    return _country_names().get(fold_text(text))


def parse_submission_time(value: object) -> pd.Timestamp | None:
    """Parse a submission time (Kobo ``_submission_time``, ODK ``SubmissionDate``) as UTC.

    Times without an offset are UTC, as the servers write them.

    >>> parse_submission_time("2025-03-14T10:22:31")
    Timestamp('2025-03-14 10:22:31+0000', tz='UTC')
    >>> parse_submission_time("2025-03-14T10:22:31.120+01:00").hour
    9
    >>> parse_submission_time("yesterday") is None
    True
    """
    if value is None:
        return None
    text = str(value).strip()
    if not re.match(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        stamp = pd.Timestamp(text)
    except (ValueError, OverflowError, TypeError):
        return None
    if stamp is pd.NaT:
        return None
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
