"""The DOCX guide: an editable Word document built with python-docx, with real styles.

Chapters are "Heading 1", sections "Heading 2"…, captions "Caption", tables use the "Guide Table"
table style (navy header row, banded rows) and their header row repeats on every page; figures are
PNG images (drawn by plotly.js in Chromium, render/printer.py) with their alt text. The header and footer of every page carry the country,
the DRAFT/PROJET mark, the synthetic-data mark and "Page N / M". Text is written as Word text runs,
so a respondent's ``=HYPERLINK(…)`` or ``<script>`` stays literal.

python-docx rather than pandoc: no Markdown to escape, and headers, fields and styles are built
directly.
"""

from __future__ import annotations

import copy
import io
import re
import unicodedata
import zipfile
from functools import cache, lru_cache
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.image.image import Image
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.pkgwriter import PackageWriter
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.shape import CT_Inline
from docx.shared import Cm, Mm, Pt, RGBColor
from lxml.etree import SubElement

from mpanalysis.fileio import write_bytes_atomic
from mpanalysis.guide.document import (
    BulletList,
    Callout,
    Chapter,
    Figure,
    Guide,
    KeyMessage,
    Paragraph,
    Section,
    Signature,
    Table,
    number_guide,
    resolve_refs,
    unprotect_text,
)
from mpanalysis.render import common
from mpanalysis.render.static import DOCX_PNG_SCALE, build_static_figures

NAVY = "17365D"
TEAL = "0B6E75"
INK = "1F2933"
MUTED = "52606D"
DRAFT_RED = "B3132B"
SYNTHETIC_BROWN = "7A4B00"
FONT = "Arial"  # Liberation Sans has the same metrics where Arial is missing (LibreOffice)
MONO_FONT = "Courier New"
FIGURE_WIDTH = Cm(15.5)  # 12 px labels of a 720 px drawing at about 7.5 pt
FIGURE_MAX_HEIGHT = Cm(21)
TEXT_WIDTH = Mm(170)
_TEXT_WIDTH_TWIPS = int(TEXT_WIDTH.twips)
TABLE_STYLE = "Guide Table"

_CALLOUT_COLOURS = {"info": (NAVY, "F1F4F8"), "finding": (TEAL, "E9F4F4"), "warning": ("B35C00", "FFF4E5")}

_TABLE_STYLE_XML = f"""
<w:style {nsdecls('w')} w:type="table" w:customStyle="1" w:styleId="GuideTable">
  <w:name w:val="{TABLE_STYLE}"/>
  <w:basedOn w:val="TableNormal"/>
  <w:uiPriority w:val="59"/>
  <w:qFormat/>
  <w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>
  <w:rPr><w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr>
  <w:tblPr>
    <w:tblStyleRowBandSize w:val="1"/>
    <w:tblBorders>
      <w:top w:val="single" w:sz="8" w:space="0" w:color="{NAVY}"/>
      <w:bottom w:val="single" w:sz="8" w:space="0" w:color="{NAVY}"/>
      <w:insideH w:val="single" w:sz="4" w:space="0" w:color="C9D2DC"/>
    </w:tblBorders>
    <w:tblCellMar>
      <w:top w:w="45" w:type="dxa"/><w:left w:w="100" w:type="dxa"/>
      <w:bottom w:w="45" w:type="dxa"/><w:right w:w="100" w:type="dxa"/>
    </w:tblCellMar>
  </w:tblPr>
  <w:tblStylePr w:type="firstRow">
    <w:rPr><w:b/><w:color w:val="FFFFFF"/></w:rPr>
    <w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{NAVY}"/></w:tcPr>
  </w:tblStylePr>
  <w:tblStylePr w:type="band2Horz">
    <w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="F3F6F9"/></w:tcPr>
  </w:tblStylePr>
</w:style>
"""


# --------------------------------------------------------------------------------------------
# Low-level helpers (python-docx has no API for these)


def _set_run_font(owner, name: str | None = None, size_pt: float | None = None,
                  colour: str | None = None, bold: bool | None = None,
                  italic: bool | None = None) -> None:
    """Set font properties of a style or a run, dropping the theme fonts and colours of
    python-docx's template, which would otherwise win over the explicit ones."""
    element = owner.element if hasattr(owner, "element") else owner._element
    rpr = element.get_or_add_rPr()
    if name:
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.insert(0, fonts)
        for attr in [a for a in fonts.attrib if a.lower().endswith("theme")]:
            del fonts.attrib[attr]
        for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attr), name)
    font = owner.font
    if size_pt is not None:
        font.size = Pt(size_pt)
    if colour is not None:
        font.color.rgb = RGBColor.from_string(colour)
        for attr in ("w:themeColor", "w:themeShade", "w:themeTint"):
            rpr.find(qn("w:color")).attrib.pop(qn(attr), None)
    if bold is not None:
        font.bold = bold
    if italic is not None:
        font.italic = italic


def _add_field(paragraph, instruction: str, placeholder: str = "1") -> None:
    """Append a Word field (PAGE, NUMPAGES…) whose stored result is ``placeholder``."""
    for run in _make_field_runs(instruction, placeholder):
        paragraph._p.append(run)


@cache
def _make_shading(fill: str, border: str) -> tuple:
    """The borders and shading of a shaded paragraph (see :func:`_shade_paragraph`), parsed once."""
    borders = parse_xml(
        f'<w:pBdr {nsdecls("w")}>'
        f'<w:top w:val="single" w:sz="4" w:space="4" w:color="{fill}"/>'
        f'<w:left w:val="single" w:sz="36" w:space="8" w:color="{border}"/>'
        f'<w:bottom w:val="single" w:sz="4" w:space="4" w:color="{fill}"/>'
        f'<w:right w:val="single" w:sz="4" w:space="8" w:color="{fill}"/>'
        '</w:pBdr>')
    shading = parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>')
    return borders, shading


def _shade_paragraph(p, fill: str, border: str) -> None:
    """Shade a paragraph (``w:p``) with a thick left rule; top and bottom borders in the fill
    colour act as padding (Word merges them across consecutive paragraphs with the same borders)."""
    ppr = p.get_or_add_pPr()
    for element in _make_shading(fill, border):
        ppr.append(copy.deepcopy(element))


# --------------------------------------------------------------------------------------------
# Word XML written directly
#
# python-docx's objects find their place with XPath and schema-ordered searches at every call
# (``doc.add_paragraph``, ``paragraph.add_run``, ``paragraph.style = …``, ``table.rows[i].cells``),
# some 20 µs a paragraph, run or cell: most of a guide's DOCX time. The guide's body is written
# as lxml elements instead, each element's children in the order of Word's schema — the XML
# python-docx writes for the same calls, several times faster.

_W = {name: qn(f"w:{name}") for name in (
    "p", "pPr", "pStyle", "keepNext", "pageBreakBefore", "jc", "r", "rPr", "rFonts", "b", "i", "color",
    "sz", "t", "tab", "br", "tbl", "tblPr", "tblStyle", "tblW", "tblLayout", "tblLook", "tblGrid",
    "gridCol", "tr", "trPr", "tblHeader", "cantSplit", "tc", "tcPr", "tcW", "val", "type", "w",
    "ascii", "hAnsi", "cs", "eastAsia")}
_XML_SPACE = qn("xml:space")
#: What a run's text turns into other than ``w:t`` (python-docx's ``run.text``): tab, line break.
_RUN_CONTROLS = re.compile(r"([\t\r\n])")
#: The ``w:tblLook`` python-docx gives a new table (first row and column, horizontal bands).
_TABLE_LOOK = {qn(f"w:{name}"): value for name, value in [
    ("firstColumn", "1"), ("firstRow", "1"), ("lastColumn", "0"), ("lastRow", "0"), ("noHBand", "0"),
    ("noVBand", "1"), ("val", "04A0")]}


def _set_paragraph_properties(p, style_id: str | None = None, *, keep_with_next: bool | None = None,
                              page_break_before: bool | None = None, align: str | None = None) -> None:
    """Give a new, empty paragraph (``w:p``) its style and formatting; ``None`` leaves a property
    to the style."""
    if style_id is None and keep_with_next is None and page_break_before is None and align is None:
        return
    ppr = SubElement(p, _W["pPr"])
    if style_id is not None:
        SubElement(ppr, _W["pStyle"], {_W["val"]: style_id})
    for tag, value in (("keepNext", keep_with_next), ("pageBreakBefore", page_break_before)):
        if value is not None:
            SubElement(ppr, _W[tag], {} if value else {_W["val"]: "0"})
    if align is not None:
        SubElement(ppr, _W["jc"], {_W["val"]: align})


def _append_run(parent, text: str, *, has_properties: bool = False, bold: bool = False,
                italic: bool = False, colour: str | None = None, size_pt: float | None = None,
                font: str | None = None):
    """Append a run (``w:r``) holding ``text`` to a paragraph or link and return it.

    A tab becomes a ``w:tab``, a line break a ``w:br`` (as python-docx's ``run.text``). The run has
    run properties (``w:rPr``) when it sets a font, or when ``has_properties`` (python-docx leaves
    an empty one after ``run.bold = None``).
    """
    run = SubElement(parent, _W["r"])
    if has_properties or bold or italic or colour or size_pt or font:
        rpr = SubElement(run, _W["rPr"])
        if font:
            SubElement(rpr, _W["rFonts"], {_W[attr]: font for attr in ("ascii", "hAnsi", "cs", "eastAsia")})
        if bold:
            SubElement(rpr, _W["b"])
        if italic:
            SubElement(rpr, _W["i"])
        if colour:
            SubElement(rpr, _W["color"], {_W["val"]: colour})
        if size_pt:
            SubElement(rpr, _W["sz"], {_W["val"]: str(round(size_pt * 2))})
    for piece in _RUN_CONTROLS.split(text) if text else ():
        if piece == "\t":
            SubElement(run, _W["tab"])
        elif piece in ("\r", "\n"):
            SubElement(run, _W["br"])
        elif piece:
            element = SubElement(run, _W["t"])
            element.text = piece
            if len(piece.strip()) < len(piece):  # Word would drop the spaces at either end
                element.set(_XML_SPACE, "preserve")
    return run


def _append_lines(p, text: str, **font) -> None:
    """Append ``text`` as one run a line, each line but the last ended by a line break."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        run = _append_run(p, line, has_properties=True, **font)
        if index < len(lines) - 1:
            SubElement(run, _W["br"])


def _append_row(tbl, *, is_header: bool = False, can_split: bool = False):
    """Append a table row (``w:tr``): a header row repeats on every page a table spans; neither
    it nor (unless ``can_split``) a body row breaks across pages."""
    tr = SubElement(tbl, _W["tr"])
    if is_header or not can_split:
        tr_pr = SubElement(tr, _W["trPr"])
        if is_header:
            SubElement(tr_pr, _W["tblHeader"], {_W["val"]: "true"})
        SubElement(tr_pr, _W["cantSplit"])
    return tr


def _get_style_id(doc, name: str) -> str:
    """Return the id of the style called ``name`` in a guide's document.

    python-docx's ``styles[name]`` reads the template's few hundred styles at every call; every
    guide's document has the same styles (:func:`_make_styled_template`), so each name is looked
    up once per process.
    """
    if name not in _STYLE_IDS:
        _STYLE_IDS[name] = doc.styles[name].style_id
    return _STYLE_IDS[name]


_STYLE_IDS: dict[str, str] = {}


# --------------------------------------------------------------------------------------------
# Styles, page set-up, header and footer


def _set_up_styles(doc, lang_tag: str) -> None:
    styles = doc.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), lang_tag)
    lang.set(qn("w:eastAsia"), lang_tag)
    lang.set(qn("w:bidi"), lang_tag)
    for old in rpr_default.findall(qn("w:lang")):
        rpr_default.remove(old)
    rpr_default.append(lang)

    normal = styles["Normal"]
    _set_run_font(normal, FONT, 10.5, INK)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15

    for name, size, colour, before, after in [("Heading 1", 20, NAVY, 0, 10),
                                              ("Heading 2", 14, NAVY, 12, 6),
                                              ("Heading 3", 12, TEAL, 12, 4),
                                              ("Heading 4", 11, INK, 10, 4),
                                              ("Heading 5", 10.5, INK, 8, 2)]:
        style = styles[name]
        _set_run_font(style, FONT, size, colour, bold=True, italic=False)
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(after)
    styles["Heading 1"].paragraph_format.page_break_before = True

    title = styles["Title"]
    _set_run_font(title, FONT, 24, NAVY, bold=False)
    title.paragraph_format.space_after = Pt(6)
    subtitle = styles["Subtitle"]
    _set_run_font(subtitle, FONT, 13, MUTED, italic=False)
    caption = styles["Caption"]
    _set_run_font(caption, FONT, 9, INK, bold=False, italic=False)
    caption.paragraph_format.space_before = Pt(4)
    caption.paragraph_format.space_after = Pt(10)
    caption.paragraph_format.keep_with_next = True
    for name in ("Header", "Footer"):
        tabs = styles[name].paragraph_format.tab_stops
        tabs.clear_all()
        tabs.add_tab_stop(TEXT_WIDTH // 2, WD_TAB_ALIGNMENT.CENTER)
        tabs.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    for name in ("Title", "Subtitle"):
        # the template's letter-spacing and theme-coloured rule look dated
        rpr = styles[name].element.get_or_add_rPr()
        for spacing in rpr.findall(qn("w:spacing")):
            rpr.remove(spacing)
    rule = styles["Title"].element.find(f"{qn('w:pPr')}/{qn('w:pBdr')}/{qn('w:bottom')}")
    if rule is not None:
        rule.set(qn("w:color"), NAVY)
        rule.attrib.pop(qn("w:themeColor"), None)
    toc_heading = styles["TOC Heading"]
    toc_heading.paragraph_format.page_break_before = True

    def add_paragraph_style(name: str, size: float, colour: str, *, bold=False, after=6.0,
                            before=0.0):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        _set_run_font(style, FONT, size, colour, bold=bold)
        style.paragraph_format.space_after = Pt(after)
        style.paragraph_format.space_before = Pt(before)
        style.quick_style = True
        return style

    add_paragraph_style("Chapter Intro", 11, MUTED, after=8)
    add_paragraph_style("Callout", 10, INK, after=0, before=0)
    add_paragraph_style("Table Text", 9, INK, after=0)
    add_paragraph_style("Block Note", 8.5, MUTED, after=10)
    add_paragraph_style("Cover Kind", 10, TEAL, bold=True, after=18, before=60)
    add_paragraph_style("Cover Country", 32, NAVY, bold=True, after=6)
    add_paragraph_style("Cover Notice", 9.5, INK, after=8)
    add_paragraph_style("Key Headline", 18, TEAL, bold=True, before=10, after=0).paragraph_format.keep_with_next = True
    add_paragraph_style("Key Text", 10.5, INK, after=4).paragraph_format.left_indent = Cm(0.4)
    add_paragraph_style("Signature", 10.5, INK, before=18, after=0).paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    add_paragraph_style("TOC 1", 11, NAVY, bold=True, before=6, after=2)
    add_paragraph_style("TOC 2", 10, INK, after=1).paragraph_format.left_indent = Cm(0.8)
    for name in ("TOC 1", "TOC 2"):  # the page number flush right, dots leading to it
        styles[name].paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT,
                                                             WD_TAB_LEADER.DOTS)
    styles["Cover Kind"].font.all_caps = True
    styles["Block Note"].paragraph_format.keep_with_next = False
    styles.element.append(parse_xml(_TABLE_STYLE_XML))


def _set_up_page(doc, guide: Guide, texts: dict[str, str]) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin, section.bottom_margin = Mm(24), Mm(22)
    section.header_distance = section.footer_distance = Mm(10)

    header = section.header.paragraphs[0]
    header._p.style = _get_style_id(doc, "Header")
    left = header.add_run(common.get_running_header(guide, texts))
    _set_run_font(left, None, 8, MUTED)
    header.add_run("\t")
    if guide.is_draft:
        mark = header.add_run(texts["draft_mark"])
        _set_run_font(mark, None, 10, DRAFT_RED, bold=True)
    header.add_run("\t")
    right = header.add_run(guide.kind_label or texts["guide_kind"])
    _set_run_font(right, None, 8, MUTED)

    footer = section.footer.paragraphs[0]
    footer._p.style = _get_style_id(doc, "Footer")
    if guide.is_synthetic:
        mark = footer.add_run(texts["synthetic_mark"])
        _set_run_font(mark, None, 8, SYNTHETIC_BROWN, bold=True)
    footer.add_run("\t\t")
    for piece in re.split(r"(\{pages?\})", texts["page_of"]):
        if piece == "{page}":
            _add_field(footer, "PAGE")
        elif piece == "{pages}":
            _add_field(footer, "NUMPAGES")
        elif piece:
            footer.add_run(piece)
    for run in footer.runs:
        if run.font.size is None:
            _set_run_font(run, None, 8, MUTED)


# --------------------------------------------------------------------------------------------
# Content


class _GuideWriter:
    """Writes a guide's cover, contents, chapters and provenance into a python-docx document, as
    lxml elements (see "Word XML written directly" above)."""

    def __init__(self, doc, guide: Guide, texts: dict[str, str], bookmarks: dict[str, str],
                 figure_pngs: dict[int, bytes]) -> None:
        self.doc, self.guide, self.texts, self.bookmarks = doc, guide, texts, bookmarks
        self.numbering = number_guide(guide)
        self._figure_pngs = figure_pngs  # by id() of the guide's Figure blocks
        self._bookmark_ids = {anchor: index for index, anchor in enumerate(bookmarks)}
        self._end = doc.element.body.sectPr  # the body's last child: every block goes before it
        self._typeset: dict[str, str] = {}
        self._images: dict[bytes, tuple] = {}  # (relationship id, docx Image) of each PNG added
        self._next_shape_id = 0  # known at the first picture

    # -- building blocks

    def typeset(self, text: str) -> str:
        """Return ``text`` in the guide language's typography; table cells repeat the same few
        texts ("0", a year, a status), each is typeset once."""
        if text not in self._typeset:
            self._typeset[text] = common.typeset(text, self.numbering.lang)
        return self._typeset[text]

    def add_block_element(self, tag: str):
        """Append an empty paragraph or table (``tag``) to the body and return it."""
        element = self._end.makeelement(_W[tag], {})
        self._end.addprevious(element)
        return element

    def add_paragraph(self, style: str | None = None, text: str = "", **properties):
        """Append a paragraph in the style called ``style`` (see :func:`_set_paragraph_properties`
        for ``properties``), holding ``text`` as it is."""
        p = self.add_block_element("p")
        _set_paragraph_properties(p, style and _get_style_id(self.doc, style), **properties)
        if text:
            _append_run(p, text)
        return p

    def add_text(self, p, text: str, *, bold: bool = False, cites: bool = True, **font):
        """Add text to a paragraph as literal Word runs: its references resolved (unless it never
        ``cites``: a table cell), typeset, its line breaks kept and respondents' quotations in
        italics between the guide's quotation marks, with their language."""
        shown = resolve_refs(text, self.numbering) if cites else text
        for part in common.split_display(self.typeset(shown)):
            if isinstance(part, str):
                _append_lines(p, part, bold=bold, **font)
            elif part.kind == "quote":
                quoted, note = common.quotation_text(part, self.numbering.lang)
                _append_lines(p, quoted, bold=bold, italic=True, **font)
                if note:
                    _append_lines(p, f" {note}", bold=bold, **font)
            else:
                _append_lines(p, part.text, bold=bold, **font)
        return p

    def bookmark(self, p, anchor: str) -> None:
        """Put the bookmark of ``anchor`` around the whole of a heading paragraph's text."""
        number = str(self._bookmark_ids[anchor])
        start = p.makeelement(qn("w:bookmarkStart"), {qn("w:id"): number, qn("w:name"): self.bookmarks[anchor]})
        ppr = p.find(_W["pPr"])
        if ppr is not None:
            ppr.addnext(start)
        else:
            p.insert(0, start)
        SubElement(p, qn("w:bookmarkEnd"), {qn("w:id"): number})

    def add_table_element(self, widths: list[int]):
        """Append an empty table in the guide's table style, its columns ``widths`` twips wide,
        as wide as their sum; Word and LibreOffice may fit the columns further (autofit)."""
        tbl = self.add_block_element("tbl")
        tbl_pr = SubElement(tbl, _W["tblPr"])
        SubElement(tbl_pr, _W["tblStyle"], {_W["val"]: _get_style_id(self.doc, TABLE_STYLE)})
        SubElement(tbl_pr, _W["tblW"], {_W["type"]: "dxa", _W["w"]: str(sum(widths))})
        SubElement(tbl_pr, _W["tblLayout"], {_W["type"]: "autofit"})
        SubElement(tbl_pr, _W["tblLook"], _TABLE_LOOK)
        grid = SubElement(tbl, _W["tblGrid"])
        for width in widths:
            SubElement(grid, _W["gridCol"], {_W["w"]: str(width)})
        return tbl

    def add_cell(self, tr, width: int, align: str | None = None):
        """Append a cell ``width`` twips wide to a row; return its paragraph, in "Table Text"."""
        tc = SubElement(tr, _W["tc"])
        SubElement(SubElement(tc, _W["tcPr"]), _W["tcW"], {_W["type"]: "dxa", _W["w"]: str(width)})
        p = SubElement(tc, _W["p"])
        _set_paragraph_properties(p, _get_style_id(self.doc, "Table Text"), align=align)
        return p

    def add_picture(self, p, png: bytes, **size):
        """Append a run showing the PNG image ``png`` at ``size`` (``width`` or ``height``) to a
        paragraph; return its ``wp:inline``.

        What python-docx's ``run.add_picture`` writes, without its costs that grow with the guide:
        it looks for an identical image by hashing every image already added, and for the next
        shape id by searching the whole document.
        """
        if png not in self._images:  # a drawing shown twice is stored once
            image = Image.from_blob(png)
            part = self.doc.part.package.image_parts._add_image_part(image)
            self._images[png] = (self.doc.part.relate_to(part, RT.IMAGE), image)
        rid, image = self._images[png]
        self._next_shape_id = self._next_shape_id or self.doc.part.next_id
        cx, cy = image.scaled_dimensions(**size)
        inline = CT_Inline.new_pic_inline(self._next_shape_id, rid, image.filename, cx, cy)
        self._next_shape_id += 1
        SubElement(p, _W["r"]).add_drawing(inline)
        return inline

    # -- the guide

    def add_cover(self) -> None:
        guide, texts, lang = self.guide, self.texts, self.guide.lang
        self.add_paragraph("Cover Kind", guide.kind_label or texts["guide_kind"])
        self.add_paragraph("Cover Country", common.typeset(guide.country_name, lang))
        self.add_paragraph("Title", common.typeset(guide.title, lang))
        if guide.subtitle:
            self.add_paragraph("Subtitle", common.typeset(guide.subtitle, lang))
        items = common.build_cover_items(guide, texts)
        table = self.doc.add_table(rows=len(items), cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        for row, (label, value) in zip(table.rows, items):
            row.cells[0].width, row.cells[1].width = Cm(5), Cm(11)
            label_par = row.cells[0].paragraphs[0]
            _set_run_font(label_par.add_run(label), None, 10, MUTED)
            value_par = row.cells[1].paragraphs[0]
            value_par.add_run(value).bold = True
        self.add_paragraph()
        for kind, notice in common.build_notices(guide, texts):
            paragraph = self.add_paragraph("Cover Notice", notice)
            colour = {"draft": DRAFT_RED, "synthetic": "D08A00"}.get(kind, NAVY)
            fill = {"synthetic": "FFF1D6"}.get(kind, "F3F6F9")
            _shade_paragraph(paragraph, fill, colour)

    def add_toc(self) -> None:
        """The table of contents: one line per chapter and first-level section, each a link to its
        heading with a ``PAGEREF`` field giving the heading's page.

        LibreOffice computes ``PAGEREF`` fields when it lays the document out (a PDF converted from
        the DOCX has its page numbers) but keeps a Word ``TOC`` field's stored text as it is, so the
        lines are written out here rather than left to a ``TOC`` field. Word updates the page numbers
        when it opens the document (``w:updateFields``) or on F9.
        """
        texts, bookmarks = self.texts, self.bookmarks
        self.add_paragraph("TOC Heading", texts["toc"])
        entries = common.build_outline(self.guide, texts) + [common.TocEntry(1, texts["provenance"], "provenance")]
        for entry in entries:
            paragraph = self.add_paragraph(f"TOC {entry.level}")
            link = OxmlElement("w:hyperlink")
            link.set(qn("w:anchor"), bookmarks[entry.anchor])
            link.set(qn("w:history"), "1")
            paragraph.append(link)
            heading = common.typeset(unprotect_text(entry.heading), self.guide.lang)
            link.append(_make_run(heading))
            link.append(_make_run("\t"))
            for run in _make_field_runs(f"PAGEREF {bookmarks[entry.anchor]} \\h", "–"):
                link.append(run)
        self.add_paragraph("Block Note", texts["toc_update_hint"])
        settings = self.doc.settings.element
        if settings.find(qn("w:updateFields")) is None:
            update = OxmlElement("w:updateFields")
            update.set(qn("w:val"), "true")
            settings.append(update)

    def add_chapter(self, chapter: Chapter, is_annex: bool) -> None:
        heading = common.chapter_heading(chapter, self.texts, is_annex)
        # a part printed straight after the previous one does not start a page
        paragraph = self.add_paragraph("Heading 1", page_break_before=None if chapter.starts_page else False)
        self.add_text(paragraph, heading)
        anchor = common.chapter_anchor(chapter, is_annex)
        self.bookmark(paragraph, anchor)
        if chapter.intro:
            self.add_text(self.add_paragraph("Chapter Intro"), chapter.intro)
        for block in chapter.blocks:
            self.add_block(block)
        for section, section_anchor in common.iter_sections(chapter.sections, anchor):
            self.add_section(section, section_anchor, 1)

    def add_section(self, section: Section, anchor: str, depth: int) -> None:
        paragraph = self.add_text(self.add_paragraph(f"Heading {min(depth + 1, 5)}"), section.title)
        if anchor in self.bookmarks:
            self.bookmark(paragraph, anchor)
        for block in section.blocks:
            self.add_block(block)
        for child, child_anchor in common.iter_sections(section.sections, anchor):
            self.add_section(child, child_anchor, depth + 1)

    def add_block(self, block) -> None:
        if isinstance(block, Paragraph):
            self.add_text(self.add_paragraph(), block.text)
        elif isinstance(block, BulletList):
            for item in block.items:
                self.add_text(self.add_paragraph("List Bullet"), item)
        elif isinstance(block, Callout):
            border, fill = _CALLOUT_COLOURS[block.kind]
            parts = [(self.texts[f"callout_{block.kind}"].upper(), True, {"size_pt": 8, "colour": border})]
            if block.title:
                parts.append((block.title, True, {}))
            parts.append((block.text, False, {}))
            for index, (text, bold, font) in enumerate(parts):
                paragraph = self.add_paragraph("Callout", keep_with_next=index < len(parts) - 1)
                self.add_text(paragraph, text, bold=bold, **font)
                _shade_paragraph(paragraph, fill, border)
            self.add_paragraph("Block Note")
        elif isinstance(block, KeyMessage):
            self.add_text(self.add_paragraph("Key Headline"), block.headline)
            self.add_text(self.add_paragraph("Key Text"), block.text)
        elif isinstance(block, Signature):
            self.add_text(self.add_paragraph("Signature"), "\n".join(block.lines))
        elif isinstance(block, Table):
            self.add_table(block)
        elif isinstance(block, Figure):
            self.add_figure(block)

    def add_caption(self, label: str, caption: str, *, keep_with_next: bool) -> None:
        paragraph = self.add_paragraph("Caption", keep_with_next=keep_with_next)
        _append_run(paragraph, label, bold=True, colour=NAVY)
        _append_run(paragraph, self.texts["figure_label_sep"])
        self.add_text(paragraph, caption)

    def add_notes(self, notes: list[str]) -> None:
        for note in notes:
            self.add_text(self.add_paragraph("Block Note"), note)

    def add_table(self, table: Table) -> None:
        self.add_caption(self.numbering.labels[table.id], table.caption, keep_with_next=True)
        cells = [[common.format_cell(value, self.texts) for value in row] for row in table.rows]
        widths = compute_column_widths([[name, *(row[i] for row in cells)] for i, name in enumerate(table.columns)],
                                       _TEXT_WIDTH_TWIPS)
        aligns = ["right" if common.is_numeric_column(table, i) else None for i in range(len(table.columns))]
        tbl = self.add_table_element(widths)
        header = _append_row(tbl, is_header=True)
        for name, width, align in zip(table.columns, widths, aligns):
            # white set on the runs: the paragraph style's ink colour would beat the table style's
            self.add_text(self.add_cell(header, width, align), name, bold=True, colour="FFFFFF")
        for row in cells:
            tr = _append_row(tbl)
            for value, width, align in zip(row, widths, aligns):
                self.add_text(self.add_cell(tr, width, align), value, cites=False)
        self.add_notes(table.notes)
        if not table.notes:
            self.add_paragraph("Block Note")

    def add_figure(self, figure: Figure) -> None:
        png = self._figure_pngs[id(figure)]
        paragraph = self.add_paragraph(keep_with_next=True, align="center")
        # the text width, or less for a drawing taller than a page leaves room for with its caption
        width_px, height_px = _png_size(png)
        if height_px * FIGURE_WIDTH > FIGURE_MAX_HEIGHT * width_px:
            inline = self.add_picture(paragraph, png, height=FIGURE_MAX_HEIGHT)
        else:
            inline = self.add_picture(paragraph, png, width=FIGURE_WIDTH)
        doc_pr = inline.docPr
        doc_pr.set("descr", resolve_refs(figure.print_alt, self.numbering))
        doc_pr.set("title", self.numbering.labels[figure.id])
        self.add_caption(self.numbering.labels[figure.id], figure.caption, keep_with_next=bool(figure.notes))
        self.add_notes(figure.notes)

    def add_provenance(self) -> None:
        texts = self.texts
        self.bookmark(self.add_paragraph("Heading 1", texts["provenance"]), "provenance")
        self.add_paragraph(text=texts["provenance_intro"])
        rows = common.flatten_provenance(self.guide.provenance, texts)
        header = (texts["provenance_key"], texts["provenance_value"])
        widths = compute_column_widths([[header[0], *(label for label, _ in rows)],
                                        [header[1], *(value for _, value in rows)]], _TEXT_WIDTH_TWIPS)
        tbl = self.add_table_element(widths)
        tr = _append_row(tbl, is_header=True)
        for text, width in zip(header, widths):
            _append_run(self.add_cell(tr, width), text, bold=True, colour="FFFFFF")
        for label, value in rows:
            tr = _append_row(tbl, can_split=True)
            _append_run(self.add_cell(tr, widths[0]), label)
            _append_run(self.add_cell(tr, widths[1]), value, font=MONO_FONT, size_pt=8)


def build_toc_bookmarks(guide: Guide, texts: dict[str, str]) -> dict[str, str]:
    """Return the Word bookmark set on each heading the table of contents lists, by anchor.

    Names start with "_Toc" as Word's own: hidden from the bookmark list, kept by LibreOffice.

    >>> from mpanalysis.guide.document import Chapter, Section
    >>> g = Guide(country="SEN", country_name="Sénégal", lang="fr", title="G", date="2025-01-31",
    ...           chapters=[Chapter(number="I", key="a", title="A", sections=[Section(title="S")])])
    >>> build_toc_bookmarks(g, {"annex": "Annexe"})
    {'ch-a': '_Toc0001', 'ch-a-1': '_Toc0002', 'provenance': '_Toc0003'}
    """
    anchors = [entry.anchor for entry in common.build_outline(guide, texts)] + ["provenance"]
    return {anchor: f"_Toc{index:04d}" for index, anchor in enumerate(anchors, start=1)}


def _make_run(text: str):
    """A bare ``w:r`` holding ``text`` (a tab stays a tab)."""
    run = OxmlElement("w:r")
    if text == "\t":
        run.append(OxmlElement("w:tab"))
        return run
    element = OxmlElement("w:t")
    element.set(qn("xml:space"), "preserve")
    element.text = text
    run.append(element)
    return run


def _make_field_runs(instruction: str, placeholder: str) -> list:
    """The runs of a Word field: begin, instruction, separate, ``placeholder`` (its stored
    result until the field is computed), end."""
    runs = []
    for kind in ("begin", "instr", "separate", "result", "end"):
        if kind == "result":
            runs.append(_make_run(placeholder))
            continue
        run = OxmlElement("w:r")
        if kind == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {instruction} "
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        run.append(element)
        runs.append(run)
    return runs


#: Advance widths of Arial / Liberation Sans (metric-compatible) in thousandths of an em, regular
#: and bold, for the characters of table text; accented letters take their base letter's width.
_ARIAL_CHARACTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:-()/%'’«»–@+&_?!"
_ARIAL_WIDTHS = {
    weight: dict(zip(_ARIAL_CHARACTERS, lower + upper + [556] * 10 + punctuation))
    for weight, lower, upper, punctuation in [
        ("regular",
         [556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500,
          278, 556, 500, 722, 500, 500, 500],
         [667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667,
          611, 722, 667, 944, 667, 667, 611],
         [278, 278, 278, 278, 278, 333, 333, 333, 278, 889, 191, 222, 556, 556, 556, 1015, 584, 667, 556,
          556, 278]),
        ("bold",
         [556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556,
          333, 611, 556, 778, 556, 556, 500],
         [722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667,
          611, 722, 667, 944, 667, 667, 611],
         [278, 278, 278, 333, 333, 333, 333, 333, 278, 889, 238, 278, 556, 556, 556, 975, 584, 722, 556,
          611, 333]),
    ]
}
#: No column narrower than this (1.5 cm), and the cell padding of the table style.
MIN_COLUMN_TWIPS = 851
_CELL_PADDING_TWIPS = 2 * 100
_TABLE_FONT_PT = 9.0


def measure_text_twips(text: str, size_pt: float = _TABLE_FONT_PT, bold: bool = False) -> int:
    """Return the width of one line of ``text`` in Arial at ``size_pt`` points, in twips.

    >>> measure_text_twips("2011") == 4 * 556 * 9 * 20 // 1000
    True
    >>> measure_text_twips("Mise", bold=True) > measure_text_twips("Mise")
    True
    """
    return _measure_text_ems(text, bold) * round(size_pt * 20) // 1000


@lru_cache(maxsize=65536)
def _measure_text_ems(text: str, bold: bool) -> int:
    """The advance width of ``text`` in thousandths of an em (a table's words recur: each is
    measured once)."""
    widths = _ARIAL_WIDTHS["bold" if bold else "regular"]
    total = 0
    for char in text:
        base = unicodedata.normalize("NFD", char)[0] if char not in widths else char
        total += widths.get(base, 611 if base.isupper() else 556)
    return total


def compute_column_widths(columns: list[list[str]], total_twips: int,
                          min_twips: int = MIN_COLUMN_TWIPS) -> list[int]:
    """Return each column's width in twips for a table of text width ``total_twips``.

    ``columns`` holds each column's texts, its header first (set in bold). A column is never
    narrower than ``min_twips`` (1.5 cm) nor than its longest word, so no word — a header's
    "jour", a year — breaks letter by letter; a number is one word. What is left of the width
    goes to the columns whose texts are long (sentences share it, capped, so that one long cell
    does not starve the others).

    >>> widths = compute_column_widths([["Mise à jour", "2011"], ["Source", "Registre des entrées et sorties"]], 9638)
    >>> sum(widths) == 9638 and min(widths) >= MIN_COLUMN_TWIPS, widths[0] < widths[1]
    (True, True)
    >>> compute_column_widths([["N", "1"]] * 3, 9638)
    [3212, 3212, 3214]
    >>> long = "https://www.example.org/statistiques/migrations/tableau-de-bord-national"
    >>> widths = compute_column_widths([["Périodicité", "annuelle"]] + [["Source", long]] * 4, 9638)
    >>> widths[0] >= measure_text_twips("Périodicité", bold=True) + 200, sum(widths) <= 9638
    (True, True)
    """
    minimums, desires = [], []
    for texts in columns:
        header, cells = str(texts[0]), [str(t) for t in texts[1:]]
        words = [measure_text_twips(word, bold=True) for word in header.split()]
        words += [measure_text_twips(word) for cell in cells for line in cell.split("\n") for word in line.split()]
        # a little slack: Word's and LibreOffice's glyph placement is not ours to the twip
        longest_word = max(words, default=0) + _CELL_PADDING_TWIPS + 100
        lines = [measure_text_twips(line) for cell in cells for line in cell.split("\n")]
        longest_line = max(lines + [measure_text_twips(header, bold=True) // 2], default=0) + _CELL_PADDING_TWIPS
        minimum = max(min_twips, longest_word)
        minimums.append(minimum)
        # a sentence of about 45 characters is as wide as a column needs to read well
        desires.append(max(minimum, min(longest_line, measure_text_twips("x" * 45) + _CELL_PADDING_TWIPS)))
    if sum(minimums) >= total_twips:
        # Not every longest word fits (a pasted web address, a very long name): only the columns
        # holding the longest words give way, down to the same width, so that the short words —
        # headers, years — stay whole.
        cap = max(minimums)
        while cap > min_twips and sum(min(m, cap) for m in minimums) > total_twips:
            cap -= 10
        widths = [min(m, cap) for m in minimums]
    elif sum(desires) <= total_twips:
        # everything fits on one line: the rest of the width in proportion to what each holds
        spare = total_twips - sum(desires)
        widths = [d + spare * d // sum(desires) for d in desires]
    else:
        spare = total_twips - sum(minimums)
        extra = [d - m for d, m in zip(desires, minimums)]
        widths = [m + spare * e // sum(extra) for m, e in zip(minimums, extra)]
    widths[-1] += max(0, total_twips - sum(widths))  # what integer division left over
    return widths


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels of a PNG image, from its header."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def build_docx(guide: Guide) -> bytes:
    """Return the guide as DOCX bytes."""
    texts = common.load_texts(guide.lang)
    # every figure drawn in one call to the browser
    figures = common.list_figures(guide)
    pngs = build_static_figures(figures, "png", guide.lang, scale=DOCX_PNG_SCALE)
    doc = Document(io.BytesIO(_make_styled_template(texts["locale"].replace("_", "-"))))
    _set_up_page(doc, guide, texts)
    properties = doc.core_properties
    properties.title = f"{guide.title} – {guide.country_name}"
    properties.subject = (guide.kind_label or texts["guide_kind"])
    properties.author = "mpanalysis"
    properties.language = texts["locale"].replace("_", "-")
    properties.keywords = f"{guide.country}; {guide.edition}; {guide.length}"
    properties.version = guide.version
    # python-docx's template starts with an empty paragraph: remove it so the cover starts at top.
    body = doc.element.body
    for paragraph in list(body.iterchildren(qn("w:p"))):
        body.remove(paragraph)

    writer = _GuideWriter(doc, guide, texts, build_toc_bookmarks(guide, texts),
                          {id(figure): png for figure, png in zip(figures, pngs)})
    writer.add_cover()
    if guide.length == "full":  # a brief of a few pages needs no table of contents
        writer.add_toc()
    for chapter, is_annex in common.iter_parts(guide):
        writer.add_chapter(chapter, is_annex)
    writer.add_provenance()
    return _save_package(doc)


@cache
def _make_styled_template(lang_tag: str) -> bytes:
    """Return python-docx's blank document with the guide's styles, text in ``lang_tag``: each
    guide opens a copy (reading the styles costs a third of setting them up)."""
    doc = Document()
    _set_up_styles(doc, lang_tag)
    return _save_package(doc)


class _ZipPartWriter:
    """Writes the parts python-docx's :class:`PackageWriter` hands it to a zip archive, PNG images
    stored as they are: they are compressed already, and deflating them again cost more CPU than
    the rest of the save for a tenth of their size."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self._archive = archive

    def write(self, pack_uri, blob: bytes) -> None:
        method = zipfile.ZIP_STORED if pack_uri.ext.lower() == "png" else zipfile.ZIP_DEFLATED
        self._archive.writestr(pack_uri.membername, blob, compress_type=method)


def _save_package(doc) -> bytes:
    """Return the document as DOCX bytes: python-docx's ``doc.save`` (content types, relationships,
    parts, in its order) but for the compression of the images (:class:`_ZipPartWriter`)."""
    package = doc.part.package
    parts = list(package.iter_parts())
    for part in parts:
        part.before_marshal()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        writer = _ZipPartWriter(archive)
        PackageWriter._write_content_types_stream(writer, parts)
        PackageWriter._write_pkg_rels(writer, package.rels)
        PackageWriter._write_parts(writer, parts)
    return buffer.getvalue()


def render_docx(guide: Guide, path: str | Path) -> Path:
    """Write the guide as an editable Word document.

    >>> import tempfile, pathlib, docx
    >>> from mpanalysis.guide.document import Chapter, Paragraph
    >>> g = Guide(country="SEN", country_name="Sénégal", lang="fr", title="Guide", date="2025-01-31",
    ...           chapters=[Chapter(number="I", key="a", title="Panorama",
    ...                             blocks=[Paragraph(text="=HYPERLINK(\\"http://x\\")")])])
    >>> out = render_docx(g, pathlib.Path(tempfile.mkdtemp()) / "guide.docx")
    >>> [p.text for p in docx.Document(out).paragraphs if p.style.name == "Heading 1"][0]
    'I. Panorama'
    """
    return write_bytes_atomic(path, build_docx(guide))
