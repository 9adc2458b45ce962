"""What the methodology annex says about the national workshop's decisions, the authority's
review and the endorsement (``params/<ISO3>.workshop.yaml``, :mod:`mpanalysis.decisions`)."""

from __future__ import annotations

import pandas as pd
from babel.dates import format_date
from babel.lists import format_list

from mpanalysis.analysis.decided import pick_language
from mpanalysis.guide.chapters.base import ChapterContext
from mpanalysis.guide.document import BulletList, Callout, Paragraph, Section, Table, protect_text
from mpanalysis.guide.texts import fill_chapter_text
from mpanalysis.wording import name_entities
from mpanalysis.wording.names import load_name_overrides

#: The counts the annex lists, in this order (keys of ``WorkshopRecord.count_changes``).
CHANGE_KEYS = ("findings_confirmed", "findings_corrected", "findings_rejected", "recommendations_adopt",
               "recommendations_amend", "recommendations_drop", "recommendations_new", "names_renamed",
               "problems_agreed")


def _t(key: str, lang: str, **values) -> str:
    return fill_chapter_text(f"workshop.annex.{key}", lang, **values)


def build_workshop_record_blocks(ctx: ChapterContext) -> list:
    """Return what the workshop's worksheets changed: the institutions represented, the changes
    counted, the merges, the rejected findings with the reason given, and (restricted edition)
    the participants by name.

    >>> from mpanalysis.decisions import Decisions
    >>> from mpanalysis.params import CountryParams
    >>> from mpanalysis.analysis.profile.examples import make_example_dataset
    >>> d = Decisions(country="SEN", workshop={"read_at": "2025-05-16", "findings": [
    ...     {"id": "x", "decision": "rejected", "text": {"en": "Wrong."}, "comment": "Outdated"}],
    ...     "participants": [{"name": "A. Diallo", "institution": "ANSD"}]})
    >>> blocks = build_workshop_record_blocks(ChapterContext(make_example_dataset(), CountryParams(country="SEN"), "en", d))
    >>> [b.type for b in blocks], blocks[2].items, blocks[3].rows
    (['paragraph', 'paragraph', 'bullets', 'table', 'callout', 'table'], ['1 finding rejected (Table {num:annex_workshop_rejected})'], [['Wrong.', 'Outdated']])
    """
    record = ctx.decisions.workshop if ctx.decisions else None
    if record is None:
        return []
    lang = ctx.lang
    blocks: list = []
    # institutions as the guide names them (the workshop's official names), read from the drop-down lists as ids
    names = name_entities(ctx.dataset.entities, load_name_overrides(ctx.country, ctx.params), lang)
    institutions = sorted({names.get(p.institution, p.institution) for p in record.participants}, key=str.casefold)
    if institutions:
        blocks.append(Paragraph(text=_t("institutions", lang, n=len(institutions),
                                        institutions=protect_text(format_list(institutions, locale=lang)))))
    date = format_date(record.read_at, "long", locale=lang) if record.read_at else _t("no_reason", lang)
    counts = record.count_changes()
    items = [_t(f"changes.{key}", lang, n=counts[key]) for key in CHANGE_KEYS if counts[key]]
    if counts["findings_rejected"]:  # the table of the rejected findings follows the list
        at = CHANGE_KEYS[:CHANGE_KEYS.index("findings_rejected")]
        index = sum(1 for key in at if counts[key])
        items[index] = _t("see_rejected", lang, item=items[index])
    for decision in record.names:
        if decision.merge_into:
            source = decision.name_found or decision.entity_id
            items.append(_t("merged", lang, source=protect_text(source),
                            target=protect_text(names.get(decision.merge_into, decision.merge_into))))
    if not items:
        blocks.append(Paragraph(text=_t("no_change", lang, date=date)))
        return blocks
    blocks += [Paragraph(text=_t("changes_intro", lang, date=date)), BulletList(items=items)]
    rejected = [f for f in record.findings if f.decision == "rejected"]
    if rejected:
        frame = pd.DataFrame({_t("col_finding", lang): [pick_language(f.text, lang) or f.id for f in rejected],
                              _t("col_reason", lang): [f.comment or _t("no_reason", lang) for f in rejected]})
        blocks.append(Table.from_frame(frame, id="annex_workshop_rejected", caption=_t("rejected_caption", lang)))
    if record.participants:
        frame = pd.DataFrame({_t("col_name", lang): [p.name for p in record.participants],
                              _t("col_institution", lang): [names.get(p.institution, p.institution)
                                                            for p in record.participants],
                              _t("col_function", lang): [p.function or "" for p in record.participants]})
        blocks += [Callout(kind="warning", text=_t("participants_note", lang), audience="restricted"),
                   Table.from_frame(frame, id="annex_workshop_participants", caption=_t("participants_caption", lang)
                                    ).model_copy(update={"audience": "restricted"})]
    return blocks


def build_review_section(ctx: ChapterContext) -> Section | None:
    """Return the annex section on the authority's review and the endorsement, or None before."""
    decisions = ctx.decisions
    if decisions is None:
        return None
    lang = ctx.lang
    blocks = []
    review = decisions.get_review(lang)
    if review is not None:
        counts = review.count_changes()
        date = format_date(review.read_at, "long", locale=lang) if review.read_at else _t("no_reason", lang)
        blocks.append(Paragraph(text=_t("review", lang, date=date, n_edit=counts["edit"], n_delete=counts["delete"])))
    if decisions.endorsement is not None:
        blocks.append(Paragraph(text=_t("endorsed", lang, authority=protect_text(decisions.endorsement.authority),
                                        date=format_date(decisions.endorsement.date, "long", locale=lang))))
    return Section(title=_t("review_title", lang), blocks=blocks) if blocks else None
