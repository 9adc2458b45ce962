"""The wording rules of ``data/reference/wording.yaml``, per language (validated, cached)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mpanalysis.errors import ReferenceDataError
from mpanalysis.paths import reference_dir
from mpanalysis.reference import read_reference_yaml


class Typography(BaseModel):
    """The spaces a language puts around punctuation, in numbers and before units (None: as typed;
    "": none, a space typed there is removed)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    before_colon: str | None = None
    before_punctuation: str | None = None
    inside_guillemets: str | None = None
    before_percent: str | None = None
    thousands: str | None = None
    before_unit: str | None = None
    units: list[str] = Field(default_factory=list)


class LanguageRules(BaseModel):
    """How one language names institutions, writes numbers, zero and its typography (one block
    of ``wording.yaml``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    articles: dict[str, str]
    article_words: list[str] = Field(default_factory=list, min_length=1)
    acronym_article: bool = True
    elided_prepositions: dict[str, str] = Field(default_factory=dict)
    foreign_nouns: dict[str, str] = Field(default_factory=dict)
    locale: str
    date_locale: str | None = None
    name_case: str = Field("title", pattern="^(sentence|title)$")
    small_words: list[str] = Field(default_factory=list)
    first_of_month: str | None = None
    quotation_marks: tuple[str, str] = ("\u201c", "\u201d")
    connectors: dict[str, str] = Field(default_factory=dict)
    typography: Typography = Field(default_factory=Typography)
    long_list_article: str | None = None
    contractions: dict[str, dict[str, str]] = Field(default_factory=dict)
    repeat_prepositions: list[str] = Field(default_factory=list)
    aspirated_h: list[str] = Field(default_factory=list)
    nouns: dict[str, str] = Field(default_factory=dict)
    acronyms: dict[str, str] = Field(default_factory=dict)
    no_article: list[str] = Field(default_factory=list)
    marker_words: list[str] = Field(default_factory=list)
    zero: dict[str, str] = Field(default_factory=dict)
    language_names: dict[str, str] = Field(default_factory=dict)
    in_language: str = "({language})"
    long_list: str = "{n} ({table})"
    long_list_untabled: str = "{n}"
    list_reference: str = "{table}"

    def noun_grammar(self, word: str) -> tuple[str, str] | None:
        """Return ``(gender, number)`` of a first noun of ``nouns`` ("f", "sg"), or None."""
        spec = self.nouns.get(word.casefold())
        if spec is None:
            return None
        parts = spec.split()
        return parts[0], ("pl" if "pl" in parts[1:] else "sg")

    @property
    def has_gender(self) -> bool:
        """True when the article agrees with the first noun of a name (``nouns`` is given)."""
        return bool(self.nouns)

    def plural_article(self, gender: str) -> str:
        """Return the plural article for ``gender`` ("os"/"as"; "les" when it has no gender)."""
        return self.articles.get(f"{gender} pl") or self.articles["pl"]


@lru_cache(maxsize=None)
def _load(path: str) -> dict[str, LanguageRules]:
    data = read_reference_yaml(Path(path), "the wording rules")
    try:
        return {str(lang): LanguageRules.model_validate(block) for lang, block in data.items()}
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(p) for p in error["loc"])
        raise ReferenceDataError(f"{path}, key '{key}': {error['msg']}") from None


def list_wording_languages() -> list[str]:
    """Return the languages ``wording.yaml`` has rules for (a language is data: adding its block).

    >>> {"fr", "en", "pt"} <= set(list_wording_languages())
    True
    """
    return list(_load(str(reference_dir() / "wording.yaml")))


def babel_locale(lang: str, *, is_date: bool = False) -> str:
    """Return babel's locale for the numbers, lists and plural rules (``is_date``: the dates) of
    ``lang``: Portuguese is written the European way (``pt_PT``: "12 345,6").

    >>> babel_locale("pt"), babel_locale("en"), babel_locale("en", is_date=True), babel_locale("fr")
    ('pt_PT', 'en', 'en_GB', 'fr')
    """
    rules = _load(str(reference_dir() / "wording.yaml")).get(lang)
    if rules is None:
        return lang
    return (rules.date_locale or rules.locale) if is_date else rules.locale


def get_language_rules(lang: str) -> LanguageRules:
    """Return the wording rules of ``lang`` (those of English for a language without its own).

    >>> get_language_rules("fr").articles["f"], get_language_rules("fr").noun_grammar("Forces")
    ('la', ('f', 'pl'))
    """
    rules = _load(str(reference_dir() / "wording.yaml"))
    return rules.get(lang) or rules["en"]
