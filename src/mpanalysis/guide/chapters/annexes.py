"""The guide's annexes: methodology, data quality, the exercise's timeline, glossary and acronyms,
and (restricted edition only) the contact list.

Values a respondent typed are shown as data; personal details appear only in blocks whose
``audience`` is ``restricted`` (and the public edition drops those blocks).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import pandas as pd
from babel.numbers import format_percent

from mpanalysis.analysis.sources import TOTAL_ROW, UNKNOWN_TYPE, summarize_response
from mpanalysis.guide.chapters.base import ChapterContext
from mpanalysis.guide.chapters.decided import build_review_section, build_workshop_record_blocks
from mpanalysis.guide.document import Callout, Chapter, Figure, Paragraph, Section, Table, protect_text
from mpanalysis.guide.figures.timeline import build_milestone_table, plot_exercise_timeline
from mpanalysis.guide.texts import fill_chapter_text
from mpanalysis.ingest.form import FIELDS
from mpanalysis.paths import reference_dir
from mpanalysis.reference import get_label, get_labels, read_reference_yaml
from mpanalysis.wording.names import load_name_overrides
from mpanalysis.wording.typography import format_date_text
from mpanalysis.wording.rules import babel_locale

#: Columns whose values are personal data: masked in the data-quality annex of every edition.
PERSONAL_COLUMNS = {f.name for f in FIELDS if f.is_personal}


def _t(key: str, lang: str, **values) -> str:
    return fill_chapter_text(f"annexes.{key}", lang, **values)


def build_annexes(ctx: ChapterContext, today: dt.date | None = None) -> list[Chapter]:
    """Return the annexes A–E of a country's guide (E, the contacts, is restricted).

    >>> from mpanalysis.guide.chapters import load_chapter_context
    >>> annexes = build_annexes(load_chapter_context("SEN", "en"))
    >>> [a.number for a in annexes], annexes[0].title
    (['A', 'B', 'C', 'D', 'E'], 'Methodology')
    """
    return [
        build_methodology_annex(ctx),
        build_data_quality_annex(ctx),
        build_timeline_annex(ctx, today),
        build_glossary_annex(ctx),
        build_contacts_annex(ctx),
    ]


def build_methodology_annex(ctx: ChapterContext) -> Chapter:
    lang = ctx.lang
    response = summarize_response(ctx.dataset, ctx.params)
    table = response.by_type
    type_labels = get_labels("institution_types", lang) | {UNKNOWN_TYPE: _t("methodology.unknown_type", lang),
                                                          TOTAL_ROW: _t("methodology.total", lang)}

    def percent(value) -> str | None:
        return None if value is None or pd.isna(value) else format_percent(value, locale=babel_locale(lang))

    column = {k: _t(f"methodology.col_{k}", lang) for k in
              ("type", "invited", "invited_respondents", "rate", "respondents", "named", "share")}
    if response.has_invitation_list:
        shown = table[table["n_invited"] > 0]
        display = pd.DataFrame({
            column["type"]: shown["type"].map(type_labels),
            column["invited"]: shown["n_invited"].astype(int),
            column["invited_respondents"]: shown["n_invited_respondents"].astype(int),
            column["rate"]: [percent(v) for v in shown["share"]],
        })
        sentences = [_t("methodology.response_invited", lang, n_invited=response.n_invited,
                        n_invited_respondents=response.n_invited_respondents,
                        rate=percent(response.response_rate))]
        if response.n_uninvited_respondents:
            sentences.append(_t("methodology.response_uninvited", lang, n_uninvited=response.n_uninvited_respondents))
        if response.n_named_not_invited:
            sentences.append(_t("methodology.response_named_not_invited", lang,
                                n_named_not_invited=response.n_named_not_invited))
        caption = _t("methodology.response_caption_invited", lang)
    else:
        display = pd.DataFrame({
            column["type"]: table["type"].map(type_labels),
            column["respondents"]: table["n_respondents"].astype(int),
            column["named"]: table["n_named"].astype(int),
            column["share"]: [percent(v) for v in table["share"]],
        })
        sentences = [_t("methodology.response", lang, n_respondents=response.n_respondents,
                        n_named=response.n_named, share=percent(response.respondent_share) or "–")]
        caption = _t("methodology.response_caption", lang)
    blocks = [
        Paragraph(text=_t("methodology.intro", lang)),
        Paragraph(text=" ".join(sentences)),
        Table.from_frame(display, id="annex_response", caption=caption),
    ]
    workshop = ctx.params.workshop
    if workshop.date or workshop.place:
        not_given = _t("methodology.not_given", lang)
        text = _t("methodology.workshop", lang,
                  date=format_date_text(workshop.date, lang, "long") if workshop.date else not_given,
                  place=protect_text(workshop.place) if workshop.place else not_given,
                  participants=workshop.participants if workshop.participants is not None else not_given)
    else:
        text = _t("methodology.no_workshop", lang)
    # what the workshop's worksheets changed, then the authority's review (params/<ISO3>.workshop.yaml)
    sections = [Section(title=_t("methodology.workshop_title", lang),
                        blocks=[Paragraph(text=text), *build_workshop_record_blocks(ctx)])]
    sections += [s for s in [build_review_section(ctx)] if s is not None]
    return Chapter(number="A", key="annex_methodology", title=_t("methodology.title", lang),
                   blocks=blocks, sections=sections)


def build_data_quality_annex(ctx: ChapterContext) -> Chapter:
    lang = ctx.lang
    dataset = ctx.dataset
    table_labels = {k: _t(f"data_quality.tables.{k}", lang) for k in ("respondents", "sources", "flows")}
    counts = dataset.counts
    counts_display = pd.DataFrame({
        _t("data_quality.col_table", lang): counts["table"].map(lambda t: table_labels.get(t, t)),
        _t("data_quality.col_read", lang): counts["rows_read"].astype(int),
        _t("data_quality.col_accepted", lang): counts["rows_accepted"].astype(int),
        _t("data_quality.col_set_aside", lang): counts["rows_set_aside"].astype(int),
    })
    blocks = [Paragraph(text=_t("data_quality.intro", lang)),
              Table.from_frame(counts_display, id="annex_counts", caption=_t("data_quality.counts_caption", lang))]
    issues = dataset.issues
    if len(issues):
        levels = {"error": _t("data_quality.level_error", lang), "warning": _t("data_quality.level_warning", lang)}
        # the value column is left out: it may hold personal data or anything a respondent typed
        display = pd.DataFrame({
            _t("data_quality.col_level", lang): issues["level"].map(lambda v: levels.get(v, v)),
            _t("data_quality.col_table", lang): issues["table"].map(lambda t: table_labels.get(t, t)),
            _t("data_quality.col_sheet", lang): issues["sheet"],
            _t("data_quality.col_row", lang): issues["row"],
            _t("data_quality.col_column", lang): issues["column"],
            _t("data_quality.col_message", lang): [_mask_personal(m, c, v) for m, c, v in
                                                   zip(issues["message"], issues["column"], issues["value"])],
        })
        blocks.append(Table.from_frame(display, id="annex_issues", caption=_t("data_quality.issues_caption", lang)))
    else:
        blocks.append(Paragraph(text=_t("data_quality.no_issue", lang)))
    matches = dataset.reconciliation.get("matches")
    unresolved = dataset.reconciliation.get("unresolved")
    if matches is not None:
        n_merged = int((matches["method"].isin(["acronym", "alias", "fuzzy"])).sum())
        n_unresolved = int(len(unresolved)) if unresolved is not None else 0
        blocks.append(Paragraph(text=_t("data_quality.reconciliation", lang, n_merged=n_merged,
                                        n_unresolved=n_unresolved)))
    return Chapter(number="B", key="annex_data_quality", title=_t("data_quality.title", lang), blocks=blocks)


def _mask_personal(message: object, column: object, value: object) -> str:
    """Return an issue message without the personal value it may quote (emails, phones, names)."""
    text = "" if message is None or pd.isna(message) else str(message)
    name = str(column).split("/")[-1] if column is not None and not pd.isna(column) else ""
    if name in PERSONAL_COLUMNS and value is not None and not pd.isna(value) and str(value):
        text = text.replace(str(value), "•••")
    return text


def build_timeline_annex(ctx: ChapterContext, today: dt.date | None = None) -> Chapter:
    lang = ctx.lang
    params = ctx.params
    endorsement = params.endorsement
    status = get_label("endorsement_statuses", endorsement.status, lang)
    blocks: list = [Paragraph(text=_t("timeline.intro", lang, status=status))]
    milestones = build_milestone_table(params, today)
    if len(milestones):
        state_labels = {s: _t(f"timeline.{s}", lang) for s in ("done", "ongoing", "planned")}
        stage_labels = get_labels("milestones", lang)
        display = pd.DataFrame({
            _t("timeline.col_stage", lang): milestones["stage"].map(stage_labels),
            _t("timeline.col_start", lang): [format_date_text(d, lang, "medium") for d in milestones["start"]],
            _t("timeline.col_end", lang): [format_date_text(d, lang, "medium") if d is not None and not pd.isna(d)
                                           else None for d in milestones["end"]],
            _t("timeline.col_state", lang): milestones["state"].map(state_labels),
        })
        fig = plot_exercise_timeline(milestones, lang)
        alt = _t("timeline.alt", lang, stages=", ".join(
            f"{stage_labels.get(s, s)} ({format_date_text(d, lang, 'medium')})"
            for s, d in zip(milestones["stage"], milestones["start"])))
        blocks += [Figure.from_plotly(fig, id="annex_timeline_figure", caption=_t("timeline.figure_caption", lang),
                                      alt=alt),
                   Table.from_frame(display, id="annex_timeline", caption=_t("timeline.caption", lang))]
    else:
        blocks.append(Paragraph(text=_t("timeline.no_milestone", lang)))
    authority = f", {protect_text(_shown_name(ctx, endorsement.authority))}" if endorsement.authority else ""
    date = f", {format_date_text(endorsement.date, lang, 'long')}" if endorsement.date else ""
    blocks.append(Callout(kind="info", text=_t("timeline.endorsement", lang, status=status,
                                                 authority=authority, date=date)))
    return Chapter(number="C", key="annex_timeline", title=_t("timeline.title", lang), blocks=blocks)


def _shown_name(ctx: ChapterContext, name: object, entity_id: object = None) -> str:
    """An institution's name in the guide's language when the parameters translate it."""
    overrides = load_name_overrides(ctx.country, ctx.params)
    override = overrides.get(str(entity_id)) or overrides.get(str(name))
    return (override.name or {}).get(ctx.lang, str(name)) if override is not None else str(name)


@lru_cache(maxsize=None)
def _load_glossary(path: str) -> list[dict]:
    return read_reference_yaml(path, "the glossary", expect_mapping=False) or []


def build_glossary_annex(ctx: ChapterContext) -> Chapter:
    lang = ctx.lang
    glossary = _load_glossary(str(reference_dir() / "glossary.yaml"))
    terms = pd.DataFrame({
        _t("glossary.col_term", lang): [entry["term"][lang] for entry in glossary],
        _t("glossary.col_definition", lang): [entry["definition"][lang] for entry in glossary],
    })
    entities = ctx.dataset.entities
    with_acronym = entities[entities["acronym"].notna() & (entities["acronym"].astype(str).str.strip() != "")]
    with_acronym = with_acronym[with_acronym["acronym"].astype(str) != with_acronym["name"].astype(str)]
    acronyms = (pd.DataFrame({_t("glossary.col_acronym", lang): with_acronym["acronym"].astype(str),
                              _t("glossary.col_name", lang): [_shown_name(ctx, n, e) for e, n in
                                                              zip(with_acronym["entity_id"], with_acronym["name"])]})
                .drop_duplicates().sort_values(_t("glossary.col_acronym", lang), key=lambda s: s.str.casefold()))
    blocks = [Table.from_frame(terms, id="annex_glossary", caption=_t("glossary.glossary_caption", lang))]
    if len(acronyms):
        blocks.append(Table.from_frame(acronyms, id="annex_acronyms", caption=_t("glossary.acronyms_caption", lang)))
    return Chapter(number="D", key="annex_glossary", title=_t("glossary.title", lang), blocks=blocks)


def build_contact_table(ctx: ChapterContext, *, is_consent_only: bool) -> pd.DataFrame:
    """Return the respondents' contacts; with ``is_consent_only`` only those who consented."""
    lang = ctx.lang
    respondents = ctx.dataset.respondents
    if is_consent_only:
        respondents = respondents[respondents["consent_publish_contact"].fillna(False).astype(bool)]
    names = ctx.dataset.entities.set_index("entity_id")["name"]
    yes, no = _t("contacts.consent_yes", lang), _t("contacts.consent_no", lang)
    frame = pd.DataFrame({
        _t("contacts.col_institution", lang): respondents["entity_id"].map(names).fillna(respondents["institution_name"]),
        _t("contacts.col_name", lang): respondents["respondent_name"],
        _t("contacts.col_function", lang): respondents["respondent_function"],
        _t("contacts.col_email", lang): respondents["respondent_email"],
        _t("contacts.col_phone", lang): respondents["respondent_phone"],
        _t("contacts.col_consent", lang): [yes if v is True else no for v in
                                           respondents["consent_publish_contact"].fillna(False).astype(bool)],
    })
    return frame.sort_values(frame.columns[0], key=lambda s: s.astype(str).str.casefold())


def build_contacts_annex(ctx: ChapterContext) -> Chapter:
    """The contact list: every contact, restricted edition only (the public edition drops it)."""
    lang = ctx.lang
    table = build_contact_table(ctx, is_consent_only=False)
    blocks = [Callout(kind="warning", text=_t("contacts.intro", lang), audience="restricted"),
              Table.from_frame(table, id="annex_contacts", caption=_t("contacts.caption", lang),
                               ).model_copy(update={"audience": "restricted"})]
    return Chapter(number="E", key="annex_contacts", title=_t("contacts.title", lang), blocks=blocks)
