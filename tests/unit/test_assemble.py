"""Guide assembly: editions and lengths show the right blocks; citations survive the brief guide."""

import datetime as dt

from mpanalysis.guide.chapters.base import ChapterContext
from mpanalysis.guide.document import Chapter, Paragraph, Section, Table, iter_blocks, label_blocks
from mpanalysis.ingest.dataset import CountryDataset
from mpanalysis.ingest.schemas import TABLE_COLUMNS, make_empty_table
from mpanalysis.params import CountryParams
from mpanalysis.publish.assemble import (
    _replace_dangling_refs,
    assemble_guide,
    make_guide_stem,
    select_chapter_content,
)


def make_context(lang="fr", status="draft", is_demo=True) -> ChapterContext:
    tables = {name: make_empty_table(name) for name in TABLE_COLUMNS}
    dataset = CountryDataset(country="SEN", **tables)
    params = CountryParams(country="SEN", is_demo=is_demo, endorsement={"status": status})
    return ChapterContext(dataset=dataset, params=params, lang=lang)


def make_chapters() -> list[Chapter]:
    contacts_public = Table(id="contacts_public", caption="Contacts (consent)", columns=["Nom"],
                            rows=[["A. Consenting"]], audience="public")
    contacts_all = Table(id="contacts_all", caption="Contacts", columns=["Nom"],
                         rows=[["A. Consenting"], ["B. Private"]], audience="restricted")
    key_table = Table(id="key_table", caption="Key", columns=["x"], rows=[[1]], in_brief=True)
    detail = Table(id="detail", caption="Detail", columns=["x"], rows=[[2]])
    chapter_one = Chapter(number="I", key="sources", title="Sources", intro="Intro I",
                          blocks=[key_table], sections=[Section(title="Détail", blocks=[detail]),
                                                        Section(title="Contacts", blocks=[contacts_public, contacts_all])])
    chapter_two = Chapter(number="IV", key="recommendations", title="Recommandations",
                          blocks=[Paragraph(text="R1. Voir {ref:detail} et {ref:key_table}.", in_brief=True)])
    return [chapter_one, chapter_two]


def block_ids(guide):
    return {b.id for c in [*guide.chapters, *guide.annexes] for b in iter_blocks(c) if getattr(b, "id", None)}


def test_public_edition_hides_restricted_contacts():
    guide = assemble_guide(make_context(), None, edition="public", length="full",
                           chapters=make_chapters(), annexes=[])
    assert "contacts_public" in block_ids(guide)
    assert "contacts_all" not in block_ids(guide)
    assert "B. Private" not in guide.model_dump_json()


def test_restricted_edition_shows_every_contact_once():
    guide = assemble_guide(make_context(), None, edition="restricted", length="full",
                           chapters=make_chapters(), annexes=[])
    assert "contacts_all" in block_ids(guide) and "contacts_public" not in block_ids(guide)


def test_full_guide_opens_with_key_messages_foreword_and_how_to_use_before_chapter_one():
    guide = assemble_guide(make_context(), None, edition="public", length="full",
                           chapters=make_chapters(), annexes=[])
    assert [c.key for c in guide.chapters] == ["key_messages", "foreword", "how_to_use", "sources", "recommendations"]
    assert [c.is_numbered for c in guide.chapters] == [False, False, False, True, True]
    # a draft without a foreword in its parameters shows where it will go
    assert guide.chapters[1].blocks[0].kind == "warning"


def test_brief_is_a_summary_not_the_full_guide_cut():
    guide = assemble_guide(make_context(), None, edition="public", length="brief",
                           chapters=make_chapters(), annexes=[])
    keys = [c.key for c in guide.chapters]
    assert keys[:3] == ["key_messages", "foreword", "how_to_use"] and keys[-1] == "brief_more"
    assert not any(c.is_numbered for c in guide.chapters) and not guide.annexes
    assert "Intro I" not in guide.model_dump_json()  # no chapter introduction on its own
    assert "detail" not in block_ids(guide) and "contacts_public" not in block_ids(guide)
    more = guide.chapters[-1]
    assert "SEN_guide_fr_public_full.pdf" in more.blocks[0].text


def test_draft_and_synthetic_marks_follow_parameters():
    draft = assemble_guide(make_context(status="validated"), None, edition="public", length="full",
                           chapters=make_chapters(), annexes=[])
    final = assemble_guide(make_context(status="published", is_demo=False), None, edition="public",
                           length="full", chapters=make_chapters(), annexes=[])
    assert draft.is_draft and draft.is_synthetic
    assert not final.is_draft and not final.is_synthetic


def test_cover_in_english():
    guide = assemble_guide(make_context(lang="en"), None, edition="public", length="full",
                           chapters=make_chapters(), annexes=[], today=dt.date(2026, 1, 2))
    assert guide.title == "User guide to the migration profile"
    assert guide.country_name == "Senegal"
    assert guide.date == dt.date(2026, 1, 2)


def test_citations_of_blocks_a_guide_leaves_out_read_as_the_full_guide_label():
    chapter = Chapter(number="I", key="sources", title="Sources", blocks=[
        Table(id="detail", caption="Detail", columns=["x"], rows=[[2]]),
        Table(id="kept", caption="Kept", columns=["x"], rows=[[2]]),
        Paragraph(text="Voir {ref:detail} et {ref:kept} ; le tableau {num:detail}.")])
    kept = chapter.model_copy(update={"blocks": chapter.blocks[1:]})
    text = _replace_dangling_refs([kept], label_blocks([chapter], "fr"), "fr")[0].blocks[1].text
    # "le tableau {num:…}" of a table left out: its number only, not "le tableau Tableau I.1"
    assert text == "Voir Tableau I.1 de la version complète et {ref:kept} ; le tableau I.1 de la version complète."


def test_empty_section_dropped():
    chapter = make_chapters()[0]
    brief = select_chapter_content(chapter, "public", "brief")
    assert [s.title for s in brief.sections] == []


def test_stem():
    assert make_guide_stem("GHA", "en", "restricted", "brief") == "GHA_guide_en_restricted_brief"
