"""The national workshop's kit: the slides of the preliminary findings and the worksheet.

``mpanalysis workshop ISO3`` writes to ``outputs/<ISO3>/workshop/``, per language:

- ``<ISO3>_workshop_slides_<lang>.html`` (offline, the regional slides' engine) and ``.pdf`` (the
  same slides with static figures, one landscape page each, for printing), marked PRELIMINARY:
  the key messages, the figures and tables the brief guide keeps (key figures, the network, the
  problem/solution matrix), the findings to review numbered F1…Fn, the candidate recommendations
  with their lead institution, time frame and indicator;
- ``<ISO3>_workshop_worksheet_<lang>.xlsx``: the worksheet (:mod:`.sheets`) with the sheets
  findings, problems, recommendations, names and participants, each row keyed by a stable id, and
  ``<ISO3>_workshop_worksheet_<lang>.pdf``, the same to fill in on paper.

Everything is read from the last build of the country (``outputs/<ISO3>/work/<lang>/``): the kit
shows what the guide says now.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from babel.numbers import format_decimal, format_percent

from mpanalysis._version import __version__
from mpanalysis.analysis.findings import Finding, findings_to_frame
from mpanalysis.analysis.recommendations import CATEGORY_LIST, get_rule_labels
from mpanalysis.decisions import Decisions, load_decisions
from mpanalysis.errors import MpanalysisError
from mpanalysis.guide.chapters.base import (
    ChapterContext,
    load_chapter_context,
    load_chapter_results,
    load_findings,
)
from mpanalysis.guide.document import (
    Chapter,
    Figure,
    Guide,
    Numbering,
    Paragraph,
    Table,
    iter_blocks,
    label_blocks,
    protect_text,
    resolve_refs,
)
from mpanalysis.paths import outputs_dir
from mpanalysis.reference import get_labels
from mpanalysis.workshop.sheets import Column, SheetSpec, Workbook, build_printable_html, write_workbook
from mpanalysis.workshop.texts import get_list, t

#: The chapters whose findings the workshop reviews (chapter IV has recommendations, not findings).
FINDING_CHAPTERS = ("sources", "policy_cycle", "mp_process")
GUIDE_CHAPTERS = (*FINDING_CHAPTERS, "recommendations")

#: Empty rows of the worksheet for new recommendations and for participants.
N_NEW_RECOMMENDATIONS = 5
N_PARTICIPANT_ROWS = 30

#: Between an entity id and its name in the "merge into" drop-down list.
ENTITY_SEPARATOR = " · "


@dataclass(frozen=True)
class KitState:
    """What the guide says now, in one language: the findings (F1…Fn, in chapter and severity
    order), the candidate recommendations (the open data's table), the problem/solution matrix,
    the entities, the saved chapters, and the decisions already recorded."""

    ctx: ChapterContext
    findings: list[Finding]
    recommendations: pd.DataFrame
    problems: pd.DataFrame
    chapters: list[Chapter]
    decisions: Decisions

    @property
    def lang(self) -> str:
        return self.ctx.lang

    @property
    def country(self) -> str:
        return self.ctx.country

    def get_finding_numbers(self) -> dict[str, str]:
        return {f.id: f"F{index}" for index, f in enumerate(self.findings, start=1)}

    def get_guide_numbering(self) -> Numbering:
        """The labels of the draft guide's (public, full) figures and tables, as a text of the kit
        cites them: "Tableau III.5 du guide provisoire"."""
        from mpanalysis.publish.assemble import select_chapter_content

        shown = [c for c in (select_chapter_content(saved, "public", "full") for saved in self.chapters) if c]
        numbering = label_blocks(shown, self.lang)
        labels = {i: t("deck.in_guide", self.lang, label=label) for i, label in numbering.labels.items()}
        return dataclasses.replace(numbering, labels=labels)

    def get_finding_text(self, finding: Finding, numbering: Numbering | None = None) -> str:
        """A finding's sentence as plain text, its citations resolved by ``numbering`` (the draft
        guide's by default)."""
        return resolve_refs(finding.get_text(self.lang), numbering or self.get_guide_numbering())


def _read_table(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def check_built(country: str, lang: str, files: list[Path], purpose: str) -> Path:
    """Return the folder of the country's last build in ``lang`` (``outputs/<ISO3>/work/<lang>/``)
    when it holds ``files``; else stop with a message saying to run the build first.

    >>> check_built("ZZZ", "fr", [Path("chapters/sources.json")], "to review")
    Traceback (most recent call last):
    ...
    mpanalysis.errors.MpanalysisError: ZZZ: no build in 'fr' to review (chapters/sources.json is missing): run `mpanalysis run ZZZ --lang fr` first
    """
    work = outputs_dir(country) / "work" / lang
    missing = [f for f in files if not (work / f).is_file()]
    if missing:
        raise MpanalysisError(f"{country}: no build in '{lang}' {purpose} ({missing[0].as_posix()} is missing): "
                              f"run `mpanalysis run {country} --lang {lang}` first")
    return work


def load_kit_state(country: str, lang: str) -> KitState:
    """Return the state of a country's guide in ``lang`` from its last build.

    Raises :class:`~mpanalysis.errors.MpanalysisError` when the country was not built in that
    language yet (``mpanalysis run ISO3`` first).
    """
    work = check_built(country, lang, [
        *(Path("chapters") / f"{k}.json" for k in GUIDE_CHAPTERS),
        Path("tables") / "recommendations__open_data.csv", Path("tables") / "mp_process__problem_matrix.csv"],
        "to prepare the workshop from")
    ctx = load_chapter_context(country, lang)
    findings = load_findings(work, list(FINDING_CHAPTERS))
    order = findings_to_frame(findings, lang)["id"].tolist()
    by_id = {f.id: f for f in findings}
    recommendations = _read_table(work / "tables" / "recommendations__open_data.csv")
    table = work / "tables" / "recommendations__recommendations.csv"
    if table.is_file():  # the findings behind each recommendation
        behind = _read_table(table).set_index("number")["finding_ids"]
        recommendations["finding_ids"] = recommendations["number"].map(behind).fillna("")
    return KitState(ctx=ctx, findings=[by_id[i] for i in order], recommendations=recommendations, problems=_read_table(
        work / "tables" / "mp_process__problem_matrix.csv"), chapters=load_chapter_results(work, list(GUIDE_CHAPTERS)),
        decisions=load_decisions(country))


# --------------------------------------------------------------------------------------------
# The slides


def build_deck_guide(state: KitState, today: dt.date | None = None) -> Guide:
    """Return the slides' content as a guide document: the agenda, then per chapter I–III the key
    messages, figures and tables of the brief guide and the findings to review (with the table of
    the institutions the findings cite by number), then the candidate recommendations; every
    slide block is flagged ``in_brief`` (what the deck shows). A key message citing a figure or
    table the deck does not show is left out; a finding's citation names the deck's own table."""
    from mpanalysis.analysis.findings import get_named_table_for
    from mpanalysis.publish.regional.slides import split_table_rows

    lang = state.lang
    numbers = state.get_finding_numbers()
    severity = findings_to_frame(state.findings, lang).set_index("id")["severity_label"]
    agenda = Table(id="kit_agenda", caption=t("deck.agenda_caption", lang), columns=[t("deck.col_step", lang)],
                   rows=[[line] for line in get_list("deck.agenda", lang)], in_brief=True)
    chapters = [Chapter(number="A", key="agenda", title=t("deck.occasion", lang), blocks=[agenda])]
    shown: list[tuple[Chapter, list, list[Finding], Table | None]] = []
    for saved in state.chapters[:len(FINDING_CHAPTERS)]:
        in_chapter = [f for f in state.findings if f.id.split(".")[0] == _finding_prefix(saved.key)]
        cited = {i for f in in_chapter for i in _cited(f.get_text(lang))}
        named_id = get_named_table_for(in_chapter[0]) if in_chapter else None
        named = next((b for b in iter_blocks(saved) if isinstance(b, Table) and b.id == named_id), None) \
            if named_id in cited else None
        if named is not None and len(split_table_rows(named.columns, named.rows, named.notes, title=named.caption)) > 1:
            named = None  # slides of names would bury the findings: the citation names the guide's table
        shown.append((saved, [b for b in iter_blocks(saved) if b.in_brief and b.audience == "all"
                              and isinstance(b, (Figure, Table))], in_chapter, named))
    deck_ids = {b.id for _, blocks, _, named in shown for b in [*blocks, *([named] if named else [])]}

    def findings_table(saved: Chapter, in_chapter: list[Finding], numbering=None) -> Table:
        def text(f: Finding) -> str:
            return protect_text(state.get_finding_text(f, numbering)) if numbering else f.get_text(lang)

        return Table(id=f"kit_findings_{saved.key}", in_brief=True, caption=t("deck.findings_caption", lang),
                     columns=[t("deck.col_number", lang), t("deck.col_finding", lang), t("deck.col_severity", lang)],
                     rows=[[numbers[f.id], text(f), severity.get(f.id, f.severity)] for f in in_chapter])

    def deck_chapters(numbering=None) -> list[Chapter]:
        built = []
        for saved, blocks, in_chapter, named in shown:
            messages = [b for b in iter_blocks(saved) if isinstance(b, Paragraph) and b.in_brief
                        and b.audience == "all" and all(i in deck_ids for i in _cited(b.text))]
            # as many slides as it takes to show the findings legibly (the deck splits long tables)
            extra = [findings_table(saved, in_chapter, numbering)] if in_chapter else []
            if named is not None:
                extra.append(named.model_copy(update={"in_brief": True}))
            built.append(saved.model_copy(update={"blocks": [*messages, *blocks, *extra], "sections": [],
                                                  "intro": None}))
        return built

    # the findings cite the deck's own tables, or else the draft guide's: the deck is numbered
    # once, then its findings filled in
    in_guide = state.get_guide_numbering()
    in_deck = label_blocks([*chapters, *deck_chapters()], lang)
    chapters += deck_chapters(Numbering(labels={**in_guide.labels, **in_deck.labels}, lang=lang,
                                        numbers={**in_guide.numbers, **in_deck.numbers},
                                        kinds={**in_guide.kinds, **in_deck.kinds}))
    timeframes = get_rule_labels("timeframe", lang)
    rows = [[r["number"], protect_text(r["text"]), protect_text(r["lead_institution"]),
             timeframes.get(r["timeframe"], r["timeframe"]), protect_text(r["indicator"])]
            for r in state.recommendations.to_dict("records")]
    columns = [t(f"deck.col_{c}", lang) for c in ("number", "text", "lead", "timeframe", "indicator")]
    chapters.append(Chapter(number="IV", key="recommendations", title=t("deck.chapter_recommendations", lang), blocks=[
        Table(id="kit_recommendations", caption=t("deck.recommendations_caption", lang), columns=columns, rows=rows,
              in_brief=True)] if rows else []))
    params = state.ctx.params
    return Guide(country=params.country, country_name=params.get_country_name(lang), lang=lang,
                 title=t("deck.title", lang), date=today or dt.date.today(), is_draft=True,
                 is_synthetic=params.is_demo, chapters=chapters)


def _cited(text: str) -> list[str]:
    from mpanalysis.guide.document import REF_PATTERN

    return [m.group(2) for m in REF_PATTERN.finditer(text)]


def _finding_prefix(chapter_key: str) -> str:
    return {"sources": "sources", "policy_cycle": "network", "mp_process": "profile"}[chapter_key]


def write_slides(state: KitState, folder: Path, *, is_pdf: bool = True, today: dt.date | None = None) -> list[Path]:
    """Write the slides (HTML, and PDF with static figures when ``is_pdf``); return the paths."""
    from mpanalysis.fileio import write_bytes_atomic, write_text_atomic
    from mpanalysis.publish.regional.slides import build_slides_html
    from mpanalysis.render.pdf import build_static_images
    from mpanalysis.render.printer import print_pdf

    lang = state.lang
    guide = build_deck_guide(state, today)
    options = {"kind_label": t("deck.occasion", lang),
               "marks": {"draft_mark": t("deck.mark", lang), "draft_notice": t("deck.notice", lang)}}
    stem = folder / f"{state.country}_workshop_slides_{lang}"
    written = [write_text_atomic(stem.with_suffix(".html"), build_slides_html(guide, **options))]
    if is_pdf:
        page = build_slides_html(guide, images=build_static_images(guide, "svg"), **options)
        written.append(write_bytes_atomic(stem.with_suffix(".pdf"), print_pdf(page)))
    return written


# --------------------------------------------------------------------------------------------
# The worksheet


def _header(code: str, lang: str) -> str:
    return t(f"worksheet.columns.{code}", lang)


def _other_languages(state: KitState) -> list[str]:
    return [code for code in state.ctx.params.languages if code != state.lang]


def _in_language(code: str, lang: str, other: str) -> str:
    return t("worksheet.columns.in_language", lang, column=_header(code, lang), language=other)


def get_choice_labels(kind: str, lang: str) -> dict[str, str]:
    """Return ``{code: label}`` of a worksheet drop-down (``finding``, ``recommendation``, ``review``).

    >>> get_choice_labels("finding", "fr")
    {'confirmed': 'confirmé', 'corrected': 'corrigé', 'rejected': 'écarté'}
    """
    from mpanalysis.guide.texts import get_chapter_text
    from mpanalysis.workshop.texts import get_node

    return {code: get_chapter_text(f"workshop.worksheet.choices.{kind}.{code}", lang)
            for code in get_node(f"worksheet.choices.{kind}")}


def get_entity_choices(state: KitState) -> dict[str, str]:
    """Return ``{entity id: "ID · name"}``, the "merge into" drop-down's entries."""
    entities = state.ctx.dataset.entities.sort_values("entity_id")
    return {str(e): f"{e}{ENTITY_SEPARATOR}{n}" for e, n in zip(entities["entity_id"], entities["name"])}


def get_lead_choices(state: KitState) -> list[str]:
    """Return the institutions' names (with acronyms) offered as lead institution and partner."""
    from mpanalysis.analysis.recommendations import build_actor_table

    return sorted(build_actor_table(state.ctx.dataset)["name"].astype(str), key=str.casefold)


def build_worksheet(state: KitState) -> Workbook:
    """Return the workshop's worksheet for one language (see the module doc)."""
    lang = state.lang
    others = _other_languages(state)
    params = state.ctx.params
    numbers = state.get_finding_numbers()
    frame = findings_to_frame(state.findings, lang).set_index("id")
    finding_choices = tuple(get_choice_labels("finding", lang).values())
    findings = SheetSpec("findings", t("worksheet.sheets.findings", lang), (
        Column("id", _header("id", lang), 18),
        Column("number", _header("number", lang), 5),
        Column("chapter", _header("chapter", lang), 10),
        Column("severity", _header("severity", lang), 13),
        Column("finding", _header("finding", lang), 58, is_wrapped=True),
        Column("decision", _header("decision", lang), 13, is_editable=True, choices=finding_choices),
        Column("correction", _header("correction", lang), 45, is_editable=True, is_wrapped=True),
        *(Column(f"correction_{o}", _in_language("correction", lang, o), 30, is_editable=True) for o in others),
        Column("comment", _header("comment", lang), 30, is_editable=True, is_wrapped=True),
    ), rows=tuple({"id": f.id, "number": numbers[f.id], "chapter": f.chapter,
                   "severity": frame.at[f.id, "severity_label"], "finding": state.get_finding_text(f)}
                  for f in state.findings))

    challenge_labels = get_labels("challenges", lang)
    problems = SheetSpec("problems", t("worksheet.sheets.problems", lang), (
        Column("challenge", _header("id", lang), 14),
        Column("label", _header("challenge", lang), 28),
        Column("prevalence", _header("prevalence", lang), 12),
        Column("severity_measured", _header("severity_measured", lang), 12),
        Column("current_solutions", _header("current_solutions", lang), 40, is_wrapped=True),
        Column("severity_agreed", _header("severity_agreed", lang), 14, is_editable=True, choices=("0", "1", "2", "3")),
        Column("solutions", _header("solutions", lang), 50, is_editable=True, is_wrapped=True),
        *(Column(f"solutions_{o}", _in_language("solutions", lang, o), 30, is_editable=True) for o in others),
        Column("comment", _header("comment", lang), 25, is_editable=True),
    ), rows=tuple({"challenge": r["challenge"], "label": challenge_labels.get(r["challenge"], r["label"]),
                   "prevalence": _format_share(r["prevalence"], lang),
                   "severity_measured": _format_number(r["mean_severity"], lang),
                   "current_solutions": r["solutions"].replace(" | ", "\n")}
                  for r in state.problems.to_dict("records") if r["is_other"] != "True"))

    categories = get_labels(CATEGORY_LIST, lang)
    timeframes = get_rule_labels("timeframe", lang)
    priorities = get_rule_labels("priority", lang)
    leads = tuple(get_lead_choices(state))
    decisions = get_choice_labels("recommendation", lang)
    # on paper, a candidate offers adopt / amend / drop, an empty card only "new"
    recommendation_rows = [{"id": r["id"], "number": r["number"], "category": categories.get(r["category"], r["category"]),
                            "_category_locked": True, "text": r["text"], "current_lead": r["lead_institution"],
                            "current_timeframe": timeframes.get(r["timeframe"], r["timeframe"]),
                            "_decision_choices": tuple(v for k, v in decisions.items() if k != "new")}
                           for r in state.recommendations.to_dict("records")]
    recommendation_rows += [{"id": f"new.{i}", "_decision_choices": (decisions["new"],)}
                            for i in range(1, N_NEW_RECOMMENDATIONS + 1)]
    recommendations = SheetSpec("recommendations", t("worksheet.sheets.recommendations", lang), (
        Column("id", _header("id", lang), 20),
        Column("number", _header("number", lang), 6),
        Column("category", _header("category", lang), 16, is_editable=True, choices=tuple(categories.values())),
        Column("text", _header("text", lang), 45, is_wrapped=True),
        Column("current_lead", _header("current_lead", lang), 22),
        Column("current_timeframe", _header("current_timeframe", lang), 14),
        Column("decision", _header("decision", lang), 12, is_editable=True, choices=tuple(decisions.values())),
        Column("amended_text", _header("amended_text", lang), 45, is_editable=True, is_wrapped=True),
        *(Column(f"amended_text_{o}", _in_language("amended_text", lang, o), 30, is_editable=True) for o in others),
        Column("lead", _header("lead", lang), 24, is_editable=True, choices=leads, is_strict=False),
        Column("partners", _header("partners", lang), 24, is_editable=True),
        Column("timeframe", _header("timeframe", lang), 18, is_editable=True, choices=tuple(timeframes.values())),
        Column("priority", _header("priority", lang), 12, is_editable=True, choices=tuple(priorities.values())),
        Column("indicator", _header("indicator", lang), 30, is_editable=True, is_wrapped=True),
        *(Column(f"indicator_{o}", _in_language("indicator", lang, o), 25, is_editable=True) for o in others),
        Column("comment", _header("comment", lang), 25, is_editable=True),
    ), rows=tuple(recommendation_rows), is_printed_as_cards=True)

    entities = state.ctx.dataset.entities.sort_values("entity_id")
    names = SheetSpec("names", t("worksheet.sheets.names", lang), (
        Column("entity_id", _header("entity_id", lang), 24),
        Column("name_found", _header("name_found", lang), 40),
        Column("acronym_found", _header("acronym_found", lang), 12),
        Column("official_name", _header("official_name", lang), 40, is_editable=True),
        *(Column(f"official_name_{o}", _in_language("official_name", lang, o), 30, is_editable=True) for o in others),
        Column("acronym", _header("acronym", lang), 12, is_editable=True),
        Column("merge_into", _header("merge_into", lang), 36, is_editable=True,
               choices=tuple(get_entity_choices(state).values())),
    ), rows=tuple({"entity_id": e, "name_found": n, "acronym_found": a if isinstance(a, str) else None}
                  for e, n, a in zip(entities["entity_id"], entities["name"], entities["acronym"])))

    participants = SheetSpec("participants", t("worksheet.sheets.participants", lang), (
        Column("row", _header("number", lang), 6),
        Column("name", _header("name", lang), 30, is_editable=True),
        Column("institution", _header("institution", lang), 40, is_editable=True, choices=leads, is_strict=False),
        Column("function", _header("function", lang), 30, is_editable=True),
    ), rows=tuple({"row": i} for i in range(1, N_PARTICIPANT_ROWS + 1)))

    country = params.get_country_name(lang)
    instructions = tuple(line.replace("{country_code}", state.country) for line in get_list("worksheet.instructions", lang))
    return Workbook(title=t("worksheet.title", lang, country=country), instructions=instructions,
                    instructions_title=t("worksheet.sheets.instructions", lang),
                    sheets=(findings, problems, recommendations, names, participants),
                    meta={"kind": "workshop", "country": state.country, "lang": lang,
                          "written_at": dt.date.today().isoformat(), "mpanalysis": __version__,
                          "group_label": t("worksheet.group", lang)})


def _format_share(value: str, lang: str) -> str:
    try:
        return format_percent(float(value), locale=lang)
    except ValueError:
        return value


def _format_number(value: str, lang: str) -> str:
    try:
        return format_decimal(round(float(value), 1), locale=lang)
    except ValueError:
        return value


def write_worksheet(state: KitState, folder: Path, *, is_pdf: bool = True) -> list[Path]:
    """Write the worksheet XLSX (and its printable PDF when ``is_pdf``); return the paths."""
    from mpanalysis.fileio import write_bytes_atomic
    from mpanalysis.render.printer import print_pdf

    book = build_worksheet(state)
    stem = folder / f"{state.country}_workshop_worksheet_{state.lang}"
    written = [write_workbook(book, stem.with_suffix(".xlsx"))]
    if is_pdf:
        # on paper the other languages' columns stay empty: they are left out
        hidden = tuple(c.code for s in book.sheets for c in s.columns
                       if any(c.code.endswith(f"_{o}") for o in _other_languages(state)))
        page = build_printable_html(book, state.lang, note=t("worksheet.paper_note", state.lang), hidden=hidden)
        written.append(write_bytes_atomic(stem.with_suffix(".pdf"), print_pdf(page)))
    return written


def write_workshop_kit(country: str, langs: list[str] | tuple[str, ...], *, is_pdf: bool = True,
                       today: dt.date | None = None) -> list[Path]:
    """Write the workshop kit of a country (slides and worksheet per language) to
    ``outputs/<ISO3>/workshop/``; return the paths written."""
    folder = outputs_dir(country) / "workshop"
    written: list[Path] = []
    for lang in langs:
        state = load_kit_state(country, lang)
        written += write_slides(state, folder, is_pdf=is_pdf, today=today)
        written += write_worksheet(state, folder, is_pdf=is_pdf)
    return written
