"""Shared helpers of chapter III: texts, labels, shares, and finding an entity by name."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, process

from mpanalysis.errors import ReferenceDataError
from mpanalysis.ingest.dataset import CountryDataset
from mpanalysis.ingest.reconcile import normalize_name, normalize_text
from mpanalysis.paths import reference_dir
from mpanalysis.reference import DEFAULT_LANGUAGE, get_codes

#: Severity codes (data/reference/severities.csv) and the column names of their counts.
SEVERITY_COLUMNS = {0: "n_none", 1: "n_minor", 2: "n_moderate", 3: "n_major"}

#: A challenge is "prevalent" for a respondent who rates it at least this (moderate or major).
PREVALENT_SEVERITY = 2

#: Code of the total row of the tables broken down by institution type.
TOTAL = "total"

SOLUTIONS_FILE = "solutions.yaml"
PROFILE_FINDINGS_FILE = "profile_findings.yaml"


# --------------------------------------------------------------------------------------------
# Small helpers


def pick_text(texts: dict[str, str] | None, lang: str) -> str:
    """Return the text in ``lang``, else in the default language, else the first one given.

    A workshop entry written in French only still shows in the English guide rather than
    vanishing.

    >>> pick_text({"fr": "Former", "en": "Train"}, "en")
    'Train'
    >>> pick_text({"fr": "Former"}, "en")
    'Former'
    >>> pick_text(None, "fr")
    ''
    """
    if not texts:
        return ""
    if texts.get(lang):
        return texts[lang]
    if texts.get(DEFAULT_LANGUAGE):
        return texts[DEFAULT_LANGUAGE]
    return next(iter(texts.values()))


def _is_blank(value: object) -> bool:
    return normalize_text(value) == ""


def _share(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator else float("nan")


def _bool_series(series: pd.Series) -> pd.Series:
    return series.astype("boolean")


def _respondent_types(dataset: CountryDataset) -> pd.DataFrame:
    """One row per responding entity: entity_id, institution_name, institution_type."""
    respondents = dataset.respondents
    frame = respondents[["entity_id", "institution_name", "institution_type"]].drop_duplicates(
        "entity_id", keep="last")
    frame = frame.astype({"institution_type": "object"})
    frame["institution_type"] = frame["institution_type"].where(frame["institution_type"].notna(), "other")
    return frame


def _type_order(types: pd.Series) -> list[str]:
    reference = get_codes("institution_types")
    present = set(types.dropna())
    return [c for c in reference if c in present] + sorted(present - set(reference))


@lru_cache(maxsize=None)
def _load_yaml_cached(path: str) -> dict:
    from mpanalysis.reference import read_reference_yaml

    return read_reference_yaml(path, "reference file")


def load_profile_texts(path: Path | None = None) -> dict:
    """Return ``data/reference/profile_findings.yaml``: thresholds, labels and finding templates.

    >>> texts = load_profile_texts()
    >>> texts["labels"]["solution_origin"]["workshop"]["en"]
    'Retained at the workshop'
    """
    return _load_yaml_cached(str(path or reference_dir() / PROFILE_FINDINGS_FILE))


def get_profile_label(group: str, code: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Return a chapter III label (column header, origin…) from ``profile_findings.yaml``.

    >>> get_profile_label("columns", "prevalence", "fr")
    'Prévalence (modéré ou majeur)'
    >>> get_profile_label("solution_origin", "suggested", "en")
    'Suggested'
    """
    labels = load_profile_texts()["labels"]
    try:
        return pick_text(labels[group][code], lang)
    except KeyError:
        raise ReferenceDataError(
            f"{reference_dir() / PROFILE_FINDINGS_FILE}: no label '{group}.{code}'") from None


def find_entity(name: str, entities: pd.DataFrame, threshold: float = 88.0) -> str | None:
    """Return the entity id a name from the parameters designates, or None.

    Tried in order: the entity id itself, the acronym, the name or one of its variants once
    normalised as reconciliation does (:func:`mpanalysis.ingest.reconcile.normalize_name`), then the
    closest name (rapidfuzz ``token_sort_ratio`` ≥ ``threshold``, the parameters'
    ``match_threshold``).

    >>> import pandas as pd
    >>> ents = pd.DataFrame({"entity_id": ["SEN-ANSD", "SEN-DGPN"],
    ...     "name": ["Agence nationale de la statistique", "Direction générale de la police nationale"],
    ...     "acronym": ["ANSD", "DGPN"], "name_variants": ["", "DG Police nationale"]})
    >>> find_entity("ansd", ents), find_entity("Agence Nationale de la Statistique", ents)
    ('SEN-ANSD', 'SEN-ANSD')
    >>> find_entity("Direction generale de la police nationale", ents)
    'SEN-DGPN'
    >>> find_entity("Ministère de la Santé", ents) is None
    True
    """
    if _is_blank(name) or entities.empty:
        return None
    folded = normalize_text(name)
    key = normalize_name(name)
    ids = entities["entity_id"].astype(str).tolist()
    for entity_id in ids:
        if normalize_text(entity_id) == folded:
            return entity_id
    acronyms = [normalize_text(a) for a in entities["acronym"]]
    if folded in acronyms:
        return ids[acronyms.index(folded)]
    variants = entities["name_variants"] if "name_variants" in entities else [""] * len(ids)
    choices: dict[int, str] = {}
    for index, (entity_name, joined) in enumerate(zip(entities["name"], variants)):
        for candidate in [entity_name, *(str(joined).split(" | ") if not _is_blank(joined) else [])]:
            if normalize_name(str(candidate)) == key:
                return ids[index]
        choices[index] = normalize_name(str(entity_name))
    best = process.extractOne(key, choices, scorer=fuzz.token_sort_ratio, score_cutoff=threshold)
    return ids[best[2]] if best else None
