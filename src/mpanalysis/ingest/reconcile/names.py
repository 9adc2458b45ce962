"""Name normalisation (rules in ``data/reference/name_normalisation.yaml``) and acronyms."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from mpanalysis.errors import ReferenceDataError
from mpanalysis.paths import reference_dir
from mpanalysis.reference import get_codes

#: File of ``data/reference/`` holding stop words, abbreviations and sector keywords.
RULES_FILE = "name_normalisation.yaml"
_ACRONYM_MAX_CHARS = 10
_BRACKETS = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]\s*")
_SEPARATOR = re.compile(r"\s+[-–—/:]\s+|\s*[–—]\s*|:\s+")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_SPACES = re.compile(r"\s+")
# Unicode combining marks (accents once NFKD has split them from their letters).
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


# --------------------------------------------------------------------------------------------
# Normalisation rules (data file)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NameRules:
    """The contents of ``name_normalisation.yaml``, folded for comparison."""

    characters: dict[str, str]
    languages: tuple[str, ...]
    stop_words: dict[str, frozenset[str]]
    abbreviations: dict[str, dict[str, str]]
    acronym_placeholders: frozenset[str]
    sector_keywords: dict[str, tuple[str, ...]]
    all_stop_words: frozenset[str] = frozenset()
    #: per language, every abbreviation of every language, that language's expansion first
    expansions: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "all_stop_words", frozenset().union(*self.stop_words.values()))
        expansions = {}
        for language in self.languages:
            merged: dict[str, str] = {}
            for other in [language, *(lang for lang in self.languages if lang != language)]:
                for short, long in self.abbreviations.get(other, {}).items():
                    merged.setdefault(short, long)
            expansions[language] = merged
        object.__setattr__(self, "expansions", expansions)


@lru_cache(maxsize=16)
def _translation(characters: tuple[tuple[str, str], ...]) -> dict[int, str]:
    return str.maketrans(dict(characters))


def _fold(text: str, characters: dict[str, str]) -> str:
    """Strip accents, fold case, spell special letters in ASCII."""
    if text.isascii():
        return text.casefold()
    stripped = _COMBINING.sub("", unicodedata.normalize("NFKD", text)).casefold()
    return stripped.translate(_translation(tuple(sorted(characters.items()))))


def _rules_error(path: Path, key: str, expected: str) -> ReferenceDataError:
    return ReferenceDataError(f"{path}, key '{key}': expected {expected}")


def _as_word_list(value: object, path: Path, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        hint = " (quote words YAML reads as booleans: \"on\", \"no\")" if isinstance(value, list) and any(
            isinstance(v, bool) for v in value) else ""
        raise _rules_error(path, key, "a list of words" + hint)
    return value


def _as_word_map(value: object, path: Path, key: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()):
        raise _rules_error(path, key, "a mapping of word: replacement")
    return value


def load_name_rules(path: Path | None = None) -> NameRules:
    """Read and check the name normalisation rules (default: ``data/reference/name_normalisation.yaml``).

    A malformed file raises :class:`~mpanalysis.errors.ReferenceDataError` naming the file and key.

    >>> rules = load_name_rules()
    >>> rules.languages[:2], rules.abbreviations["fr"]["min"], rules.abbreviations["en"]["min"]
    (('fr', 'en'), 'ministere', 'ministry')
    >>> "de" in rules.all_stop_words
    True
    """
    path = Path(path) if path is not None else reference_dir() / RULES_FILE
    if not path.is_file():
        raise ReferenceDataError(f"{path}: name normalisation rules not found")
    return _load_rules_cached(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _load_rules_cached(path_text: str, mtime_ns: int) -> NameRules:
    from mpanalysis.reference import read_reference_yaml

    path = Path(path_text)
    data = read_reference_yaml(path, "name normalisation rules")
    known = {"characters", "stop_words", "abbreviations", "acronym_placeholders", "sector_keywords"}
    for key in data:
        if key not in known:
            raise _rules_error(path, str(key), f"one of {sorted(known)}")

    characters = dict(_as_word_map(data.get("characters", {}), path, "characters"))
    if any(len(k) != 1 for k in characters):
        raise _rules_error(path, "characters", "single letters as keys")

    def fold_word(word: str) -> str:
        return _SPACES.sub(" ", _NOT_ALNUM.sub(" ", _fold(word, characters))).strip()

    stop_raw = data.get("stop_words")
    if not isinstance(stop_raw, dict) or not stop_raw:
        raise _rules_error(path, "stop_words", "a mapping of language: list of words")
    languages = tuple(str(lang) for lang in stop_raw)
    stop_words = {
        str(lang): frozenset(fold_word(w) for w in _as_word_list(words, path, f"stop_words.{lang}"))
        for lang, words in stop_raw.items()}

    abbr_raw = data.get("abbreviations", {})
    if not isinstance(abbr_raw, dict):
        raise _rules_error(path, "abbreviations", "a mapping of language: abbreviations")
    abbreviations: dict[str, dict[str, str]] = {}
    for lang, mapping in abbr_raw.items():
        words = _as_word_map(mapping, path, f"abbreviations.{lang}")
        folded = {}
        for short, long in words.items():
            key = fold_word(short.rstrip(".")).replace(" ", "")
            if not key:
                raise _rules_error(path, f"abbreviations.{lang}.{short}", "a word")
            folded[key] = fold_word(long)
        abbreviations[str(lang)] = folded
    languages += tuple(lang for lang in abbreviations if lang not in languages)

    placeholders = frozenset(
        re.sub(r"[^0-9A-Z]", "", _fold(w, characters).upper())
        for w in _as_word_list(data.get("acronym_placeholders", []), path, "acronym_placeholders"))

    sector_raw = data.get("sector_keywords", {})
    if not isinstance(sector_raw, dict):
        raise _rules_error(path, "sector_keywords", "a mapping of sector: list of words")
    sectors = set(get_codes("sectors"))
    sector_keywords = {}
    for sector, words in sector_raw.items():
        if sector not in sectors:
            raise _rules_error(path, f"sector_keywords.{sector}", f"a sector among {sorted(sectors)}")
        sector_keywords[str(sector)] = tuple(
            fold_word(w) for w in _as_word_list(words, path, f"sector_keywords.{sector}"))
    return NameRules(characters=characters, languages=languages, stop_words=stop_words,
                     abbreviations=abbreviations, acronym_placeholders=placeholders,
                     sector_keywords=sector_keywords)


# --------------------------------------------------------------------------------------------
# Acronyms and normalised names
# --------------------------------------------------------------------------------------------

def _is_acronym_like(text: str) -> bool:
    """One word, mostly capitals ("ANSD", "DG-PAF", "CeRPED", "D.G.S.N."), not a word in capitals
    longer than an acronym usually is."""
    word = text.strip().replace(".", "")
    if not word or any(c.isspace() for c in word) or len(word) > _ACRONYM_MAX_CHARS:
        return False
    if not all(c.isalnum() or c in "-&'" for c in word):
        return False
    letters = [c for c in word if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return len(letters) >= 2 and upper >= 2 and 2 * upper >= len(letters)


def _clean_acronym(text: str) -> str:
    return text.strip().replace(".", "")


def _collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=131072)
def _split(name: str) -> tuple[str, str | None, bool]:
    """Return (name without its acronym, acronym, whether the name is only an acronym)."""
    text = _collapse(name)
    if _is_acronym_like(text):
        return text, _clean_acronym(text), True
    brackets = list(_BRACKETS.finditer(text))
    acronyms = [m for m in brackets if _is_acronym_like(m.group(1))]
    if len(acronyms) == 1:
        match = acronyms[0]
        rest = _collapse(text[:match.start()] + " " + text[match.end():])
        if rest:
            return rest, _clean_acronym(match.group(1)), False
    parts = _SEPARATOR.split(text, maxsplit=1)
    if len(parts) == 2:
        left, right = (p.strip() for p in parts)
        for acronym, rest in ((left, right), (right, left)):
            if _is_acronym_like(acronym) and rest and not _is_acronym_like(rest):
                return rest, _clean_acronym(acronym), False
    return text, None, False


def split_acronym(name: str) -> tuple[str, str | None]:
    """Split an institution name into its full name and its acronym (``None`` when there is none).

    The acronym may be in brackets, before or after a dash, or be the whole name.

    >>> split_acronym("Agence nationale de la statistique et de la démographie (ANSD)")
    ('Agence nationale de la statistique et de la démographie', 'ANSD')
    >>> split_acronym("ANSD - Agence nationale de la statistique et de la démographie")
    ('Agence nationale de la statistique et de la démographie', 'ANSD')
    >>> split_acronym("DGSN")
    ('DGSN', 'DGSN')
    >>> split_acronym("Ministère de l'Intérieur (Direction des étrangers)")
    ("Ministère de l'Intérieur (Direction des étrangers)", None)
    >>> split_acronym("Haut-Commissariat aux réfugiés")
    ('Haut-Commissariat aux réfugiés', None)
    """
    if not isinstance(name, str):
        return "", None
    base, acronym, _ = _split(name)
    return base, acronym


def _acronym_key(acronym: str | None, rules: NameRules) -> str | None:
    """Acronym as compared: ASCII capitals and digits only; placeholders ("N/A", "néant") are none."""
    if not isinstance(acronym, str):
        return None
    key = re.sub(r"[^0-9A-Z]", "", _fold(acronym, rules.characters).upper())
    if len(key) < 2 or key in rules.acronym_placeholders:
        return None
    return key


def _detect_language(tokens: list[str], rules: NameRules) -> str:
    """The language whose stop words the name uses most; the first language on ties."""
    best, best_count = rules.languages[0], 0
    for language in rules.languages:
        words = rules.stop_words.get(language, frozenset())
        count = sum(t in words for t in tokens)
        if count > best_count:
            best, best_count = language, count
    return best


def _normalize(name: str, rules: NameRules) -> str:
    base, acronym, is_bare = _split(name)
    if is_bare:
        return (_acronym_key(acronym, rules) or "").lower()
    tokens = _NOT_ALNUM.sub(" ", _fold(base, rules.characters)).split()
    expansions = rules.expansions[_detect_language(tokens, rules)]
    stop_words = rules.all_stop_words
    words: list[str] = []
    for token in tokens:
        expansion = expansions.get(token)
        if expansion is None:
            if token not in stop_words:
                words.append(token)
        else:
            words.extend(w for w in expansion.split() if w not in stop_words)
    return " ".join(words)


@lru_cache(maxsize=131072)
def _normalize_default(name: str) -> str:
    return _normalize(name, load_name_rules())


def normalize_name(name: str) -> str:
    """Return the form of an institution name used for matching.

    Accents, case, punctuation and extra spaces go; common abbreviations are expanded and stop
    words dropped (both from ``data/reference/name_normalisation.yaml``); a bracketed acronym is
    dropped. A name that is only an acronym becomes that acronym in lower case.

    >>> normalize_name("Ministère de l'Intérieur (MI)")
    'ministere interieur'
    >>> normalize_name("  MINISTÈRE  DE L’INTÉRIEUR ")
    'ministere interieur'
    >>> normalize_name("Min. de l'Intérieur")
    'ministere interieur'
    >>> normalize_name("Min. of the Interior")
    'ministry interior'
    >>> normalize_name("Natl Bureau of Statistics")
    'national bureau statistics'
    >>> normalize_name("D.G.S.N.")
    'dgsn'
    >>> normalize_name("")
    ''
    """
    if not isinstance(name, str):
        return ""
    return _normalize_default(name)


def normalize_text(text: object) -> str:
    """Return the key under which two free texts (an answer, a source name) are the same:
    case folded, accents, punctuation and extra spaces gone.

    Unlike :func:`normalize_name` (institution names), words are neither expanded nor dropped and
    letters of every script are kept, so an answer in another alphabet is never taken for blank.

    >>> normalize_text("  Manque de  FINANCEMENT. "), normalize_text("Ministère de l'Intérieur")
    ('manque de financement', 'ministere de l interieur')
    >>> normalize_text("Recensement Général (RGPH-5)"), normalize_text("تقرير_سنوي"), normalize_text(None)
    ('recensement general rgph 5', 'تقرير سنوي', '')
    """
    if text is None or text is pd.NA or (isinstance(text, float) and text != text):
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())
