"""Guide assembly: editions and lengths show the right blocks; citations survive the brief guide."""

import datetime as dt

from mpanalysis.guide.chapters.base import ChapterContext
from mpanalysis.guide.document import Chapter, Paragraph, Section, Table, iter_blocks
from mpanalysis.ingest.dataset import CountryDataset
from mpanalysis.ingest.schemas import TABLE_COLUMNS, make_empty_table
from mpanalysis.params import CountryParams
from mpanalysis.publish.assemble import assemble_guide, make_guide_stem, select_chapter_content


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
                          blocks=[Paragraph(text="R1. Voir {ref:detail} et {ref:key_table} ; le tableau {num:detail}.",
                                           in_brief=True)])
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


def test_brief_keeps_key_blocks_and_cites_the_full_guide_for_the_rest():
    guide = assemble_guide(make_context(), None, edition="public", length="brief",
                           chapters=make_chapters(), annexes=[])
    assert block_ids(guide) == {"key_table"}
    text = guide.chapters[1].blocks[0].text
    assert "{ref:key_table}" in text
    assert "Voir Tableau I.2 de la version complète" in text  # 'detail' is table I.2 of the full guide
    assert "le tableau I.2 de la version complète" in text  # not "le tableau Tableau I.2"


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


def test_empty_section_dropped():
    chapter = make_chapters()[0]
    brief = select_chapter_content(chapter, "public", "brief")
    assert [s.title for s in brief.sections] == []


def test_stem():
    assert make_guide_stem("GHA", "en", "restricted", "brief") == "GHA_guide_en_restricted_brief"
