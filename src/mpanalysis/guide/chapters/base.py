"""What every chapter shares: its context (country data + parameters), its result, how it is
saved for the guide assembly and shown in a notebook, and its texts from ``chapters.yaml``."""


from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from mpanalysis.decisions import Decisions, apply_decisions_to_params, load_decisions
from mpanalysis.fileio import write_csv_safe, write_text_atomic
from mpanalysis.guide.document import Chapter, Table, read_chapter, write_chapter
from mpanalysis.ingest.dataset import CountryDataset
from mpanalysis.params import CountryParams


@dataclass(frozen=True)
class ChapterContext:
    """Everything a chapter builder reads: the country's data, its parameters, the language, and
    the decisions of the workshop, the review and the endorsement (``params/<ISO3>.workshop.yaml``;
    ``params`` already has them applied, :func:`mpanalysis.decisions.apply_decisions_to_params`)."""

    dataset: CountryDataset
    params: CountryParams
    lang: str
    decisions: Decisions | None = None

    @property
    def country(self) -> str:
        return self.params.country


@dataclass(frozen=True)
class ChapterResult:
    """A built chapter and what later chapters and the open data reuse.

    ``findings`` are :class:`mpanalysis.analysis.findings.Finding` objects (chapter IV's recommendations
    are evaluated on them); ``measures`` are named numbers (``network.density``…) the rules read;
    ``tables`` are DataFrames exported as CSV beside the chapter.
    """

    chapter: Chapter
    findings: list = field(default_factory=list)
    measures: dict[str, float] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def load_chapter_context(country: str, lang: str, *, input_dir: str | None = None,
                         params_file: str | None = None) -> ChapterContext:
    """Load a country's parameters and validated dataset for a chapter notebook.

    The dataset is cached on disk by the fingerprint of its inputs, so the four chapter notebooks
    of a country read and validate the exports once.
    """
    from mpanalysis.ingest.cache import load_country_dataset_cached
    from mpanalysis.params import load_params

    params = load_params(params_file or country)
    if input_dir:
        params = params.model_copy(update={"inputs": input_dir})
    dataset = load_country_dataset_cached(params, lang)
    decisions = load_decisions(params.country)
    return ChapterContext(dataset=dataset, params=apply_decisions_to_params(params, decisions), lang=lang,
                          decisions=decisions)


def apply_workshop_findings(ctx: ChapterContext, findings: list) -> list:
    """Return the findings the guide shows once the workshop's decisions are applied: rejected
    ones left out, corrected ones reworded, confirmed ones marked
    (:func:`mpanalysis.analysis.decided.apply_finding_decisions`)."""
    from mpanalysis.analysis.decided import apply_finding_decisions

    return apply_finding_decisions(findings, ctx.decisions)[0]


def mark_validated_finding(text: str, finding: Any, lang: str) -> str:
    """Return a finding's sentence followed by the workshop's mark when it was validated there.

    >>> from types import SimpleNamespace
    >>> mark_validated_finding("Un constat.", SimpleNamespace(validation="confirmed"), "fr")
    'Un constat. (Validé lors de l’atelier national.)'
    >>> mark_validated_finding("A finding.", SimpleNamespace(validation=None), "en")
    'A finding.'
    """
    from mpanalysis.guide.texts import get_chapter_text

    validation = getattr(finding, "validation", None)
    if not validation:
        return text
    return f"{text} {get_chapter_text(f'workshop.guide.{validation}', lang)}"


def save_chapter_result(result: ChapterResult, output_dir: str | Path) -> dict[str, Path]:
    """Write a chapter's JSON, findings, measures and tables under ``output_dir`` (one language).

    Layout: ``chapters/<key>.json``, ``findings/<key>.json``, ``measures/<key>.json``,
    ``tables/<key>__<name>.csv``. Every file is written atomically.
    """
    from mpanalysis.analysis.findings import findings_to_json

    folder = Path(output_dir)
    key = result.chapter.key
    written = {"chapter": write_chapter(result.chapter, folder / "chapters" / f"{key}.json")}
    written["findings"] = write_text_atomic(folder / "findings" / f"{key}.json",
                                            findings_to_json(result.findings))
    written["measures"] = write_text_atomic(
        folder / "measures" / f"{key}.json",
        json.dumps({k: _plain(v) for k, v in sorted(result.measures.items())}, indent=1, ensure_ascii=False))
    for name, frame in result.tables.items():
        written[f"table:{name}"] = write_csv_safe(frame, folder / "tables" / f"{key}__{name}.csv")
    return written


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def load_findings(output_dir: str | Path, keys: list[str] | None = None) -> list:
    """Return the findings saved by earlier chapters (all, or those of ``keys``), in chapter order."""
    from mpanalysis.analysis.findings import findings_from_json

    folder = Path(output_dir) / "findings"
    paths = sorted(folder.glob("*.json")) if keys is None else [folder / f"{k}.json" for k in keys]
    found = []
    for path in paths:
        if path.is_file():
            found.extend(findings_from_json(path.read_text(encoding="utf-8"), source=path))
    return found


def load_measures(output_dir: str | Path) -> dict[str, float]:
    """Return every measure saved by earlier chapters, merged."""
    measures: dict[str, float] = {}
    for path in sorted((Path(output_dir) / "measures").glob("*.json")):
        measures.update(json.loads(path.read_text(encoding="utf-8")))
    return measures


def load_chapter_results(output_dir: str | Path, keys: list[str]) -> list[Chapter]:
    """Return the saved chapters ``keys`` in that order (the guide assembly's input)."""
    return [read_chapter(Path(output_dir) / "chapters" / f"{key}.json") for key in keys]


def build_named_institutions_table(findings: list, names: dict[str, str], lang: str,
                                   table_id: str | None) -> Table | None:
    """Return the table listing the institutions of the findings too long to name in a sentence
    (their sentences cite it by ``table_id``), or None when every finding names its institutions.

    >>> from mpanalysis.analysis.findings import make_finding
    >>> f = make_finding("silent_producers", entities=list("ABCD"), numbers={"n_entities": 4})
    >>> t = build_named_institutions_table([f], {"A": "Alpha"}, "en", "network_named_institutions")
    >>> t.columns, t.rows
    (['Finding', 'Number', 'Institutions'], [['Hold sources but share nothing', 4, 'Alpha, B, C, D']])
    """
    from mpanalysis.analysis.findings import list_named_institutions
    from mpanalysis.guide.texts import get_chapter_text

    listed = list_named_institutions(findings, names, lang)
    if table_id is None or listed.empty:
        return None
    display = pd.DataFrame({
        get_chapter_text(f"annexes.named_institutions.{key}", lang): listed[column].tolist()
        for key, column in (("col_finding", "finding"), ("col_n", "n"), ("col_institutions", "institutions"))})
    return Table.from_frame(display, id=table_id, caption=get_chapter_text("annexes.named_institutions.caption", lang))
