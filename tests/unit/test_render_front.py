"""The opening of a guide as the renderers print it: unnumbered parts, key messages with their key
number and a link to the evidence, the foreword's signature, a block keeping its full-guide number."""

from __future__ import annotations

import io
import re

import docx

from mpanalysis.guide.document import Chapter, Guide, KeyMessage, Paragraph, Signature, Table
from mpanalysis.render.docx import build_docx
from mpanalysis.render.html import build_html


def make_guide(length: str = "full") -> Guide:
    messages = Chapter(number="KM", key="key_messages", title="Messages clés", is_numbered=False, blocks=[
        KeyMessage(headline="11\u00a0%", text="Peu d’échanges reposent sur un accord formel ({ref:t_ind})."),
        KeyMessage(headline="R1", text="Signer des protocoles <b>d’accord</b> (Tableau III.3 de la version complète).")])
    foreword = Chapter(number="FW", key="foreword", title="Avant-propos", is_numbered=False, blocks=[
        Paragraph(text="Le profil migratoire est notre outil."),
        Signature(lines=["Dakar, le 1ᵉʳ octobre 2025", "A. Sarr", "Directrice générale"])])
    network = Chapter(number="II", key="policy_cycle", title="Le cycle", blocks=[
        Table(id="t_ind", caption="Indicateurs", columns=["a"], rows=[[1]], number="II.2")])
    return Guide(country="SEN", country_name="Sénégal", lang="fr", title="Guide", date="2025-11-20",
                 length=length, chapters=[messages, foreword, network])


def test_html_prints_the_opening_without_numbers_and_links_the_evidence():
    page = build_html(make_guide(), "print", {})
    headings = re.findall(r'<h2 id="ch-[a-z_]+-h" class="chapter-title">(.*?)</h2>', page, re.S)
    assert "chapter-number" not in headings[0] and "Messages clés" in headings[0]
    assert '<span class="chapter-number">II.</span>' in headings[2]
    assert '<p class="key-headline">11\u202f%</p>' in page  # French typography: narrow space before %
    assert '<a class="ref" href="#b-t_ind">Tableau II.2</a>' in page  # the number kept from the full guide
    assert "protocoles &lt;b&gt;d’accord&lt;/b&gt;" in page  # a recommendation's text stays text
    signature = re.search(r'<div class="signature">(.*?)</div>', page, re.S).group(1)
    assert re.findall(r"<p>(.*?)</p>", signature) == ["Dakar, le 1ᵉʳ octobre 2025", "A. Sarr", "Directrice générale"]
    assert 'class="mode-print length-full' in page


def test_docx_prints_key_messages_and_the_signature_with_their_own_styles():
    document = docx.Document(io.BytesIO(build_docx(make_guide("brief"))))
    styled = [(p.style.name, p.text) for p in document.paragraphs]
    assert ("Heading 1", "Messages clés") in styled and ("Heading 1", "II. Le cycle") in styled
    assert ("Key Headline", "11\u202f%") in styled
    assert ("Key Text", "Peu d’échanges reposent sur un accord formel (Tableau II.2).") in styled
    signature = next(p for p in document.paragraphs if p.style.name == "Signature")
    assert signature.text == "Dakar, le 1ᵉʳ octobre 2025\nA. Sarr\nDirectrice générale"
    assert signature.alignment is None and signature.style.paragraph_format.alignment == 2  # right
    assert not any(p.style.name.startswith("TOC") for p in document.paragraphs)  # a brief has no contents
