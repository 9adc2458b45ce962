"""Reference lists (domains, stages, institution types, …) with their labels in every language.

Each list is a CSV in ``data/reference/`` with at least ``code`` and one ``label_<lang>`` column
per language. Adding a language is adding ``label_pt`` columns: no code changes.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from mpanalysis.errors import ReferenceDataError
from mpanalysis.paths import find_project_root, reference_dir

#: The reference lists the questionnaire and the analysis rely on.
LIST_NAMES = (
    "domains", "policy_stages", "institution_types", "sectors", "challenges", "severities",
    "needs", "mp_functions", "channels", "periodicities", "source_kinds", "source_statuses",
    "source_formats", "source_access", "flow_directions", "yes_no", "endorsement_statuses",
    "milestones", "profile_kinds",
)

DEFAULT_LANGUAGE = "fr"

# libyaml's parser when installed: every kernel reads the reference texts once, ~5× faster
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_reference_yaml(path: str | Path, what: str, *, expect_mapping: bool = True) -> Any:
    """Return the content of a YAML file of reference data (texts, rules, styles).

    Raises :class:`ReferenceDataError` naming the file when it is missing, is not valid YAML
    (with the line) or, with ``expect_mapping``, does not hold a mapping.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "ok.yaml").write_text("title: {fr: Guide, en: Guide}", encoding="utf-8")
    >>> read_reference_yaml(folder / "ok.yaml", "the texts")
    {'title': {'fr': 'Guide', 'en': 'Guide'}}
    >>> _ = (folder / "bad.yaml").write_text("a: 1\\nb: [2, 3\\n", encoding="utf-8")
    >>> read_reference_yaml(folder / "bad.yaml", "the texts")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mpanalysis.errors.ReferenceDataError: .../bad.yaml: not valid YAML at line 3: ...
    >>> read_reference_yaml(folder / "none.yaml", "the texts")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mpanalysis.errors.ReferenceDataError: .../none.yaml: the texts not found
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReferenceDataError(f"{file}: {what} not found") from None
    except OSError as exc:
        raise ReferenceDataError(f"{file}: {what} cannot be read ({exc.strerror})") from None
    try:
        data = yaml.load(text, Loader=YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ReferenceDataError(f"{file}: not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from None
    if expect_mapping and not isinstance(data, dict):
        raise ReferenceDataError(f"{file}: {what} must be a mapping of keys to values")
    return data


@lru_cache(maxsize=None)
def _load_cached(name: str, folder: str) -> pd.DataFrame:
    path = Path(folder) / f"{name}.csv"
    if not path.is_file():
        raise ReferenceDataError(f"{path}: reference list '{name}' not found")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    if "code" not in frame.columns:
        raise ReferenceDataError(f"{path}: a reference list needs a 'code' column")
    if frame["code"].duplicated().any():
        dupes = sorted(frame.loc[frame["code"].duplicated(), "code"])
        raise ReferenceDataError(f"{path}: duplicated codes {dupes}")
    for column in frame.columns:
        if column.startswith("is_"):
            frame[column] = frame[column].str.lower().isin(["true", "1", "yes"])
    if "order" in frame.columns:
        frame["order"] = frame["order"].astype(int)
    return frame


def load_reference(name: str, folder: Path | None = None) -> pd.DataFrame:
    """Return the reference list ``name`` as a DataFrame (a copy: callers may modify it).

    >>> load_reference("policy_stages")["code"].tolist()[:2]
    ['needs_identification', 'elaboration']
    """
    return _load_cached(name, str(folder or reference_dir())).copy()


def get_codes(name: str, folder: Path | None = None) -> list[str]:
    """Return the codes of a reference list, in file order.

    >>> get_codes("domains")
    ['trends', 'border_management', 'crisis', 'development']
    """
    return _load_cached(name, str(folder or reference_dir()))["code"].tolist()


def get_languages(folder: Path | None = None) -> list[str]:
    """Return the languages every reference list has labels for.

    >>> get_languages()
    ['en', 'fr', 'pt']
    """
    common: set[str] | None = None
    for name in LIST_NAMES:
        frame = _load_cached(name, str(folder or reference_dir()))
        langs = {c.removeprefix("label_") for c in frame.columns if c.startswith("label_")}
        common = langs if common is None else common & langs
    return sorted(common or [])


@lru_cache(maxsize=32)
def _count_missing_translations(lang: str, root: str) -> int:
    # parameters check their languages each time they are read: the data files are read once
    return len(find_missing_translations(lang, Path(root)))


def check_language(lang: str, folder: Path | None = None) -> str:
    """Return ``lang`` if every reference list and every text is translated into it, else raise
    :class:`~mpanalysis.errors.ReferenceDataError` listing the languages available (or, for a
    language half translated, how many texts are missing and the command listing them).

    >>> check_language("pt")
    'pt'
    >>> check_language("xx")
    Traceback (most recent call last):
    ...
    mpanalysis.errors.ReferenceDataError: language 'xx' is not available (available: en, fr, pt)
    """
    available = get_languages(folder)
    if lang not in available:
        raise ReferenceDataError(f"language '{lang}' is not available (available: {', '.join(available)})")
    n_missing = _count_missing_translations(lang, str(folder.parent.parent if folder is not None else find_project_root()))
    if n_missing:
        raise ReferenceDataError(f"language '{lang}' is not complete: {n_missing} text(s) still to translate "
                                 f"(`mpanalysis translations --check {lang}` lists them)")
    return lang


def get_labels(name: str, lang: str = DEFAULT_LANGUAGE, folder: Path | None = None) -> dict[str, str]:
    """Return ``{code: label}`` for a reference list in one language.

    >>> get_labels("domains", "en")["crisis"]
    'Migration in crisis situations'
    >>> get_labels("domains", "fr")["crisis"]
    'Migration en situation de crise'
    """
    frame = _load_cached(name, str(folder or reference_dir()))
    column = f"label_{lang}"
    if column not in frame.columns:
        raise ReferenceDataError(f"reference list '{name}' has no labels in language '{lang}'")
    return dict(zip(frame["code"], frame[column]))


def get_label(name: str, code: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Return the label of one code, or the code itself when it is not in the list.

    >>> get_label("institution_types", "statistics_office", "en")
    'National statistics office'
    >>> get_label("domains", "health", "en")
    'health'
    """
    return get_labels(name, lang).get(code, code)


def get_attribute(name: str, column: str) -> dict[str, object]:
    """Return ``{code: value}`` of another column of a list (e.g. a type's sector).

    >>> get_attribute("institution_types", "sector")["ministry"]
    'governmental'
    >>> get_attribute("channels", "is_formal")["formal_agreement"]
    True
    """
    frame = _load_cached(name, str(reference_dir()))
    if column not in frame.columns:
        raise ReferenceDataError(f"reference list '{name}' has no column '{column}'")
    return dict(zip(frame["code"], frame[column]))


def _is_translation(node: object) -> bool:
    """A mapping of language codes to texts: ``{fr: …, en: …}``."""
    return (isinstance(node, dict) and bool(node) and all(isinstance(k, str) and len(k) == 2 and k.islower()
                                                          for k in node)
            and bool({DEFAULT_LANGUAGE, "en"} & set(node)))


def _find_missing_in_yaml(node: object, lang: str, key: str, found: list[str]) -> None:
    if _is_translation(node):
        value = node.get(lang)
        if value is None or (isinstance(value, str) and not value.strip()) or value == [] or value == {}:
            found.append(key)
        return
    if isinstance(node, dict):
        for name, child in node.items():
            _find_missing_in_yaml(child, lang, f"{key}.{name}" if key else str(name), found)
    elif isinstance(node, list):
        for number, child in enumerate(node):
            _find_missing_in_yaml(child, lang, f"{key}[{number}]", found)


def find_missing_translations(lang: str, root: Path | None = None) -> list[str]:
    """Return one line per text that has no ``lang`` version: a reference list's ``label_<lang>``
    column (or its empty cells), and every translated text of ``data/reference/**/*.yaml`` (guide
    texts, findings, messages, report) and ``data/questionnaire/questions.yaml``.

    Adding a language is adding what this lists; no code names the languages.

    >>> find_missing_translations("en")
    []
    >>> missing = find_missing_translations("xx")
    >>> any("domains.csv" in line for line in missing)
    True
    >>> [line for line in missing if "languages (" in line or "block" in line]  # doctest: +NORMALIZE_WHITESPACE
    ["data/reference/atlas.yaml: languages (add 'xx' to the list)",
     "data/reference/findings.yaml: languages (add 'xx' to the list)",
     "data/reference/wording.yaml: no 'xx' block (articles, contractions, gender of first nouns, locale, typography)"]
    """
    from mpanalysis.paths import data_dir

    base = data_dir(root)
    reference = base / "reference"
    lines: list[str] = []
    csv_files = [*sorted(reference.glob("*.csv")), base / "questionnaire" / "countries.csv"]
    for path in csv_files:
        if not path.is_file():
            continue
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        shown = path.relative_to(base.parent)
        hint = " (regenerate with `mpanalysis questionnaire`)" if path.name == "countries.csv" else ""
        if not any(c.startswith("label_") for c in frame.columns):
            continue
        column = f"label_{lang}"
        if column not in frame.columns:
            lines.append(f"{shown}: no column {column} ({len(frame)} labels){hint}")
            continue
        empty = frame.loc[frame[column].str.strip() == "", "code"].tolist()
        if empty:
            lines.append(f"{shown}: {column} empty for {', '.join(empty)}")
    yaml_files = [*sorted(reference.rglob("*.yaml")), base / "questionnaire" / "questions.yaml"]
    for path in yaml_files:
        if not path.is_file():
            continue
        found: list[str] = []
        data = read_reference_yaml(path, "reference texts", expect_mapping=False)
        if isinstance(data, dict) and isinstance(data.get("languages"), list) and lang not in data["languages"]:
            found.append(f"languages (add '{lang}' to the list)")
        if path.name == "wording.yaml" and isinstance(data, dict) and lang not in data:
            found.append(f"no '{lang}' block (articles, contractions, gender of first nouns, locale, typography)")
        _find_missing_in_yaml(data, lang, "", found)
        shown = path.relative_to(base.parent)
        lines += [f"{shown}: {key}" for key in found]
    return lines
