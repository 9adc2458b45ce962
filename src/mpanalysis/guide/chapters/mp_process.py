"""Chapter III of the guide: the migration profile process.

Sections, in order (figures and tables are numbered in this order, which is the numbering the
``evidence`` keys of ``data/reference/profile_findings.yaml`` cite — see :data:`EVIDENCE_BLOCK_IDS`):

1. the profile's content: its editions (parameters) and, per module, the chapter I sources that
   feed it (table III.1);
2. awareness and use of the profile by institution type (figure III.1, in the brief guide) and the
   functions it serves (figure III.2);
3. the working group and its coordinator (table III.2), inconsistencies as warnings;
4. good practices and examples of use: the workshop's first, then the answers, institutions named,
   respondents' words kept verbatim as plain text;
5. the problem/solution matrix (table III.3, in the brief guide) and the severity of each challenge
   (figure III.3);
6. the needs expressed (table III.4).

The findings are :func:`mpanalysis.analysis.profile.find_profile_findings`; the measures
:func:`mpanalysis.analysis.profile.build_profile_measures` (``profile.*``, ``challenge.*``,
``needs.*``, ``working_group.*``), which chapter IV's rules read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pandas as pd
from babel.numbers import format_percent

from mpanalysis.analysis.findings import Finding, format_entity_name
from mpanalysis.analysis.profile import (
    build_functions_table,
    build_good_practices,
    build_module_sources,
    build_needs_table,
    build_problem_matrix,
    build_profile_editions,
    build_profile_measures,
    build_use_by_type,
    build_working_group,
    find_profile_findings,
    format_problem_matrix,
    get_profile_label,
    measure_profile_use,
    pick_text,
)
from mpanalysis.guide.chapters.base import (
    ChapterContext,
    ChapterResult,
    apply_workshop_findings,
    build_named_institutions_table,
    mark_validated_finding,
)
from mpanalysis.guide.document import (
    BulletList,
    Callout,
    Chapter,
    Figure,
    Paragraph,
    Section,
    Table,
    protect_text,
)
from mpanalysis.guide.figures.profile import (
    plot_challenge_severity,
    plot_profile_functions,
    plot_profile_use_by_type,
)
from mpanalysis.guide.texts import fill_chapter_text
from mpanalysis.ingest.reconcile import normalize_text
from mpanalysis.reference import get_labels
from mpanalysis.wording import join_names, make_entity_name, name_entities
from mpanalysis.wording.names import load_name_overrides
from mpanalysis.wording.quotes import quote
from mpanalysis.wording.templates import NameList
from mpanalysis.wording.rules import babel_locale

CHAPTER_KEY = "mp_process"
CHAPTER_NUMBER = "III"

#: The evidence keys of ``profile_findings.yaml`` → the id of the block that shows it. The blocks
#: are placed so that the guide's numbering gives each of them the label of its key.
EVIDENCE_BLOCK_IDS = {
    "table III.1": "mp_module_sources",
    "figure III.1": "mp_use_by_type",
    "figure III.2": "mp_functions",
    "table III.2": "mp_working_group",
    "table III.3": "mp_problem_matrix",
    "figure III.3": "mp_challenge_severity",
    "table III.4": "mp_needs",
}

#: The table listing the institutions of a finding too long to name in a sentence (chapter III).
NAMED_TABLE_ID = "profile_named_institutions"

#: Findings that the brief guide keeps (with the key figure and the problem/solution matrix).
BRIEF_FINDING_KINDS = {"mp_awareness", "mp_use", "top_challenge"}

# --------------------------------------------------------------------------------------------
# Texts


def _t(key: str, lang: str, **values: Any) -> str:
    return fill_chapter_text(f"{CHAPTER_KEY}.{key}", lang, **values)


def _percent(value: float, lang: str) -> str | None:
    return format_percent(value, locale=babel_locale(lang)) if value == value else None


# --------------------------------------------------------------------------------------------
# Findings as blocks


def _finding_text(finding: Finding, lang: str) -> str:
    return mark_validated_finding(finding.get_text(lang), finding, lang)


def _finding_blocks(findings: Iterable[Finding], lang: str, *, callout_kind: str = "finding") -> list:
    """Informative findings as paragraphs; the others as callouts (a list when there are many).
    Names in the sentences were protected when they were filled in."""
    findings = list(findings)
    blocks: list = []
    for finding in findings:
        if finding.severity == "info":
            blocks.append(Paragraph(text=_finding_text(finding, lang),
                                    in_brief=finding.kind in BRIEF_FINDING_KINDS))
    notable = [f for f in findings if f.severity != "info"]
    if len(notable) <= 2:
        blocks += [Callout(kind=callout_kind, text=_finding_text(f, lang),
                           in_brief=f.kind in BRIEF_FINDING_KINDS) for f in notable]
    else:
        blocks += [Paragraph(text=_t("findings_title", lang)),
                   BulletList(items=[_finding_text(f, lang) for f in notable])]
    return blocks


def _by_evidence(findings: list[Finding], *keys: str, exclude: Iterable[str] = ()) -> list[Finding]:
    excluded = set(exclude)
    return [f for f in findings if f.evidence in keys and f.kind not in excluded]


# --------------------------------------------------------------------------------------------
# Sections


def _publishers(text: object, ctx: ChapterContext) -> NameList:
    """The publishers of an edition as institutions ("Institut national de la statistique et OIM"
    → two names), so the sentence gives each its article: "publié par l’Institut… et l’OIM"."""
    overrides = load_name_overrides(ctx.country, ctx.params)
    parts = [p.strip() for p in re.split(r"\s+(?:et|and|&)\s+|\s*[,;]\s*", str(text or "")) if p.strip()]
    return NameList([make_entity_name(p, override=overrides.get(p)) for p in parts], max_names=max(len(parts), 1))


def _build_content_section(ctx: ChapterContext, findings: list[Finding]) -> tuple[Section, pd.DataFrame]:
    lang = ctx.lang
    blocks: list = []
    editions = build_profile_editions(ctx.params, lang)
    if len(editions):
        blocks.append(Paragraph(text=_t("content.intro", lang, n_editions=len(editions))))
        blocks.append(BulletList(items=[
            _t("content.edition", lang, title=protect_text(e["title"]), year=str(e["year"]), kind=e["kind_label"],
               publisher=_publishers(e["publisher"], ctx), modules=e["modules_label"] or _t("content.no_module", lang))
            for e in editions.to_dict("records")]))
    else:
        blocks.append(Paragraph(text=_t("content.no_edition", lang)))
    modules = build_module_sources(ctx.dataset, ctx.params, lang)
    display = pd.DataFrame({
        _t("content.col_module", lang): modules["label"],
        _t("content.col_editions", lang): [e or _t("content.not_covered", lang) for e in modules["editions"]],
        _t("content.col_existing", lang): modules["n_existing"].astype(int),
        _t("content.col_potential", lang): modules["n_potential"].astype(int),
        _t("content.col_institutions", lang): [i or "–" for i in modules["institutions"]],
    })
    blocks += [Paragraph(text=_t("content.sources_intro", lang)),
               Table.from_frame(display, id=EVIDENCE_BLOCK_IDS["table III.1"],
                                caption=_t("content.caption", lang), notes=[_t("content.note", lang)])]
    # "no edition" is said above in the chapter's words
    blocks += _finding_blocks(_by_evidence(findings, "table III.1", exclude={"no_profile_edition"}), lang)
    return Section(title=_t("content.title", lang), blocks=blocks), modules


def _build_use_section(ctx: ChapterContext, findings: list[Finding]) -> tuple[Section, dict[str, pd.DataFrame]]:
    lang = ctx.lang
    blocks: list = [Paragraph(text=_t("use.intro", lang))]
    use = measure_profile_use(ctx.dataset)
    by_type = build_use_by_type(ctx.dataset, lang)
    functions = build_functions_table(ctx.dataset, lang)
    if use.n_respondents == 0:
        blocks.append(Paragraph(text=_t("use.no_answer", lang)))
    else:
        fig = plot_profile_use_by_type(by_type, lang)
        blocks.append(Figure.from_plotly(fig, id=EVIDENCE_BLOCK_IDS["figure III.1"],
                                         caption=_t("use.figure_caption", lang), alt=fig.layout.meta["alt"])
                      .model_copy(update={"in_brief": True}))
        blocks += _finding_blocks(_by_evidence(findings, "figure III.1"), lang)
        blocks.append(Paragraph(text=_t("use.functions_intro", lang)))
        if use.n_used:
            fig = plot_profile_functions(functions, lang)
            blocks.append(Figure.from_plotly(fig, id=EVIDENCE_BLOCK_IDS["figure III.2"],
                                             caption=_t("use.functions_caption", lang), alt=fig.layout.meta["alt"]))
            top = functions.sort_values("n", ascending=False, kind="stable").iloc[0]
            if top["n"]:
                blocks.append(Paragraph(text=_t("use.most_cited", lang, function=top["label"], n=int(top["n"]),
                                                n_users=int(top["n_users"]))))
        blocks += _finding_blocks(_by_evidence(findings, "figure III.2"), lang)
    return Section(title=_t("use.title", lang), blocks=blocks), {"use_by_type": by_type, "functions": functions}


def _build_working_group_section(ctx: ChapterContext, findings: list[Finding]) -> tuple[Section, pd.DataFrame]:
    lang = ctx.lang
    group = build_working_group(ctx.dataset, ctx.params, lang)
    members = group.members
    blocks: list = [Paragraph(text=_t("working_group.intro", lang))]
    coordinators = members[members["is_coordinator"].astype(bool)] if len(members) else members
    if len(coordinators):
        overrides = load_name_overrides(ctx.country, ctx.params)
        names = [make_entity_name(n, a, override=overrides.get(str(e)) or overrides.get(str(n))).in_language(lang)
                 for e, n, a in zip(coordinators.get("entity_id", coordinators["name"]), coordinators["name"],
                                    coordinators["acronym"])]
        blocks.append(Paragraph(text=_t("working_group.coordinator", lang, names=NameList(names, max_names=len(names)))))
    if len(members):
        yes_no = get_labels("yes_no", lang)
        display = pd.DataFrame({
            _t("working_group.col_institution", lang): [_entity_names(ctx).get(str(e)) or format_entity_name(n, a)
                                                        for e, n, a in zip(members.get("entity_id", members["name"]),
                                                                           members["name"], members["acronym"])],
            _t("working_group.col_type", lang): [t if isinstance(t, str) else _t("working_group.unknown_type", lang)
                                                 for t in members["institution_type_label"]],
            _t("working_group.col_coordinator", lang): [yes_no["yes" if v else "no"]
                                                        for v in members["is_coordinator"]],
            _t("working_group.col_respondent", lang): [yes_no["yes" if v else "no"] for v in members["is_respondent"]],
        })
        blocks.append(Table.from_frame(display, id=EVIDENCE_BLOCK_IDS["table III.2"],
                                       caption=_t("working_group.caption", lang),
                                       notes=[_t("working_group.note", lang)]))
    else:
        blocks.append(Paragraph(text=_t("working_group.no_member", lang)))
    blocks += _finding_blocks(_by_evidence(findings, "table III.2"), lang, callout_kind="warning")
    return Section(title=_t("working_group.title", lang), blocks=blocks), members


def _entity_names(ctx: ChapterContext) -> dict[str, str]:
    return name_entities(ctx.dataset.entities, load_name_overrides(ctx.country, ctx.params), ctx.lang)


def _group_answers(rows: pd.DataFrame, names: dict[str, str] | None = None) -> list[tuple[str, list[str]]]:
    """Identical answers (case, accents and punctuation aside) once, with every institution
    (named as the guide names it when ``names`` maps its entity id)."""
    groups: dict[str, tuple[str, list[str]]] = {}
    ids = rows["entity_id"] if "entity_id" in rows else [None] * len(rows)
    for text, entity_id, typed in zip(rows["text"], ids, rows["institution_name"]):
        name = (names or {}).get(str(entity_id), typed) if isinstance(entity_id, str) else typed
        key = normalize_text(text)
        entry = groups.setdefault(key, (str(text), []))
        if isinstance(name, str) and name not in entry[1]:
            entry[1].append(name)
    return list(groups.values())


def _build_practices_section(ctx: ChapterContext) -> tuple[Section, pd.DataFrame]:
    lang = ctx.lang
    practices = build_good_practices(ctx.dataset, ctx.params, lang)
    blocks: list = [Paragraph(text=_t("practices.intro", lang))]
    workshop = practices[practices["origin"] == "workshop"]
    if len(workshop):
        blocks += [Paragraph(text=_t("practices.workshop", lang)),
                   BulletList(items=[protect_text(text) for text, _ in _group_answers(workshop)])]
    for kind, heading in (("good_practice", "practices.answers"), ("use_example", "practices.use_examples")):
        answers = practices[(practices["origin"] == "questionnaire") & (practices["kind"] == kind)]
        if len(answers):
            items = [_t("practices.item", lang, institutions=protect_text(join_names(names, lang)), text=quote(text))
                     for text, names in _group_answers(answers, _entity_names(ctx))]
            blocks += [Paragraph(text=_t(heading, lang)), BulletList(items=items)]
    if practices.empty:
        blocks.append(Paragraph(text=_t("practices.none", lang)))
    return Section(title=_t("practices.title", lang), blocks=blocks), practices


#: "Other" challenges shown as rows of the problem/solution matrix (the rest are listed below it).
MAX_OTHER_ROWS = 3


def _build_problems_section(ctx: ChapterContext, findings: list[Finding]) -> tuple[Section, pd.DataFrame]:
    lang = ctx.lang
    matrix = build_problem_matrix(ctx.dataset, ctx.params, lang)
    # every distinct "other" answer is its own row; the matrix keeps those several institutions
    # share (at most MAX_OTHER_ROWS) and lists the rest below it, so the brief guide stays short
    is_other = matrix["is_other"].astype(bool)
    others = matrix[is_other].sort_values("n_answered", ascending=False, kind="stable")
    kept_others = others[others["n_answered"] >= 2].head(MAX_OTHER_ROWS)
    listed_others = others.drop(kept_others.index)
    matrix = matrix[~is_other | matrix.index.isin(kept_others.index)]
    blocks: list = [Paragraph(text=_t("problems.intro", lang))]
    display = format_problem_matrix(matrix, lang)
    # numbers as numbers, so every format aligns them and writes them the language's way
    display[get_profile_label("columns", "rank", lang)] = pd.array(matrix["rank"], dtype="Int64")
    display[get_profile_label("columns", "n_answered", lang)] = pd.array(
        [int(n) or None for n in matrix["n_answered"]], dtype="Int64")
    display[get_profile_label("columns", "mean_severity", lang)] = [
        round(float(v), 2) if v == v else None for v in matrix["mean_severity"]]
    notes = [_t("problems.note", lang)]
    agreed = get_profile_label("columns", "severity_agreed", lang)
    if agreed in display:  # the workshop's word beside the answers' measure, never instead of it
        display[agreed] = pd.array(matrix["severity_agreed"], dtype="Int64")
        notes.append(_t("problems.note_agreed", lang))
    table = Table.from_frame(display, id=EVIDENCE_BLOCK_IDS["table III.3"],
                             caption=_t("problems.caption", lang), notes=notes)
    blocks.append(table.model_copy(update={"in_brief": True}))
    if len(listed_others):
        blocks += [Paragraph(text=_t("problems.other_intro", lang, n=len(listed_others))),
                   BulletList(items=[quote(str(label)) for label in listed_others["label"]])]
    described = [(p.challenge, pick_text(p.description, lang)) for p in ctx.params.workshop.problems
                 if pick_text(p.description, lang)]
    if described:
        labels = dict(zip(matrix["challenge"], matrix["label"]))
        blocks += [Paragraph(text=_t("problems.workshop_intro", lang)),
                   BulletList(items=[protect_text(_t("problems.workshop_item", lang, challenge=labels.get(c, c),
                                                     description=d)) for c, d in described])]
    if (matrix.loc[~matrix["is_other"].astype(bool), "n_answered"] > 0).any():
        fig = plot_challenge_severity(matrix, lang)
        blocks.append(Figure.from_plotly(fig, id=EVIDENCE_BLOCK_IDS["figure III.3"],
                                         caption=_t("problems.figure_caption", lang), alt=fig.layout.meta["alt"]))
    else:
        blocks.append(Paragraph(text=_t("problems.no_rating", lang)))
    blocks += _finding_blocks(_by_evidence(findings, "table III.3", "figure III.3"), lang)
    return Section(title=_t("problems.title", lang), blocks=blocks), matrix


def _build_needs_section(ctx: ChapterContext, findings: list[Finding]) -> tuple[Section, pd.DataFrame]:
    lang = ctx.lang
    needs = build_needs_table(ctx.dataset, lang)
    blocks: list = [Paragraph(text=_t("needs.intro", lang))]
    if needs["n"].sum() == 0:
        blocks.append(Paragraph(text=_t("needs.none", lang)))
    else:
        ordered = needs.sort_values("n", ascending=False, kind="stable")
        display = pd.DataFrame({
            get_profile_label("columns", "need", lang): ordered["label"],
            get_profile_label("columns", "n", lang): ordered["n"].astype(int),
            get_profile_label("columns", "share", lang): [_percent(v, lang) for v in ordered["share"]],
        })
        blocks.append(Table.from_frame(display, id=EVIDENCE_BLOCK_IDS["table III.4"],
                                       caption=_t("needs.caption", lang)))
    blocks += _finding_blocks(_by_evidence(findings, "table III.4"), lang)
    respondents = ctx.dataset.respondents
    comments = pd.DataFrame({"text": respondents["needs_comment"], "entity_id": respondents["entity_id"],
                             "institution_name": respondents["institution_name"]})
    comments = comments[[normalize_text(t) != "" for t in comments["text"]]]
    if len(comments):
        comments = comments.assign(text=[str(t).strip() for t in comments["text"]])
        items = [_t("practices.item", lang, institutions=protect_text(join_names(names, lang)), text=quote(text))
                 for text, names in _group_answers(comments, _entity_names(ctx))]
        blocks += [Paragraph(text=_t("needs.comments", lang)), BulletList(items=items)]
    table = build_named_institutions_table(findings, _entity_names(ctx), lang, NAMED_TABLE_ID)
    if table is not None:
        blocks.append(table)
    return Section(title=_t("needs.title", lang), blocks=blocks), needs


def _export_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Tuples and lists (entity ids, solutions) as text, so the CSV export reads them."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].map(lambda v: isinstance(v, (tuple, list))).any():
            frame[column] = frame[column].map(lambda v: " | ".join(map(str, v)) if isinstance(v, (tuple, list)) else v)
    return frame


# --------------------------------------------------------------------------------------------
# The chapter


def build_mp_process_chapter(ctx: ChapterContext) -> ChapterResult:
    """Return chapter III of a country's guide, with its findings, measures and tables.

    Parameters
    ----------
    ctx
        The country's dataset, parameters and the guide's language.

    Returns
    -------
    ChapterResult
        ``chapter`` (number "III", key "mp_process"), ``findings``
        (:func:`~mpanalysis.analysis.profile.find_profile_findings`), ``measures``
        (:func:`~mpanalysis.analysis.profile.build_profile_measures`) and the ``tables`` exported as
        CSV (module sources, use by type, functions, working group, good practices, problem
        matrix, needs).

    Examples
    --------
    >>> from mpanalysis.guide.chapters.base import ChapterContext
    >>> from mpanalysis.params import CountryParams
    >>> from mpanalysis.analysis.profile.examples import make_example_dataset
    >>> ctx = ChapterContext(make_example_dataset(), CountryParams(country="SEN"), "en")
    >>> result = build_mp_process_chapter(ctx)
    >>> result.chapter.number, result.chapter.title
    ('III', 'The migration profile process')
    >>> [s.title for s in result.chapter.sections][:3]
    ['The profile’s content', 'Awareness and use of the profile', 'The working group and its coordination']
    """
    lang = ctx.lang
    findings = apply_workshop_findings(ctx, find_profile_findings(ctx.dataset, ctx.params))
    measures = build_profile_measures(ctx.dataset, ctx.params)
    content, modules = _build_content_section(ctx, findings)
    use, use_tables = _build_use_section(ctx, findings)
    group, members = _build_working_group_section(ctx, findings)
    practices, practice_rows = _build_practices_section(ctx)
    problems, matrix = _build_problems_section(ctx, findings)
    needs, needs_table = _build_needs_section(ctx, findings)
    chapter = Chapter(number=CHAPTER_NUMBER, key=CHAPTER_KEY, title=_t("title", lang), intro=_t("intro", lang),
                      sections=[content, use, group, practices, problems, needs])
    tables = {"module_sources": modules, **use_tables, "working_group": members,
              "good_practices": practice_rows, "problem_matrix": matrix, "needs": needs_table}
    return ChapterResult(chapter=chapter, findings=findings, measures=measures,
                         tables={name: _export_frame(frame) for name, frame in tables.items()})
