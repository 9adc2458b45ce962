"""The wording rules of ``data/reference/wording.yaml``, per language (validated, cached)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mpanalysis.errors import ReferenceDataError
from mpanalysis.paths import reference_dir
from mpanalysis.reference import read_reference_yaml


class LanguageRules(BaseModel):
    """How one language names institutions and writes zero (one block of ``wording.yaml``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    articles: dict[str, str]
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


@lru_cache(maxsize=None)
def _load(path: str) -> dict[str, LanguageRules]:
    data = read_reference_yaml(Path(path), "the wording rules")
    try:
        return {str(lang): LanguageRules.model_validate(block) for lang, block in data.items()}
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(p) for p in error["loc"])
        raise ReferenceDataError(f"{path}, key '{key}': {error['msg']}") from None


def get_language_rules(lang: str) -> LanguageRules:
    """Return the wording rules of ``lang`` (those of English for a language without its own).

    >>> get_language_rules("fr").articles["f"], get_language_rules("fr").noun_grammar("Forces")
    ('la', ('f', 'pl'))
    """
    rules = _load(str(reference_dir() / "wording.yaml"))
    return rules.get(lang) or rules["en"]
