"""The offline atlas: what each build offers, links that work from any folder, escaping, swaps."""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from mpanalysis.params import CountryParams
from mpanalysis.paths import data_dir, reference_dir
from mpanalysis.publish.atlas import (
    AtlasCountry,
    build_atlas,
    build_atlases,
    build_map_figure,
    find_exercise_stage,
    load_atlas_config,
    select_site_files,
)
from mpanalysis.publish.atlas import site as atlas_site

TODAY = dt.date(2025, 12, 1)
LINK_ATTRIBUTES = {"href", "src"}


def _guide_outputs(iso3: str, editions=("public", "restricted")) -> list[str]:
    return [f"guides/{iso3}_guide_{lang}_{edition}_{length}.{fmt}"
            for lang in ("fr", "en") for edition in editions for length in ("full", "brief")
            for fmt in ("html", "pdf", "docx")]


def _write_country(root: Path, iso3: str, params_yaml: str, *, built: bool = True) -> None:
    (root / "params" / f"{iso3}.yaml").write_text(params_yaml, encoding="utf-8")
    if not built:
        return
    base = root / "outputs" / iso3
    outputs = (_guide_outputs(iso3) + ["data/sources.csv", f"data/{iso3}_tables.xlsx", "data/network.graphml",
                                       "validation/validation_report.html", "validation/issues.csv"])
    for rel in outputs + ["work/fr/chapters.json", "logs/run.log"]:
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{iso3} {rel}", encoding="utf-8")
    record = {"country": iso3, "fingerprint": "f" * 64, "built_at": "2025-11-20T10:00:00+00:00",
              "package_version": "0.1.0", "outputs": outputs}
    (base / "build.json").write_text(json.dumps(record), encoding="utf-8")


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A project with two countries: SEN endorsed (demo), NER draft; both built."""
    # a demo country beside a real one is left out of the region unless asked for
    monkeypatch.setenv("MPANALYSIS_WITH_DEMO", "1")
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    (root / "data" / "reference").symlink_to(reference_dir())
    (root / "data" / "geo").symlink_to(data_dir() / "geo")
    (root / "params").mkdir()
    (root / "outputs").mkdir()
    _write_country(root, "SEN", "country: SEN\nis_demo: true\nendorsement:\n  status: endorsed\n"
                                "  authority: Comité national\n  date: 2025-09-30\n")
    _write_country(root, "NER", "country: NER\nmilestones:\n- stage: questionnaire\n  start: 2025-04-07\n")
    monkeypatch.setenv("MPANALYSIS_ROOT", str(root))
    return root


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.links += [value for name, value in attrs if name in LINK_ATTRIBUTES and value]


def _site_files(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html")) if site.is_dir() else []


def _own_pages(site: Path) -> list[Path]:
    """The atlas's pages (not the copied guides)."""
    return [p for p in _pages(site) if "/guides/" not in p.as_posix() and "/validation/" not in p.as_posix()]


# ----------------------------------------------------------------------------------------------
# What each build offers


def test_public_build_offers_only_endorsed_countries_and_public_editions(project):
    site = build_atlas(audience="public", today=TODAY)
    assert site == project / "outputs" / "site"
    files = _site_files(site)
    assert "countries/SEN.html" in files and "countries/SEN_en.html" in files
    assert "countries/SEN/guides/SEN_guide_fr_public_full.pdf" in files
    assert "countries/SEN/data/network.graphml" in files
    # nothing of the draft country, no restricted edition, no validation report, no work files
    assert not any(f.startswith("countries/NER") for f in files)
    assert not any("_restricted_" in f for f in files)
    assert not any("/validation/" in f or "/work/" in f or "/logs/" in f for f in files)
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="countries/SEN.html"' in index and "countries/NER" not in index
    # the draft country is still on the map and in the table, marked in progress
    assert "Niger" in index and "En cours — guide non encore approuvé" in index


def test_restricted_build_offers_every_country_every_edition_and_the_validation_report(project):
    site = build_atlas(audience="restricted", today=TODAY)
    assert site == project / "outputs" / "site-restricted"
    files = _site_files(site)
    for iso3 in ("SEN", "NER"):
        assert f"countries/{iso3}.html" in files
        assert f"countries/{iso3}/guides/{iso3}_guide_en_restricted_brief.docx" in files
        assert f"countries/{iso3}/validation/validation_report.html" in files
    ner = (site / "countries" / "NER_en.html").read_text(encoding="utf-8")
    assert 'href="NER/guides/NER_guide_en_restricted_full.pdf"' in ner
    assert 'href="NER/validation/validation_report.html"' in ner
    assert "DRAFT mark" in ner  # the unendorsed guide is announced as a draft
    assert (site / "countries/SEN/guides/SEN_guide_fr_public_full.html").read_text() == \
        "SEN guides/SEN_guide_fr_public_full.html"


@pytest.mark.parametrize("audience", ["public", "restricted"])
def test_every_link_is_relative_and_points_to_a_file_of_the_site(project, audience):
    site = build_atlas(audience=audience, today=TODAY)
    checked = 0
    for page in _own_pages(site):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for link in parser.links:
            parts = urlsplit(link)
            assert not parts.scheme and not parts.netloc and not link.startswith("/"), (page, link)
            if not parts.path:  # an anchor in the same page
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_file(), f"{page.relative_to(site)} links to missing {link}"
            assert site.resolve() in target.parents, f"{link} leaves the site"
            checked += 1
    assert checked > 40


def test_site_offers_both_languages_with_a_switch_on_every_page(project):
    site = build_atlas(audience="restricted", today=TODAY)
    fr = (site / "index.html").read_text(encoding="utf-8")
    en = (site / "index_en.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in fr and "Pays participants" in fr and 'href="index_en.html"' in fr
    assert '<html lang="en">' in en and "Participating countries" in en and 'href="index.html"' in en
    country_en = (site / "countries" / "SEN_en.html").read_text(encoding="utf-8")
    assert "Senegal" in country_en and 'href="SEN.html"' in country_en and 'href="../index_en.html"' in country_en


def test_english_as_the_default_language_gets_the_plain_page_names(project, tmp_path):
    site = build_atlas(audience="public", today=TODAY, lang="en", output_dir=tmp_path / "site-en")
    assert '<html lang="en">' in (site / "index.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in (site / "index_fr.html").read_text(encoding="utf-8")


def test_synthetic_data_is_marked_on_every_page_of_a_demo_country(project):
    site = build_atlas(audience="restricted", today=TODAY)
    for page in ("index.html", "index_en.html", "countries/SEN.html", "countries/SEN_en.html"):
        text = (site / page).read_text(encoding="utf-8")
        assert 'class="mark mark-synthetic"' in text, page
    # NER is not demo data: its page carries no such mark
    assert "mark-synthetic" not in (site / "countries" / "NER.html").read_text(encoding="utf-8")


def test_restricted_build_is_marked_restricted_on_every_page(project):
    site = build_atlas(audience="restricted", today=TODAY)
    for page in _own_pages(site):
        assert "mark-restricted" in page.read_text(encoding="utf-8"), page
    public = build_atlas(audience="public", today=TODAY)
    assert all("mark-restricted" not in p.read_text(encoding="utf-8") for p in _own_pages(public))


def test_country_names_from_parameters_are_shown_never_run(project):
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    (project / "params" / "SEN.yaml").write_text(
        "country: SEN\nendorsement:\n  status: published\ncountry_name:\n"
        f"  fr: {json.dumps(hostile)}\n  en: {json.dumps(hostile)}\n", encoding="utf-8")
    site = build_atlas(audience="public", today=TODAY)
    for page in ("index.html", "countries/SEN.html"):
        text = (site / page).read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<img src=x" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    # inside the map's JSON the name is escaped for plotly and cannot close the script element
    data = re.search(r'<script id="atlas-map-data" type="application/json">(.*?)</script>',
                     (site / "index.html").read_text(encoding="utf-8"), re.S).group(1)
    figure = json.loads(data)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in figure["data"][-1]["text"]


# ----------------------------------------------------------------------------------------------
# Stages and the map


def test_stage_is_the_latest_of_status_and_reached_milestones():
    config = load_atlas_config()
    validated = CountryParams(country="CIV", endorsement={"status": "validated"},
                              milestones=[{"stage": "workshop", "start": "2025-06-10"},
                                          {"stage": "endorsement", "start": "2025-10-21", "done": False}])
    assert find_exercise_stage(validated, TODAY, config) == "drafting"
    planned = CountryParams(country="GMB", milestones=[{"stage": "questionnaire", "start": "2025-05-05"},
                                                       {"stage": "workshop", "start": "2026-03-01"}])
    assert find_exercise_stage(planned, TODAY, config) == "questionnaire"  # the workshop is still ahead
    # a publication milestone without the status does not publish the guide
    unendorsed = CountryParams(country="MAR", milestones=[{"stage": "publication", "start": "2025-07-08"}])
    assert find_exercise_stage(unendorsed, TODAY, config) == "drafting"


def test_map_colours_each_participating_country_with_its_stage_colour():
    config = load_atlas_config()
    colours = {s["code"]: s["colour"] for s in config["stages"]}
    countries = [AtlasCountry("SEN", CountryParams(country="SEN"), "endorsed", True),
                 AtlasCountry("MAR", CountryParams(country="MAR"), "published", True),
                 AtlasCountry("GHA", CountryParams(country="GHA"), "published", True),
                 AtlasCountry("NER", CountryParams(country="NER"), "questionnaire", False)]
    figure = build_map_figure(countries, "en", config=config, page_links={"SEN": "countries/SEN.html"})
    choropleths = [t for t in figure["data"] if t["type"] == "choropleth"]
    found = {}
    for trace in choropleths[1:]:
        colour = trace["colorscale"][0][1]
        assert {f["properties"]["iso_a3"] for f in trace["geojson"]["features"]} == set(trace["locations"])
        found.update({iso: colour for iso in trace["locations"]})
    assert found == {"SEN": colours["endorsed"], "MAR": colours["published"], "GHA": colours["published"],
                     "NER": colours["questionnaire"]}
    context = choropleths[0]
    assert context["colorscale"][0][1] == config["not_participating"]["colour"]
    assert {"MLI", "MRT", "BFA"} <= set(context["locations"]) and "SEN" not in context["locations"]
    assert "USA" not in context["locations"] and "AUS" not in context["locations"]
    # a click on Senegal opens its page; Niger has none in this build
    links = {row[0]: row[2] for trace in choropleths[1:] for row in trace["customdata"]}
    assert links["Senegal"] == "countries/SEN.html" and links["Niger"] == ""
    geo = figure["layout"]["geo"]
    assert geo["visible"] is False and geo["showland"] is False and geo["showcountries"] is False
    lon, lat = geo["lonaxis"]["range"], geo["lataxis"]["range"]
    assert lon[0] < -17.5 and lon[1] > 16 and lat[0] < 4.7 and lat[1] > 35.9  # Senegal…Niger, Ghana…Morocco


def test_select_site_files_ignores_paths_outside_the_country_folders():
    outputs = ["data/../../../params/SEN.yaml", "validation/../build.json", "guides/MAR_guide_fr_public_full.pdf",
               "guides/SEN_guide_fr_public_full.exe", "data/edges.csv"]
    assert [f.source for f in select_site_files("SEN", outputs, "restricted")] == ["data/edges.csv"]


# ----------------------------------------------------------------------------------------------
# Robustness: broken countries, atomic swap, reruns


def test_a_country_with_broken_parameters_is_left_out_and_the_others_built(project):
    (project / "params" / "GMB.yaml").write_text("country: GMB\nworshop: {}\n", encoding="utf-8")
    site = build_atlas(audience="restricted", today=TODAY)
    assert (site / "countries" / "SEN.html").is_file()
    record = json.loads((site / "atlas.json").read_text(encoding="utf-8"))
    assert [s["country"] for s in record["skipped"]] == ["GMB"] and "worshop" in record["skipped"][0]["reason"]


def test_a_country_without_a_build_appears_without_files(project):
    _write_country(project, "GHA", "country: GHA\nendorsement:\n  status: published\n", built=False)
    site = build_atlas(audience="public", today=TODAY)
    page = (site / "countries" / "GHA_en.html").read_text(encoding="utf-8")
    assert "No guide is available for this country yet." in page
    assert not (site / "countries" / "GHA").exists()


def test_a_failed_build_leaves_the_previous_site_untouched(project, monkeypatch):
    site = build_atlas(audience="public", today=TODAY)
    before = (site / "index.html").read_text(encoding="utf-8")

    def fail(self):
        (self.folder / "index.html").write_text("half-written", encoding="utf-8")
        raise OSError("disk full")

    monkeypatch.setattr(atlas_site._SiteWriter, "write", fail)
    with pytest.raises(OSError, match="disk full"):
        build_atlas(audience="public", today=TODAY, is_forced=True)
    assert (site / "index.html").read_text(encoding="utf-8") == before
    assert sorted(p.name for p in site.parent.iterdir()) == ["NER", "SEN", "site"]  # no temporary folder left


def test_a_rebuild_replaces_the_whole_site(project):
    site = build_atlas(audience="restricted", today=TODAY)
    (site / "stale.txt").write_text("from an older build", encoding="utf-8")
    (project / "params" / "NER.yaml").write_text("country: NER\nendorsement:\n  status: published\n")
    build_atlas(audience="restricted", today=TODAY)
    assert not (site / "stale.txt").exists()
    assert json.loads((site / "atlas.json").read_text())["countries"]["NER"]["stage"] == "published"
    assert sorted(p.name for p in site.parent.iterdir()) == ["NER", "SEN", "site-restricted"]


def test_an_unchanged_rerun_rebuilds_nothing_and_a_new_build_record_rebuilds(project):
    site = build_atlas(audience="public", today=TODAY)
    first = json.loads((site / "atlas.json").read_text())
    build_atlas(audience="public", today=TODAY)
    assert json.loads((site / "atlas.json").read_text()) == first  # not rewritten
    record = json.loads((project / "outputs" / "SEN" / "build.json").read_text())
    record["built_at"] = "2025-11-30T10:00:00+00:00"
    (project / "outputs" / "SEN" / "build.json").write_text(json.dumps(record))
    build_atlas(audience="public", today=TODAY)
    assert "30 novembre 2025" in (site / "index.html").read_text(encoding="utf-8")


def test_build_atlases_writes_both_builds(project):
    sites = build_atlases(today=TODAY)
    assert sites == {"public": project / "outputs" / "site", "restricted": project / "outputs" / "site-restricted"}
    assert all((path / "index.html").is_file() for path in sites.values())


def test_wrong_audience_or_language_is_a_clear_error(project):
    from mpanalysis.errors import MpanalysisError

    with pytest.raises(MpanalysisError, match="audience must be one of public, restricted"):
        build_atlas(audience="internal")
    with pytest.raises(MpanalysisError, match="atlas.yaml: the atlas has no texts in language 'xx'"):
        build_atlas(audience="public", lang="xx")


def test_a_text_missing_a_language_in_the_configuration_names_the_key(tmp_path):
    from mpanalysis.errors import ReferenceDataError

    text = (reference_dir() / "atlas.yaml").read_text(encoding="utf-8")
    broken = text.replace("  site_title:\n    fr: Atlas des guides d’utilisation des profils migratoires\n",
                          "  site_title:\n")
    assert broken != text
    (tmp_path / "atlas.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"key 'texts.site_title': no text in fr"):
        load_atlas_config(tmp_path / "atlas.yaml")
