"""The problem/solution matrix (severity, prevalence, rank, solutions) and the needs table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mpanalysis.analysis.profile.common import (
    PREVALENT_SEVERITY,
    SEVERITY_COLUMNS,
    SOLUTIONS_FILE,
    _is_blank,
    _load_yaml_cached,
    _share,
    get_profile_label,
    pick_text,
)
from mpanalysis.errors import ReferenceDataError
from mpanalysis.ingest.dataset import CountryDataset
from mpanalysis.ingest.reconcile import normalize_text
from mpanalysis.params import CountryParams
from mpanalysis.paths import reference_dir
from mpanalysis.reference import DEFAULT_LANGUAGE, get_codes, get_labels, get_languages
from mpanalysis.wording.rules import babel_locale

# --------------------------------------------------------------------------------------------
# Problem/solution matrix


def load_solutions(path: Path | None = None) -> dict[str, list[dict[str, str]]]:
    """Return the suggested solutions per challenge code from ``data/reference/solutions.yaml``.

    Every challenge of data/reference/challenges.csv must have at least one solution and every
    solution a text in each language of the reference lists.

    >>> sorted(load_solutions())
    ['dissemination', 'ownership', 'understanding', 'update', 'use']
    >>> load_solutions()["update"][0]["en"][:25]
    'Set an update schedule (f'
    """
    file = Path(path or reference_dir() / SOLUTIONS_FILE)
    data = _load_yaml_cached(str(file))
    languages = set(get_languages())
    for code in get_codes("challenges"):
        if not data.get(code):
            raise ReferenceDataError(f"{file}: challenge '{code}' has no suggested solution")
    for code, solutions in data.items():
        if not isinstance(solutions, list):
            raise ReferenceDataError(f"{file}, challenge '{code}': expected a list of solutions")
        for index, solution in enumerate(solutions, start=1):
            if not isinstance(solution, dict) or not all(
                    isinstance(solution.get(lang), str) and solution[lang].strip() for lang in languages):
                raise ReferenceDataError(
                    f"{file}, challenge '{code}', solution {index}: needs a text in {sorted(languages)}")
    return data


def _other_challenges(dataset: CountryDataset) -> list[dict]:
    """Group respondents' "other" challenges by normalised text, most cited first."""
    known = set(get_codes("challenges"))
    challenges = dataset.challenges
    others = challenges[~challenges["challenge"].isin(known)]
    texts = [(row["entity_id"], row["comment"] if not _is_blank(row["comment"]) else row["challenge"])
             for _, row in others.iterrows()]
    if not texts:
        # The dataset may keep "other" answers only in respondents.challenge_other.
        texts = [(row["entity_id"], row["challenge_other"]) for _, row in dataset.respondents.iterrows()]
    groups: dict[str, dict] = {}
    for entity_id, text in texts:
        key = normalize_text(text)
        if not key or key == "other":
            continue
        group = groups.setdefault(key, {"text": str(text).strip(), "entities": []})
        if entity_id not in group["entities"]:
            group["entities"].append(entity_id)
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]["entities"]), item[0]))
    return [group for _, group in ordered]


def build_problem_matrix(dataset: CountryDataset, params: CountryParams,
                         lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Return the problem/solution matrix: each challenge, how severe, how widespread, what to do.

    For each of the five challenges of data/reference/challenges.csv, over the respondents who
    rated it: the distribution of severities (``n_none … n_major``), ``mean_severity`` (0–3) and
    ``prevalence``, the share rating it moderate or major (≥ 2). ``score = prevalence ×
    mean_severity`` (0–3) ranks them: a challenge counts more when many find it serious *and* it
    is serious on average, so one loud respondent cannot top the list. ``rank`` 1 is the most
    pressing; ties are broken by mean severity, then number of "major", then catalogue order.

    ``n_mentions`` counts respondents rating it at least minor; ``entity_ids`` those rating it
    moderate or major. "Other" challenges written by respondents follow, grouped by text
    (``n_mentions`` and ``entity_ids``: who wrote it), then workshop problems outside the five;
    they have no severity and no rank.
    ``solutions`` holds the solutions retained at the workshop for that challenge when there are
    any (``solution_origin`` = ``workshop``), else those of data/reference/solutions.yaml
    (``suggested``), else none (``none``). ``severity_agreed`` (0–3, NA when not discussed) is the
    severity the national workshop agreed on, beside the measured ``mean_severity``.

    >>> from mpanalysis.analysis.profile.examples import make_example_dataset
    >>> m = build_problem_matrix(make_example_dataset(), CountryParams(country="SEN"), "en")
    >>> m[["challenge", "mean_severity", "prevalence", "rank"]].head(3).values.tolist()
    [['update', 3.0, 1.0, 1], ['use', 2.0, 0.75, 2], ['understanding', 1.0, 0.25, 3]]
    >>> other = m.iloc[-1]
    >>> m.loc[0, "solution_origin"], other["challenge"], other["label"], int(other["n_mentions"])
    ('suggested', 'other_1', 'manque de financement', 2)
    >>> agreed = CountryParams(country="SEN", workshop={"problems": [{"challenge": "use", "severity": 3}]})
    >>> build_problem_matrix(make_example_dataset(), agreed, "en").set_index("challenge")["severity_agreed"].head(2).tolist()
    [<NA>, 3]
    """
    labels = get_labels("challenges", lang)
    suggested = load_solutions()
    workshop: dict[str, list] = {}
    for problem in params.workshop.problems:
        workshop.setdefault(problem.challenge, []).append(problem)

    def solutions_for(code: str) -> tuple[list[str], str, str]:
        problems = workshop.get(code, [])
        retained = [pick_text(s, lang) for p in problems for s in p.solutions]
        description = " ".join(pick_text(p.description, lang) for p in problems if p.description)
        if retained:
            return retained, "workshop", description
        if code in suggested:
            return [pick_text(s, lang) for s in suggested[code]], "suggested", description
        return [], "none", description

    def severity_agreed(code: str) -> object:
        agreed = [p.severity for p in workshop.get(code, []) if p.severity is not None]
        return agreed[-1] if agreed else pd.NA

    challenges = dataset.challenges
    entity_ids = challenges["entity_id"]
    rows = []
    for order, code in enumerate(get_codes("challenges")):
        ratings = pd.to_numeric(challenges.loc[challenges["challenge"] == code, "severity"],
                                errors="coerce").dropna().astype(int)
        n = len(ratings)
        counts = {column: int((ratings == value).sum()) for value, column in SEVERITY_COLUMNS.items()}
        mean = float(ratings.mean()) if n else float("nan")
        prevalence = _share(int((ratings >= PREVALENT_SEVERITY).sum()), n)
        solutions, origin, description = solutions_for(code)
        rows.append({"challenge": code, "label": labels[code], "is_other": False, "n_answered": n,
                     **counts, "mean_severity": mean, "prevalence": prevalence,
                     "score": prevalence * mean if n else float("nan"), "rank": pd.NA,
                     "n_mentions": int((ratings >= 1).sum()),
                     "entity_ids": tuple(sorted(set(entity_ids.loc[ratings.index[ratings >= PREVALENT_SEVERITY]]))),
                     "workshop_description": description, "solutions": solutions,
                     "solution_origin": origin, "severity_agreed": severity_agreed(code), "_order": order})
    ranked = sorted((r for r in rows if r["n_answered"]),
                    key=lambda r: (-r["score"], -r["mean_severity"], -r["n_major"], r["_order"]))
    for rank, row in enumerate(ranked, start=1):
        row["rank"] = rank
    rows = ranked + [r for r in rows if not r["n_answered"]]

    empty_counts = {column: pd.NA for column in SEVERITY_COLUMNS.values()}
    for index, group in enumerate(_other_challenges(dataset), start=1):
        rows.append({"challenge": f"other_{index}", "label": group["text"], "is_other": True,
                     "n_answered": 0, **empty_counts, "mean_severity": float("nan"),
                     "prevalence": float("nan"), "score": float("nan"), "rank": pd.NA,
                     "n_mentions": len(group["entities"]), "entity_ids": tuple(group["entities"]),
                     "workshop_description": "", "solutions": [], "solution_origin": "none",
                     "severity_agreed": pd.NA})
    for code in workshop:
        if code in labels:
            continue
        solutions, origin, description = solutions_for(code)
        rows.append({"challenge": code, "label": description or code, "is_other": True,
                     "n_answered": 0, **empty_counts, "mean_severity": float("nan"),
                     "prevalence": float("nan"), "score": float("nan"), "rank": pd.NA,
                     "n_mentions": 0, "entity_ids": (), "workshop_description": description,
                     "solutions": solutions, "solution_origin": origin, "severity_agreed": severity_agreed(code)})
    matrix = pd.DataFrame(rows).drop(columns="_order", errors="ignore")
    matrix["rank"] = matrix["rank"].astype("Int64")
    matrix["severity_agreed"] = matrix["severity_agreed"].astype("Int64")
    for column in SEVERITY_COLUMNS.values():
        matrix[column] = matrix[column].astype("Int64")
    return matrix


def format_problem_matrix(matrix: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Return the matrix as the guide shows it: headers and values written in ``lang``.

    Columns (labels from ``profile_findings.yaml``): rank, challenge, answers, mean severity (as
    measured), the severity the national workshop agreed on (only when it agreed on one),
    prevalence, solutions (one per line) and their origin. Missing values are empty strings.

    >>> from mpanalysis.analysis.profile.examples import make_example_dataset
    >>> m = build_problem_matrix(make_example_dataset(), CountryParams(country="SEN"), "fr")
    >>> table = format_problem_matrix(m, "fr")
    >>> table.columns.tolist()[:3], table.iloc[0, :5].tolist()
    (['Rang', 'Difficulté', 'Réponses'], ['1', 'Mises à jour rares', '4', '3', '100\xa0%'])
    """
    from babel.numbers import format_decimal, format_percent

    def number(value: object, kind: str) -> str:
        if value is None or pd.isna(value):
            return ""
        if kind == "percent":
            return format_percent(float(value), locale=babel_locale(lang))
        return format_decimal(round(float(value), 2), locale=babel_locale(lang))

    has_agreed = "severity_agreed" in matrix and matrix["severity_agreed"].notna().any()
    rows = [[number(row["rank"], "int"), str(row["label"]), number(row["n_answered"] or None, "int"),
             number(row["mean_severity"], "decimal"),
             *([number(row["severity_agreed"], "int")] if has_agreed else []),
             number(row["prevalence"], "percent"),
             "\n".join(row["solutions"]), get_profile_label("solution_origin", row["solution_origin"], lang)]
            for row in matrix.to_dict("records")]
    keys = ["rank", "challenge", "n_answered", "mean_severity", *(["severity_agreed"] if has_agreed else []),
            "prevalence", "solutions", "solution_origin"]
    return pd.DataFrame(rows, columns=[get_profile_label("columns", k, lang) for k in keys])


# --------------------------------------------------------------------------------------------
# Needs


def build_needs_table(dataset: CountryDataset, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Return each need of data/reference/needs.csv: how many respondents expressed it, and who.

    ``share`` is over all respondents. Columns: ``need, label, n, share, entity_ids``.

    >>> from mpanalysis.analysis.profile.examples import make_example_dataset
    >>> build_needs_table(make_example_dataset(), "en")[["need", "n", "share"]].head(2).values.tolist()
    [['cooperation', 0, 0.0], ['training', 3, 0.75]]
    """
    n_respondents = dataset.respondents["entity_id"].nunique()
    labels = get_labels("needs", lang)
    needs = dataset.needs
    rows = []
    for code in get_codes("needs"):
        ids = tuple(sorted(set(needs.loc[needs["need"] == code, "entity_id"])))
        rows.append({"need": code, "label": labels[code], "n": len(ids),
                     "share": _share(len(ids), n_respondents), "entity_ids": ids})
    return pd.DataFrame(rows)
