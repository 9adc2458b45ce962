"""Chapter I builder: what a reader of the guide sees, on a tiny hand-made country."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from mpanalysis.analysis.findings import load_finding_catalogue
from mpanalysis.errors import ReferenceDataError
from mpanalysis.guide.chapters.base import ChapterContext, save_chapter_result
from mpanalysis.guide.chapters.recommendations import map_evidence_to_blocks
from mpanalysis.guide.chapters.sources import build_sources_chapter, make_block_id
from mpanalysis.guide.document import (
    REF_PATTERN,
    BulletList,
    Callout,
    Guide,
    Paragraph,
    Section,
    Table,
    find_unknown_refs,
    iter_blocks,
    read_chapter,
    unprotect_text,
)
from mpanalysis.guide.texts import fill_chapter_text, get_chapter_text
from mpanalysis.ingest.dataset import CountryDataset
from mpanalysis.ingest.schemas import TABLE_COLUMNS, make_empty_table
from mpanalysis.params import CountryParams
from mpanalysis.reference import get_labels

SECRET_EMAIL = "b.secret@example.org"
SECRET_PHONE = "+221 77 000 11 22"


def make_table(name: str, rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=make_empty_table(name).columns).astype(object)


def make_dataset() -> CountryDataset:
    """A, C governmental respondents; B academia respondent (no consent); N named, never answered.

    Sources: trends (A existing + potential), crisis (B existing, stale), border management (C
    potential only), development (none), health (an extra domain, C existing).
    """
    tables = {name: make_empty_table(name) for name in TABLE_COLUMNS}
    tables["entities"] = make_table("entities", [
        {"entity_id": "SEN-MI", "name": "Ministère de l'Intérieur", "acronym": "MINT", "institution_type": "ministry",
         "sector": "governmental", "is_respondent": True, "is_coordinator": True, "is_wg_member": True},
        {"entity_id": "SEN-UNIV", "name": "Université Alpha", "acronym": "UA", "institution_type": "academia",
         "sector": "other", "is_respondent": True, "is_coordinator": False, "is_wg_member": False},
        {"entity_id": "SEN-ANS", "name": "Agence nationale des statistiques", "acronym": "ANSD",
         "institution_type": "statistics_office", "sector": "governmental", "is_respondent": True,
         "is_coordinator": False, "is_wg_member": False},
        {"entity_id": "SEN-NR", "name": "Office des réfugiés", "acronym": None, "institution_type": None,
         "sector": "unknown", "is_respondent": False, "is_coordinator": False, "is_wg_member": False},
    ])
    tables["respondents"] = make_table("respondents", [
        {"submission_id": "s1", "entity_id": "SEN-MI", "institution_name": "Ministère de l'Intérieur",
         "respondent_name": "A. Diallo", "respondent_function": "Directeur", "respondent_email": "a.diallo@example.org",
         "respondent_phone": "+221 33 000 00 01", "consent_publish_contact": True},
        {"submission_id": "s2", "entity_id": "SEN-UNIV", "institution_name": "Université Alpha",
         "respondent_name": "B. Secret", "respondent_function": "Chercheuse", "respondent_email": SECRET_EMAIL,
         "respondent_phone": SECRET_PHONE, "consent_publish_contact": False},
        {"submission_id": "s3", "entity_id": "SEN-ANS", "institution_name": "Agence nationale des statistiques",
         "respondent_name": "C. Ndiaye", "respondent_function": None, "respondent_email": "c.unknown@example.org",
         "respondent_phone": None, "consent_publish_contact": None},
    ])
    tables["sources"] = make_table("sources", [
        {"source_id": "S1", "entity_id": "SEN-MI", "source_name": "Registre des titres de séjour", "domain": "trends",
         "kind": "visas_permits", "status": "existing", "periodicity": "continuous", "last_update": 2024,
         "format": "database", "access": "public"},
        {"source_id": "S2", "entity_id": "SEN-MI", "source_name": "Fichier des expulsions", "domain": "trends",
         "kind": "administrative_register", "status": "potential"},
        {"source_id": "S3", "entity_id": "SEN-UNIV", "source_name": "Enquête sur les déplacés", "domain": "crisis",
         "kind": "research", "status": "existing", "periodicity": "ad_hoc", "last_update": 2010,
         "format": "paper", "access": "restricted"},
        {"source_id": "S4", "entity_id": "SEN-ANS", "source_name": "Statistiques des passages",
         "domain": "border_management", "kind": "border_crossing", "status": "potential"},
        {"source_id": "S5", "entity_id": "SEN-ANS", "source_name": "Registre sanitaire", "domain": "health",
         "kind": "other", "status": "existing", "periodicity": "annual", "last_update": 2023,
         "format": "spreadsheet", "access": "on_request"},
    ])
    tables["sources"]["last_update"] = tables["sources"]["last_update"].astype("Int64")
    tables["flows"] = make_table("flows", [
        {"flow_id": "f1", "entity_id": "SEN-MI", "partner_name": "UA", "partner_entity_id": "SEN-UNIV",
         "direction": "provides", "domains": "trends", "channel": "informal", "stages": "elaboration"},
    ])
    return CountryDataset(country="SEN", **tables)


PARAMS = CountryParams(country="SEN", reference_year=2024, staleness_years=3)


@pytest.fixture(scope="module")
def chapters():
    dataset = make_dataset()
    return {lang: build_sources_chapter(ChapterContext(dataset=dataset, params=PARAMS, lang=lang))
            for lang in ("fr", "en")}


def block_texts(block) -> list[str]:
    if isinstance(block, Paragraph):
        return [block.text]
    if isinstance(block, BulletList):
        return list(block.items)
    if isinstance(block, Callout):
        return [block.title or "", block.text]
    if isinstance(block, Table):
        return [block.caption, *block.columns, *(str(c) for row in block.rows for c in row if c is not None),
                *block.notes]
    return [block.caption, block.alt, *block.notes]


def find_section(sections: list[Section], title: str) -> Section:
    for section in sections:
        if section.title == title:
            return section
        for child in section.sections:
            if child.title == title:
                return child
    raise AssertionError(f"no section titled {title!r}: {[s.title for s in sections]}")


def test_titles_are_in_the_chosen_language(chapters):
    fr, en = chapters["fr"].chapter, chapters["en"].chapter
    assert (fr.number, fr.key, en.number, en.key) == ("I", "sources", "I", "sources")
    assert fr.title == "Panorama des données et sources d’information sur la migration"
    assert en.title == "Panorama of migration data and information sources"
    assert [s.title for s in fr.sections][0] == "Qui collecte quelles données ?"
    assert [s.title for s in en.sections][0] == "Who collects which data?"


def test_every_domain_has_a_section_and_an_empty_one_says_so(chapters):
    for lang, result in chapters.items():
        labels = get_labels("domains", lang)
        by_domain = get_chapter_text("sources.domains.title", lang)
        parent = find_section(result.chapter.sections, by_domain)
        assert [s.title for s in parent.sections] == [*labels.values(), "health"]
        empty = find_section(parent.sections, labels["development"])
        assert [b.text for b in empty.blocks] == [get_chapter_text("sources.domains.no_source", lang)]
        potential_only = find_section(parent.sections, labels["border_management"]).blocks[0].text
        assert "Agence nationale des statistiques (ANSD)" in potential_only


def test_domain_tables_split_governmental_and_other_entities(chapters):
    result = chapters["en"]
    trends = find_section(result.chapter.sections, "Migration trends")
    tables = [b for b in trends.blocks if isinstance(b, Table)]
    assert [t.id for t in tables] == ["sources_domain_trends_governmental"]
    assert [row[:2] for row in tables[0].rows] == [
        ["Ministère de l'Intérieur (MINT)", "Registre des titres de séjour"],
        ["Ministère de l'Intérieur (MINT)", "Fichier des expulsions"]]
    # a potential source has no update year yet: the cell says so rather than staying blank
    assert tables[0].rows[1][5] == "not stated" and tables[0].rows[0][5] == 2024
    crisis = find_section(result.chapter.sections, "Migration in crisis situations")
    assert [t.id for t in crisis.blocks if isinstance(t, Table)] == ["sources_domain_crisis_other"]


def test_contacts_of_non_consenting_respondents_only_in_restricted_blocks(chapters):
    for result in chapters.values():
        shown, restricted = [], []
        for block in iter_blocks(result.chapter):
            (restricted if block.audience == "restricted" else shown).extend(block_texts(block))
        everywhere = "\n".join(shown)
        assert SECRET_EMAIL not in everywhere and SECRET_PHONE not in everywhere
        assert "c.unknown@example.org" not in everywhere  # no answer is not a consent
        assert "a.diallo@example.org" in everywhere  # consented: in the public edition
        assert SECRET_EMAIL in restricted and "c.unknown@example.org" in restricted
    public = [b for b in iter_blocks(chapters["fr"].chapter) if getattr(b, "id", "") == "sources_contacts_public"]
    assert public[0].audience == "public" and [r[1] for r in public[0].rows] == ["A. Diallo"]


def test_ids_are_unique_and_every_citation_resolves(chapters):
    for lang, result in chapters.items():
        ids = [b.id for b in iter_blocks(result.chapter) if getattr(b, "id", None)]
        assert len(ids) == len(set(ids))
        assert {"sources_coverage_map", "sources_domain_summary", "sources_gaps", "sources_stale",
                "sources_profile"} <= set(ids)
        # every {num:…}/{ref:…} of the chapter's texts cites one of its blocks
        guide = Guide(country="SEN", country_name="Sénégal", lang=lang, title="Guide", date=dt.date(2025, 1, 1),
                      chapters=[result.chapter])
        assert find_unknown_refs(guide) == []


def test_figures_and_tables_follow_the_numbers_the_findings_cite(chapters):
    blocks = [b for b in iter_blocks(chapters["fr"].chapter) if getattr(b, "id", None)]
    tables = [b.id for b in blocks if b.type == "table"]
    assert tables[:4] == ["sources_domain_summary", "sources_domain_institutions", "sources_gaps", "sources_stale"]
    # the evidence keys of findings.yaml ("table I.3"…) land on the block that shows the finding
    shown_by = {"sources_overview": "sources_coverage_map", "coverage_gap": "sources_gaps",
                "restricted_only": "sources_gaps", "no_exchange": "sources_gaps",
                "stale_sources": "sources_stale", "unknown_update_year": "sources_stale"}
    kinds = load_finding_catalogue().kinds
    assert {k for k, spec in kinds.items() if spec.chapter == "I"} == set(shown_by)
    blocks_of = map_evidence_to_blocks([chapters["fr"].chapter])
    assert {kind: blocks_of.get(kinds[kind].evidence) for kind in shown_by} == shown_by


def test_each_summary_table_counts_one_unit(chapters):
    tables = {b.id: b for b in iter_blocks(chapters["en"].chapter) if isinstance(b, Table)}
    sources, institutions = tables["sources_domain_summary"], tables["sources_domain_institutions"]
    assert sources.columns == ["Domain", "Existing", "Potential", "Open access", "Stale"]
    assert institutions.columns == ["Domain", "Institutions", "Governmental", "Other"]
    rows = {row[0]: row for row in institutions.rows}
    # an institution reporting on several domains is counted once in the total
    assert rows["All domains"][1:] == [3, 2, 1]  # ANSD reports on two domains
    assert sum(row[1] for row in institutions.rows[:-1]) == 4
    gaps = tables["sources_gaps"]
    assert "Information flows" in gaps.columns and "distinct links" in gaps.notes[0]


def test_key_figures_and_findings_come_from_the_data(chapters):
    fr = chapters["fr"]
    key_figures = fr.chapter.blocks[0]
    assert key_figures.in_brief and key_figures.title == "Chiffres clés"
    assert "3 institutions ont répondu au questionnaire ; une autre institution a été citée" in key_figures.text
    assert "3 sources de données existantes et 2 sources potentielles" in key_figures.text
    assert "3 des 5 domaines ont au moins une source existante" in key_figures.text
    stale = [f for f in fr.findings if f.kind == "stale_sources"]
    assert [f.entities for f in stale] == [("SEN-UNIV",)]
    entity_ids = set(make_dataset().entities["entity_id"])
    assert all(set(f.entities) <= entity_ids for f in fr.findings)
    texts = "\n".join(t for b in iter_blocks(fr.chapter) for t in block_texts(b))
    assert stale[0].text["fr"] in texts
    gap = next(f for f in fr.findings if f.kind == "coverage_gap" and f.codes["domain"] == "development")
    assert gap.severity == "high" and gap.text["fr"] in texts


def test_high_severity_findings_are_in_the_brief_guide(chapters):
    callouts = [b for b in iter_blocks(chapters["en"].chapter) if isinstance(b, Callout) and b.kind == "finding"]
    assert callouts and all(c.in_brief == (c.title == "Critical point") for c in callouts)
    assert any(c.in_brief for c in callouts)


def test_measures_for_the_recommendation_rules(chapters):
    m = chapters["fr"].measures
    assert m["sources.n_existing"] == 3 and m["sources.n_potential"] == 2
    assert m["sources.n_domains"] == 5 and m["sources.share_domains_covered"] == pytest.approx(3 / 5)
    assert m["sources.n_core_domains_uncovered"] == 2
    assert m["sources.n_stale"] == 1 and m["sources.stale_share"] == pytest.approx(1 / 3)
    assert m["sources.n_domains_restricted_only"] == 1
    assert m["sources.n_respondents"] == 3 and m["sources.n_named"] == 1


def test_saved_chapter_reloads_with_its_tables(chapters, tmp_path):
    written = save_chapter_result(chapters["en"], tmp_path)
    assert read_chapter(written["chapter"]) == chapters["en"].chapter
    listing = pd.read_csv(tmp_path / "tables" / "sources__listing.csv", encoding="utf-8-sig")
    assert sorted(listing["source_id"]) == ["S1", "S2", "S3", "S4", "S5"]
    assert "respondent_email" not in "".join(p.read_text(encoding="utf-8-sig")
                                             for p in (tmp_path / "tables").glob("*.csv"))


def test_a_country_without_any_source_still_gets_a_chapter():
    tables = {name: make_empty_table(name) for name in TABLE_COLUMNS}
    result = build_sources_chapter(ChapterContext(CountryDataset(country="SEN", **tables), PARAMS, "en"))
    texts = "\n".join(t for b in iter_blocks(result.chapter) for t in block_texts(b))
    assert "No institution reported a data source." in texts
    assert "sources.open_share" not in result.measures


def test_plural_forms_follow_each_language():
    # CLDR: French treats 0 as singular, English does not
    assert fill_chapter_text("sources.key_figures.domains", "fr", n_domains_covered=0, n_domains=4) == \
        "Aucun des 4 domaines n’a de source existante."
    assert fill_chapter_text("sources.key_figures.domains", "en", n_domains_covered=0, n_domains=4) == \
        "None of the 4 domains has an existing source."


def test_a_missing_placeholder_names_the_text():
    with pytest.raises(ReferenceDataError, match="sources.key_figures.domains.*n_domains"):
        fill_chapter_text("sources.key_figures.domains", "en", n_domains_covered=1)


def test_names_with_markup_stay_plain_text_in_block_ids():
    assert make_block_id("sources_domain", "<script>", "other") == "sources_domain_script_other"


def test_an_institution_name_typed_as_a_citation_stays_literal_in_every_sentence():
    dataset = make_dataset()
    entities = dataset.entities.copy()
    typed = "Agence {ref:sources_gaps} {num:sources_profile}"
    entities.loc[entities["entity_id"] == "SEN-ANS", ["name", "acronym"]] = [typed, None]
    result = build_sources_chapter(ChapterContext(dataset=dataclasses.replace(dataset, entities=entities),
                                                  params=PARAMS, lang="en"))
    naming = [t for b in iter_blocks(result.chapter) for t in block_texts(b) if "Agence" in unprotect_text(t)]
    assert len(naming) >= 2  # a domain sentence and a table at least
    for text in naming:
        assert typed in unprotect_text(text)
        assert not REF_PATTERN.search(text), text  # no renderer can turn it into a link
