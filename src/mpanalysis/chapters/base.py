"""What every chapter shares: its context (country data + parameters), its result, how it is
saved for the guide assembly and shown in a notebook, and its texts from ``chapters.yaml``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from ..dataset import CountryDataset
from ..document import Chapter, read_chapter, write_chapter
from ..errors import ReferenceDataError
from ..fileio import write_csv_safe, write_text_atomic
from ..params import CountryParams
from ..paths import reference_dir


@dataclass(frozen=True)
class ChapterContext:
    """Everything a chapter builder reads: the country's data, its parameters, the language."""

    dataset: CountryDataset
    params: CountryParams
    lang: str

    @property
    def country(self) -> str:
        return self.params.country


@dataclass(frozen=True)
class ChapterResult:
    """A built chapter and what later chapters and the open data reuse.

    ``findings`` are :class:`mpanalysis.findings.Finding` objects (chapter IV's recommendations
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
    from ..cache import load_country_dataset_cached
    from ..params import load_params

    params = load_params(params_file or country)
    if input_dir:
        params = params.model_copy(update={"inputs": input_dir})
    dataset = load_country_dataset_cached(params, lang)
    return ChapterContext(dataset=dataset, params=params, lang=lang)


def save_chapter_result(result: ChapterResult, output_dir: str | Path) -> dict[str, Path]:
    """Write a chapter's JSON, findings, measures and tables under ``output_dir`` (one language).

    Layout: ``chapters/<key>.json``, ``findings/<key>.json``, ``measures/<key>.json``,
    ``tables/<key>__<name>.csv``. Every file is written atomically.
    """
    from ..findings import findings_to_json

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
    from ..findings import findings_from_json

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


@lru_cache(maxsize=None)
def _load_chapter_texts(path: str) -> dict:
    from ..reference import read_reference_yaml

    return read_reference_yaml(path, "chapter texts")


def get_chapter_text(key: str, lang: str, **values: Any) -> str:
    """Return a chapter text in ``lang``, its placeholders filled when ``values`` are given
    (:func:`fill_chapter_text`).

    ``key`` is ``<file>.<dotted path>``: ``sources.title`` is the ``title`` entry of
    ``data/reference/chapters/sources.yaml``. A missing translation is an error, so a
    half-translated guide cannot be published unnoticed.

    >>> get_chapter_text("sources.title", "en")
    'Panorama of migration data and information sources'
    """
    if values:
        return fill_chapter_text(key, lang, **values)
    stem, _, rest = key.partition(".")
    path = reference_dir() / "chapters" / f"{stem}.yaml"
    node: Any = _load_chapter_texts(str(path))
    for part in rest.split(".") if rest else []:
        if not isinstance(node, dict) or part not in node:
            raise ReferenceDataError(f"{path}: no text '{rest}'")
        node = node[part]
    if not isinstance(node, dict) or lang not in node:
        raise ReferenceDataError(f"{path}: text '{rest}' has no '{lang}' translation")
    return str(node[lang])


def fill_chapter_text(key: str, lang: str, **values: object) -> str:
    """Return the chapter text ``key`` in ``lang`` with word forms, numbers and names filled in.

    Numbers are written as the language writes them (names ending in ``_share`` or ``_rate`` as
    percentages, names ending in ``year`` as plain years, others with the language's digit
    grouping); ``{n|one|other}`` picks the form that agrees with ``n`` (French treats 0 and 1 as
    singular); ``{ref:id}`` and ``{num:id}`` are kept for the guide's numbering. Text values
    (names, labels) are inserted as they are, never parsed again: pass a respondent's answer
    through :func:`mpanalysis.document.protect_text` so it cannot cite a figure.

    >>> fill_chapter_text("sources.key_figures.domains", "fr", n_domains_covered=1, n_domains=4)
    '1 des 4 domaines a au moins une source existante.'
    >>> fill_chapter_text("sources.key_figures.domains", "en", n_domains_covered=3, n_domains=4)
    '3 of the 4 domains have at least one existing source.'
    >>> fill_chapter_text("mp_process.content.intro", "en", n_editions=1)
    "One edition of the migration profile is recorded in the country's parameters:"
    >>> fill_chapter_text("sources.coverage.text", "en", n_existing=2)
    Traceback (most recent call last):
    ...
    mpanalysis.errors.ReferenceDataError: ...sources.yaml: text 'sources.coverage.text' (en): needs a value for {n_governmental_existing}
    """
    from ..findings import fill_template

    where = f"{reference_dir() / 'chapters' / (key.partition('.')[0] + '.yaml')}: text '{key}' ({lang})"
    return fill_template(get_chapter_text(key, lang), lang, values, where=where)


def show_chapter(chapter: Chapter, lang: str = "fr") -> None:
    """Display a chapter in JupyterLab as the guide shows it: escaped text and tables in the
    guide's style, figures as interactive plotly figures (JupyterLab draws them natively)."""
    from IPython.display import HTML, display

    from ..display import display_figure
    from ..document import Figure
    from ..render.html import render_blocks_fragment

    guide = _preview_guide(chapter, lang)
    chapter = guide.chapters[0]
    display(HTML(f"<h2>{chapter.number}. {_escape(chapter.title)}</h2>"
                 + (f"<p><em>{_escape(chapter.intro)}</em></p>" if chapter.intro else "")))

    def show_blocks(blocks: list, heading: str | None, depth: int) -> None:
        if heading:
            display(HTML(f"<h{depth}>{_escape(heading)}</h{depth}>"))
        pending: list = []
        for block in blocks:
            if isinstance(block, Figure):
                if pending:
                    display(HTML(render_blocks_fragment(pending, guide)))
                    pending = []
                display_figure(block.figure_dict())
                display(HTML(f"<p><strong>{_escape(block.caption)}</strong></p>"))
            else:
                pending.append(block)
        if pending:
            display(HTML(render_blocks_fragment(pending, guide)))

    show_blocks(chapter.blocks, None, 3)
    stack = [(s, 3) for s in chapter.sections]
    while stack:
        section, depth = stack.pop(0)
        show_blocks(section.blocks, section.title, depth)
        stack[0:0] = [(child, min(depth + 1, 6)) for child in section.sections]


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def _preview_guide(chapter: Chapter, lang: str):
    """A one-chapter guide, only so figures and tables get the numbers the full guide gives them."""
    import datetime as dt

    from ..document import Guide, iter_blocks, replace_refs

    # citations of other chapters' figures cannot be numbered in a one-chapter preview: left out
    own = {block.id for block in iter_blocks(chapter) if getattr(block, "id", None)}
    chapter = replace_refs(chapter, lambda kind, block_id: None if block_id in own else "")
    return Guide(country="SEN", country_name="-", lang=lang, title="-", date=dt.date.today(),
                 chapters=[chapter])
