"""The DOCX writer's own XML (paragraphs, runs, cells and pictures written without python-docx's
objects) read back by python-docx as Word would show it; guides built one after another in one
process share nothing."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import docx
import pytest

import mpanalysis.render.docx as docx_writer
from mpanalysis.guide.document import Chapter, Figure, Guide, Paragraph, Section, Table
from mpanalysis.render.docx import FIGURE_MAX_HEIGHT, FIGURE_WIDTH, build_docx


def _make_png(width: int, height: int) -> bytes:
    """A blank RGB PNG of ``width`` × ``height`` pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff" * 3 * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _figure(figure_id: str, alt: str) -> Figure:
    return Figure(id=figure_id, caption=f"Légende {figure_id}", alt=alt,
                  plotly_json='{"data": [], "layout": {}}')


def _make_guide(length: str = "full") -> Guide:
    table = Table(id="t_sources", caption="Sources", columns=["Source", "Nombre"],
                  rows=[["Registre\tannuel", 12345], ["  Enquête  ", None]])
    section = Section(title="Qui collecte quoi ?", blocks=[
        Paragraph(text="Première ligne\nDeuxième ligne ; voir {ref:t_sources}."),
        table, _figure("f_wide", "Une figure large."), _figure("f_again", "La même figure."),
        _figure("f_tall", "Une figure haute.")])
    chapter = Chapter(number="I", key="sources", title="Sources", sections=[section])
    return Guide(country="SEN", country_name="Sénégal", lang="fr", title="Guide", date="2025-01-31",
                 length=length, chapters=[chapter])


@pytest.fixture
def drawn_figures(monkeypatch):
    """Figures "drawn" without a browser: two the same wide drawing, one taller than a page."""
    wide, tall = _make_png(720, 430), _make_png(300, 1200)
    drawings = {"f_wide": wide, "f_again": wide, "f_tall": tall}
    monkeypatch.setattr(docx_writer, "build_static_figures",
                        lambda figures, fmt, lang, scale: [drawings[f.id] for f in figures])


def test_docx_text_keeps_its_line_breaks_tabs_spaces_and_numbers(drawn_figures):
    document = docx.Document(io.BytesIO(build_docx(_make_guide())))
    texts = [p.text for p in document.paragraphs]
    assert "Première ligne\nDeuxième ligne\u202f; voir Tableau I.1." in texts  # a line break, not a new paragraph
    assert ("Heading 2", "Qui collecte quoi\u202f?") in [(p.style.name, p.text) for p in document.paragraphs]
    table = document.tables[1]
    assert table.style.name == "Guide Table"
    assert [[cell.text for cell in row.cells] for row in table.rows] == [
        ["Source", "Nombre"], ["Registre\tannuel", "12\u00a0345"], ["  Enquête  ", "–"]]
    assert '<w:t xml:space="preserve">  Enquête  </w:t>' in table._tbl.xml  # Word keeps the spaces
    assert [p.style.name for row in table.rows for cell in row.cells for p in cell.paragraphs] == ["Table Text"] * 6
    number = table.rows[1].cells[1].paragraphs[0]
    assert number.alignment == 2  # numbers flush right
    header = table.rows[0].cells[0].paragraphs[0].runs[0]
    assert header.bold and str(header.font.color.rgb) == "FFFFFF"
    assert "<w:tblHeader" in table.rows[0]._tr.xml and "<w:cantSplit/>" in table.rows[1]._tr.xml


def test_docx_pictures_have_their_own_ids_and_alt_texts_and_fit_the_page(drawn_figures):
    data = build_docx(_make_guide())
    document = docx.Document(io.BytesIO(data))
    shapes = document.inline_shapes
    assert [s._inline.docPr.get("descr") for s in shapes] == ["Une figure large.", "La même figure.",
                                                              "Une figure haute."]
    assert [s._inline.docPr.get("title") for s in shapes] == ["Figure I.1", "Figure I.2", "Figure I.3"]
    ids = [s._inline.docPr.get("id") for s in shapes]
    assert len(set(ids)) == 3  # Word reports a damaged document when two shapes share an id
    assert shapes[0].width == FIGURE_WIDTH and shapes[0].height == round(FIGURE_WIDTH * 430 / 720)
    assert shapes[2].height == FIGURE_MAX_HEIGHT and shapes[2].width < FIGURE_WIDTH
    media = [name for name in zipfile.ZipFile(io.BytesIO(data)).namelist() if name.startswith("word/media/")]
    assert len(media) == 2  # the drawing shown twice is stored once
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert captions == ["Tableau I.1 – Sources", "Figure I.1 – Légende f_wide", "Figure I.2 – Légende f_again",
                        "Figure I.3 – Légende f_tall"]


def test_guides_built_one_after_another_share_nothing(drawn_figures):
    first_full = build_docx(_make_guide("full"))
    brief = build_docx(_make_guide("brief"))
    again_full = build_docx(_make_guide("full"))
    parts = {name: zipfile.ZipFile(io.BytesIO(data)) for name, data in
             [("first", first_full), ("brief", brief), ("again", again_full)]}
    for name in parts["first"].namelist():
        if name != "docProps/core.xml":
            assert parts["first"].read(name) == parts["again"].read(name), name
    assert b"updateFields" in parts["first"].read("word/settings.xml")
    assert b"updateFields" not in parts["brief"].read("word/settings.xml")  # a brief has no contents to update
    body = parts["brief"].read("word/document.xml").decode("utf-8")
    assert body.count("Qui collecte quoi") == 1 and "TOC" not in body
