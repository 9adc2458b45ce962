"""A guide in Portuguese, for a country whose parameters list ``languages: [pt, en]`` (a copy of the
demo country GMB, with Portuguese names set for three of its institutions in ``entity_names``).

- Fast: the full and brief guides built in this process (HTML, ~15 s) read in Portuguese: the
  headings are Portuguese, no line of the guide's own text is French or English (institution names
  as given and respondents' quotations left aside), no placeholder is left unfilled, and the
  Portuguese names take their article contracted with the preposition ("do Instituto…", "pela
  Direção…"), never straight after it.
- Slow: ``mpanalysis run`` builds the guides in HTML, PDF and DOCX in the country's first language,
  Portuguese, with no language given on the command line (~60 s).
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile

import pytest
import yaml
from test_guide_wording import build_country_guides, read_guide_lines

from mpanalysis.paths import copy_project
from mpanalysis.wording import guess_language

COUNTRY = "GMB"
#: Portuguese names for institutions the answers write in English (keyed by the name as written).
PORTUGUESE_NAMES = {
    "National Bureau of Statistics": "Instituto Nacional de Estatística",
    "National Immigration Service": "Direção de Estrangeiros e Fronteiras",
    "Ministry of the Interior": "Ministério da Administração Interna",
}
#: Headings of both versions, then those of the full version only.
PORTUGUESE_HEADINGS = ("Mensagens-chave", "Como utilizar este guia")
FULL_HEADINGS = ("Índice", "Panorama dos dados e das fontes de informação sobre a migração",
                 "O ciclo das políticas migratórias e os seus atores", "Recomendações")
FOREIGN_HEADINGS = ("Sommaire", "Table of contents", "Contents", "Recommandations", "Recommendations",
                    "Messages clés", "Key messages", "How to use this guide", "Comment utiliser ce guide")
#: A placeholder the wording engine should have filled ({n}, {names:de}, {n|a|b}).
UNFILLED = re.compile(r"\{[a-z_]+(?:[:|][^{}]*)?\}")
#: Words of French or English that Portuguese never uses: two in a line of the guide's own text is a leak.
FOREIGN_WORDS = {"le", "la", "les", "des", "du", "et", "est", "une", "pour", "sur", "aux", "au", "dans", "avec",
                 "the", "of", "and", "is", "are", "with", "for", "to", "from", "by", "which", "this"}
#: The prepositions that contract with the article; "a" is left out: it is also the article.
CONTRACTING = ("de", "em", "por")


def make_portuguese_country(root) -> None:
    """Copy the project with GMB only; its parameters ask for Portuguese first and name three
    institutions in Portuguese."""
    copy_project(root, [COUNTRY])
    path = root / "params" / f"{COUNTRY}.yaml"
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    params["languages"] = ["pt", "en"]
    params["country_name"] = {**params.get("country_name", {}), "pt": "Gâmbia"}
    names = params.setdefault("entity_names", {})
    for written, portuguese in PORTUGUESE_NAMES.items():
        names.setdefault(written, {}).setdefault("name", {})["pt"] = portuguese
    path.write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("portuguese") / "project"
    make_portuguese_country(root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MPANALYSIS_ROOT", str(root))
        yield root


@pytest.fixture(scope="module")
def guide(project):
    return build_country_guides(COUNTRY, "pt")


def own_lines(page: str, names: list) -> list[str]:
    """The guide's own text: lines of the page without the institutions' names (data, written as
    the answers give them, here in English) nor respondents' quotations."""
    forms = sorted({str(n) for n in names} | {re.sub(r"\s*\([^()]*\)$", "", str(n)) for n in names}, key=len,
                   reverse=True)
    pattern = re.compile("|".join(re.escape(f) for f in forms if len(f) > 3))
    return [pattern.sub(" ", line) for line in read_guide_lines(page)]


def is_foreign(line: str) -> bool:
    return sum(1 for word in re.findall(r"[^\W\d_]+", line.casefold()) if word in FOREIGN_WORDS) >= 2


@pytest.mark.parametrize("length", ["full", "brief"])
def test_the_portuguese_guide_has_portuguese_headings_and_no_french_or_english_text(guide, length):
    page = guide["pages"][length]
    assert '<html lang="pt"' in page
    headings = [h for h in read_guide_lines(page)]
    for heading in PORTUGUESE_HEADINGS + (FULL_HEADINGS if length == "full" else ()):
        assert any(heading in line for line in headings), heading
    assert not [h for h in headings if h in FOREIGN_HEADINGS]
    lines = own_lines(page, guide["names"])
    assert len(lines) > (150 if length == "full" else 40)
    assert sum(guess_language(line) == "pt" for line in lines) > len(lines) / 3
    foreign = [line for line in lines if is_foreign(line)]
    assert not foreign, foreign[:5]
    unfilled = [line for line in lines if UNFILLED.search(line)]
    assert not unfilled, unfilled[:5]


def test_portuguese_names_take_their_contracted_article(guide):
    text = "\n".join(line for page in guide["pages"].values() for line in read_guide_lines(page))
    contracted = re.findall(r"\b(do|no|pelo|ao|da|na|pela|à) (Instituto Nacional de Estatística|"
                            r"Direção de Estrangeiros e Fronteiras|Ministério da Administração Interna)", text)
    assert contracted, "no Portuguese institution name after a contracted preposition"
    for article, name in contracted:
        feminine = name.startswith("Direção")
        assert (article in ("da", "na", "pela", "à")) == feminine, (article, name)
    names = "|".join(re.escape(n) for n in PORTUGUESE_NAMES.values())
    bare = re.findall(r"(?<![\w’'])(?:" + "|".join(CONTRACTING) + r") (?:" + names + ")", text)
    assert not bare, bare[:5]


@pytest.mark.slow
def test_mpanalysis_run_builds_the_portuguese_guide_in_three_formats(project):
    result = subprocess.run([sys.executable, "-m", "mpanalysis.cli", "run", COUNTRY, "--force"], cwd=project,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    folder = project / "outputs" / COUNTRY / "guides"
    for length in ("full", "brief"):
        stem = folder / f"{COUNTRY}_guide_pt_public_{length}"
        html = stem.with_suffix(".html").read_text(encoding="utf-8")
        assert '<html lang="pt"' in html
        pdf = subprocess.run(["pdftotext", "-layout", str(stem.with_suffix(".pdf")), "-"], capture_output=True,
                             text=True, check=True).stdout
        assert "Mensagens-chave" in pdf and "Página 2 de" in pdf
        assert ("Índice" in pdf) == (length == "full")
        assert "Messages clés" not in pdf and "Key messages" not in pdf and "Page 2 of" not in pdf
        with zipfile.ZipFile(stem.with_suffix(".docx")) as docx:
            document = docx.read("word/document.xml").decode("utf-8")
        assert "Mensagens-chave" in document and "Messages clés" not in document and "Key messages" not in document
    full_pdf = subprocess.run(["pdftotext", str(folder / f"{COUNTRY}_guide_pt_public_full.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout
    assert re.search(r"\b(do|pelo|no|ao) Instituto Nacional de Estatística", re.sub(r"\s+", " ", full_pdf))
