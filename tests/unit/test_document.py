"""The guide's document model: what chapter notebooks save and the renderers read."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from mpanalysis.errors import ReferenceDataError
from mpanalysis.guide.document import (
    BulletList,
    Callout,
    Chapter,
    DocumentError,
    Figure,
    Guide,
    Paragraph,
    RefLabel,
    Section,
    Table,
    find_unknown_refs,
    load_guide_texts,
    number_guide,
    protect_text,
    read_chapter,
    read_chapters,
    replace_refs,
    resolve_refs,
    split_refs,
    unprotect_text,
    write_chapter,
)
from mpanalysis.render.html import build_html

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "guide" / "01_sources.json"
BAR = json.dumps({"data": [{"type": "bar", "x": ["a"], "y": [1]}], "layout": {}})


def make_guide(lang: str = "fr", **extra) -> Guide:
    ch1 = Chapter(number="I", key="sources", title="Panorama", blocks=[
        Figure(id="f1", caption="c", alt="a", plotly_json=BAR),
        Table(id="t1", caption="c", columns=["x"], rows=[["1"]]),
    ], sections=[Section(title="S", blocks=[
        Table(id="t2", caption="c", columns=["x"], rows=[]),
        Figure(id="f2", caption="c", alt="a", plotly_json=BAR)])])
    ch2 = Chapter(number="II", key="network", title="Réseau", blocks=[
        Paragraph(text="Voir {ref:t2} et le tableau {num:t1}."),
        Figure(id="f3", caption="c", alt="a", plotly_json=BAR)])
    annex = Chapter(number="A", key="method", title="Méthodologie",
                    blocks=[Table(id="t9", caption="c", columns=["x"], rows=[])])
    fields = dict(country="SEN", country_name="Sénégal", lang=lang, title="Guide", date="2025-01-31",
                  chapters=[ch1, ch2], annexes=[annex])
    fields.update(extra)
    return Guide(**fields)


def test_guide_survives_a_json_round_trip_with_every_block_kind():
    guide = make_guide(provenance={"input_hashes": {"a.xlsx": "3f2a"}, "package_version": "0.1"})
    chapter = guide.chapters[0].model_copy(update={"blocks": [
        *guide.chapters[0].blocks, Paragraph(text="p"), BulletList(items=["a", "b"]),
        Callout(kind="warning", title="t", text="x")]})
    guide = guide.model_copy(update={"chapters": [chapter, guide.chapters[1]]})
    again = Guide.model_validate_json(guide.model_dump_json())
    assert again == guide
    assert [b.type for b in again.chapters[0].blocks] == ["figure", "table", "paragraph", "bullets",
                                                          "callout"]


def test_cells_keep_their_type_so_numbers_are_formatted_and_text_is_not():
    table = Table(id="t", caption="c", columns=["a", "b", "c", "d"], rows=[["0012", 12, 1.5, None]])
    again = Table.model_validate_json(table.model_dump_json())
    assert again.rows == [["0012", 12, 1.5, None]]
    assert [type(v) for v in again.rows[0][:3]] == [str, int, float]


def test_table_from_a_dataframe_turns_missing_values_into_empty_cells():
    frame = pd.DataFrame({"Domaine": ["Crise", "Frontières"],
                          "Sources": pd.array([pd.NA, 4], dtype="Int64"),
                          "Part": [float("nan"), 0.5]})
    table = Table.from_frame(frame, id="t", caption="c")
    assert table.columns == ["Domaine", "Sources", "Part"]
    assert table.rows == [["Crise", None, None], ["Frontières", 4, 0.5]]


def test_a_ragged_table_is_refused_with_its_id_and_row():
    with pytest.raises(ValidationError, match="table 't_sources': row 2 has 1 cells but there are 2"):
        Table(id="t_sources", caption="c", columns=["a", "b"], rows=[["x", 1], ["y"]])


def test_a_boolean_cell_is_refused_rather_than_printed_as_1():
    with pytest.raises(ValidationError, match="boolean"):
        Table(id="t", caption="c", columns=["a"], rows=[[True]])


def test_a_figure_must_hold_plotly_json():
    with pytest.raises(ValidationError, match="not valid JSON"):
        Figure(id="f", caption="c", alt="a", plotly_json="{not json")
    with pytest.raises(ValidationError, match="'data' list"):
        Figure(id="f", caption="c", alt="a", plotly_json='{"data": 3}')


def test_a_figure_needs_a_text_alternative():
    with pytest.raises(ValidationError, match="alt"):
        Figure(id="f", caption="c", alt="", plotly_json=BAR)


def test_control_characters_that_would_corrupt_a_docx_are_dropped():
    assert Paragraph(text="Minist\x0bère\x00 de\r\nl’Intérieur").text == "Minist" "ère de\nl’Intérieur"


def test_nested_sections_must_say_their_depth():
    with pytest.raises(ValidationError, match="'Par domaine' has level 1 but is nested in 'Sources'"):
        Section(title="Sources", sections=[Section(title="Par domaine")])
    with pytest.raises(ValidationError, match="sits directly in chapter I"):
        Chapter(number="I", key="k", title="T", sections=[Section(title="x", level=2)])


def test_an_id_used_twice_is_refused_naming_both_chapters():
    with pytest.raises(ValidationError, match="id 't1' is used twice \\(chapters I and II\\)"):
        Guide(country="SEN", country_name="S", lang="fr", title="G", date="2025-01-31", chapters=[
            Chapter(number="I", key="a", title="A", blocks=[Table(id="t1", caption="c", columns=["x"], rows=[])]),
            Chapter(number="II", key="b", title="B", blocks=[Table(id="t1", caption="c", columns=["x"], rows=[])]),
        ])


def test_a_reference_to_an_unknown_block_is_kept_as_typed_and_listed():
    guide = Guide(country="SEN", country_name="S", lang="fr", title="G", date="2025-01-31", chapters=[
        Chapter(number="I", key="a", title="A"),
        Chapter(number="II", key="b", title="B", blocks=[Paragraph(text="see {ref:t_missing}")]),
    ])
    assert find_unknown_refs(guide) == ["II: {ref:t_missing}"]
    assert resolve_refs(guide.chapters[1].blocks[0].text, number_guide(guide)) == "see {ref:t_missing}"


ANSWER = "Voir {ref:nonexistent} et {ref:t_stats} <b>x</b>"


def make_guide_with_answers() -> Guide:
    """A guide whose respondents typed citations: one of an unknown id, one of a real table."""
    cells = Table.from_frame(pd.DataFrame({"Institution": ["INS"], "Pratique": [ANSWER]}),
                             id="t_practices", caption="Pratiques")
    raw_cell = Table(id="t_raw", caption="Brut", columns=["Réponse"], rows=[[ANSWER]])
    stats = Table(id="t_stats", caption="Statistiques", columns=["n"], rows=[[1]])
    return Guide(country="SEN", country_name="Sénégal", lang="fr", title="Guide", date="2025-01-31",
                 is_draft=False, chapters=[Chapter(number="I", key="a", title="A", blocks=[
                     stats, Paragraph(text="Le tableau {num:t_stats} résume les sources."),
                     Paragraph(text="Réponse : " + protect_text(ANSWER)),
                     BulletList(items=[protect_text(ANSWER)]), cells, raw_cell,
                     Paragraph(text="Non protégée : {ref:nonexistent}")])])


def test_citations_typed_by_respondents_stay_literal_text_in_html_and_print_html():
    guide = make_guide_with_answers()
    assert find_unknown_refs(guide) == ["I: {ref:nonexistent}"]  # only the unprotected paragraph
    for mode in ("screen", "print"):
        page = build_html(guide, mode, {})
        shown = ANSWER.replace("<b>", "&lt;b&gt;").replace("</b>", "&lt;/b&gt;")
        # the paragraph, the bullet, the two table cells: four times as typed
        assert page.count(shown) == 4, mode
        assert "Non protégée\xa0: {ref:nonexistent}" in page
        # the package's own citation is the only link; no mark is left in the page
        assert re.findall(r'<a class="ref" href="#([^"]+)">([^<]+)</a>', page) == [("b-t_stats", "I.1")]
        assert "\u2060" not in page


def test_citations_typed_by_respondents_stay_literal_text_in_docx():
    import docx

    from mpanalysis.render.docx import build_docx

    word = docx.Document(io.BytesIO(build_docx(make_guide_with_answers())))
    paragraphs = [p.text for p in word.paragraphs]
    cells = [c.text for t in word.tables for row in t.rows for c in row.cells]
    assert "Réponse\xa0: " + ANSWER in paragraphs and ANSWER in paragraphs
    assert cells.count(ANSWER) == 2
    assert "Le tableau I.1 résume les sources." in paragraphs
    assert "Non protégée\xa0: {ref:nonexistent}" in paragraphs
    assert not any("\u2060" in text for text in [*paragraphs, *cells])


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")
def test_citations_typed_by_respondents_stay_literal_text_in_pdf(tmp_path):
    from mpanalysis.render.pdf import render_pdf

    path = render_pdf(make_guide_with_answers(), tmp_path / "guide.pdf")
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert text.count("{ref:nonexistent}") == 5  # four answers and the unprotected paragraph
    assert text.count("{ref:t_stats}") == 4 and "Le tableau I.1 résume" in text


def test_protected_text_survives_a_json_round_trip_and_a_citation_rewrite(tmp_path):
    chapter = make_guide_with_answers().chapters[0]
    again = read_chapter(write_chapter(chapter, tmp_path / "01_a.json"))
    rewritten = replace_refs(again, lambda kind, block_id: "[cited]")
    texts = [b.text for b in rewritten.blocks if isinstance(b, Paragraph)]
    assert texts[0] == "Le tableau [cited] résume les sources."
    assert unprotect_text(texts[1]) == "Réponse : " + ANSWER  # data is never rewritten
    assert texts[2] == "Non protégée : [cited]"
    assert [b.rows for b in rewritten.blocks if isinstance(b, Table)][1:] == [
        [["INS", protect_text(ANSWER)]], [[ANSWER]]]


def test_figures_and_tables_are_numbered_per_chapter_in_reading_order():
    numbering = number_guide(make_guide("fr"))
    assert numbering.labels == {"f1": "Figure I.1", "t1": "Tableau I.1", "t2": "Tableau I.2",
                                "f2": "Figure I.2", "f3": "Figure II.1", "t9": "Tableau A.1"}
    assert number_guide(make_guide("en")).labels["t2"] == "Table I.2"


def test_references_resolve_to_the_same_label_as_the_caption():
    guide = make_guide("fr")
    numbering = number_guide(guide)
    text = guide.chapters[1].blocks[0].text
    assert resolve_refs(text, numbering) == "Voir Tableau I.2 et le tableau I.1."
    assert split_refs(text, numbering)[1] == RefLabel(text="Tableau I.2", target="t2")


def test_chapter_files_round_trip_and_keep_their_order(tmp_path):
    guide = make_guide()
    write_chapter(guide.chapters[1], tmp_path / "02_network.json")
    write_chapter(guide.chapters[0], tmp_path / "01_sources.json")
    (tmp_path / "notes.json").write_text("{}")  # not a chapter file: ignored
    assert read_chapters(tmp_path) == guide.chapters
    assert not list(tmp_path.glob("*.tmp"))


def test_the_stored_chapter_format_stays_readable():
    chapter = read_chapter(FIXTURE)
    assert chapter.title.startswith("Panorama des données")
    assert [b.type for b in chapter.blocks] == ["paragraph", "figure", "table"]
    assert chapter.sections[0].blocks[1].items[1] == '=HYPERLINK("http://x")'


def test_a_broken_chapter_file_names_itself(tmp_path):
    broken = tmp_path / "03_mp_process.json"
    broken.write_text('{"number": "III", "key": "mp_process", "title": "T", "blocks": [{"type": "table"}]}')
    with pytest.raises(DocumentError, match="03_mp_process.json: not a valid chapter: blocks.0.table.id"):
        read_chapter(broken)
    with pytest.raises(DocumentError, match="04_x.json: chapter file not found"):
        read_chapter(tmp_path / "04_x.json")
    broken.write_text("{")
    with pytest.raises(DocumentError, match="03_mp_process.json: not a valid chapter"):
        read_chapter(broken)


def test_every_fixed_text_exists_in_french_and_english():
    fr, en = load_guide_texts("fr"), load_guide_texts("en")
    assert fr.keys() == en.keys()
    assert (fr["draft_mark"], en["draft_mark"]) == ("PROJET", "DRAFT")
    assert (fr["toc"], en["toc"]) == ("Sommaire", "Table of contents")
    assert all(value.strip() for value in [*fr.values(), *en.values()])


def test_a_language_without_texts_is_refused_clearly(tmp_path):
    (tmp_path / "guide_texts.yaml").write_text("toc:\n  fr: Sommaire\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="no 'pt' text for keys toc"):
        load_guide_texts("pt", tmp_path)
