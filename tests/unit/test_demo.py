"""The synthetic demo region: deterministic, in the exact KoboToolbox layout, varied enough that
every chapter has something to say, and with exactly the bad rows it claims to plant."""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

import openpyxl
import pytest

from mpanalysis.ingest import demo
from mpanalysis.ingest.form import get_fields
from mpanalysis.params import load_params
from mpanalysis.paths import find_project_root

COUNTRIES = ["SEN", "MAR", "CIV", "NER", "GMB", "GHA"]


@pytest.fixture(scope="module")
def config():
    return demo.load_demo_config()


@pytest.fixture(scope="module")
def built(config):
    return {iso3: demo.build_demo_country(iso3, config) for iso3 in COUNTRIES}


@pytest.fixture(scope="module")
def region(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("demo_region")
    demo.generate_demo_region(root)
    return root


def _read(region: Path, iso3: str) -> dict[str, list[tuple]]:
    return _read_file(str(region / "data" / "raw" / iso3 / f"{iso3}_kobo_export.xlsx"))


@functools.lru_cache(maxsize=None)
def _read_file(path: str) -> dict[str, list[tuple]]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in workbook.worksheets}
    finally:
        workbook.close()


def _column(rows: list[tuple], header: str) -> list:
    i = rows[0].index(header)
    return [row[i] for row in rows[1:]]


def _field_header(header_row: tuple, name: str) -> str:
    """The header of a field, with or without its group prefix."""
    return next(h for h in header_row if h == name or (h and h.endswith("/" + name) and h.count("/") == 1))


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


# ---------------------------------------------------------------------------------------------

def test_generating_twice_gives_identical_bytes(region, tmp_path):
    second = demo.generate_demo_region(tmp_path)
    assert len(second) == 2 * len(COUNTRIES)
    for path in second:
        assert path.read_bytes() == (region / path.relative_to(tmp_path)).read_bytes(), path


def test_workbook_carries_no_generation_time(region):
    import zipfile

    with zipfile.ZipFile(region / "data/raw/SEN/SEN_kobo_export.xlsx") as archive:
        assert {info.date_time for info in archive.infolist()} == {demo.ZIP_TIMESTAMP}
        core = archive.read("docProps/core.xml").decode()
    assert "2025-03-24T09:15:00Z" in core  # the configured export time, not today


def test_committed_demo_is_current():
    root = find_project_root()
    assert demo.check_demo_region(root) == [], "run `mpanalysis demo` and commit the result"


def test_check_reports_edited_and_missing_files(region, tmp_path):
    assert demo.check_demo_region(region, ["MAR"]) == []
    params = region / "params" / "MAR.yaml"
    original = params.read_text(encoding="utf-8")
    try:
        params.write_text(original.replace("status: published", "status: draft"), encoding="utf-8")
        assert demo.check_demo_region(region, ["MAR", "GHA"]) == ["params/MAR.yaml"]
    finally:
        params.write_text(original, encoding="utf-8")
    assert demo.check_demo_region(tmp_path, ["GHA"]) == ["data/raw/GHA/GHA_kobo_export.xlsx", "params/GHA.yaml"]


def test_region_has_six_rabat_process_countries_with_anglophones(config, built):
    assert demo.list_demo_countries(config) == COUNTRIES
    anglophone = [iso3 for iso3, c in built.items() if config["countries"][iso3]["language"] == "en"]
    assert anglophone == ["GMB", "GHA"]
    assert "Ministry of the Interior" in built["GHA"].respondents


@pytest.mark.parametrize("iso3", COUNTRIES)
def test_every_country_has_12_to_40_accepted_respondents(region, built, iso3):
    country = built[iso3]
    assert 12 <= len(country.respondents) <= 40
    main = _read(region, iso3)[next(iter(country.sheets))]
    names = _column(main, _field_header(main[0], "institution_name"))
    set_aside_rows = {e["row"] for e in country.expected_issues if e["sheet"] == next(iter(country.sheets))
                      and e["level"] == "error"}
    superseded_rows = {e["row"] for e in country.expected_issues
                       if e["sheet"] == next(iter(country.sheets)) and e["action"] == "superseded duplicate"}
    accepted = {_fold(n) for r, n in enumerate(names, start=2) if r not in set_aside_rows | superseded_rows}
    assert len(accepted) == len(country.respondents)


def test_niger_has_a_low_response_rate(built):
    niger = built["NER"]
    assert len(niger.respondents) <= 13
    assert len(niger.respondents) + len(niger.partners_only) >= 30


@pytest.mark.parametrize("iso3", COUNTRIES)
def test_export_has_the_kobo_layout(region, built, config, iso3):
    sheets = _read(region, iso3)
    title = config["form_title"][config["countries"][iso3]["language"]][:31]
    assert list(sheets) == [title, "sources", "flows"]
    main = sheets[title]
    header = main[0]
    assert header[:2] == ("start", "end")
    assert header[-len(demo.KOBO_MAIN_META):] == demo.KOBO_MAIN_META
    fields = [_field_header(header, f.name) for f in get_fields("main")]
    assert [header.index(h) for h in fields] == sorted(header.index(h) for h in fields)  # form order
    for table in ("sources", "flows"):
        repeat = sheets[table]
        assert repeat[0][-len(demo.KOBO_REPEAT_META):] == demo.KOBO_REPEAT_META
        for spec in get_fields(table):
            _field_header(repeat[0], spec.name)
        assert set(_column(repeat, "_parent_table_name")) == {title}
        assert _column(repeat, "_index") == list(range(1, len(repeat)))
    for value in _column(main, "_submission_time"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", value)
    offset = config["countries"][iso3]["utc_offset"]
    for value in _column(main, "start") + _column(main, "end"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}" + re.escape(offset), value)
    uuids = _column(main, "_uuid")
    assert len(set(uuids)) == len(uuids)
    assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", u) for u in uuids)


@pytest.mark.parametrize("iso3", COUNTRIES)
def test_repeat_rows_link_to_their_submission_except_the_planted_orphan(region, built, iso3):
    country = built[iso3]
    sheets = _read(region, iso3)
    main = sheets[next(iter(sheets))]
    uuid_of = dict(zip(_column(main, "_index"), _column(main, "_uuid")))
    orphans = {(e["sheet"], e["row"]) for e in country.expected_issues if e["kind"] == "orphan_repeat"}
    for table in ("sources", "flows"):
        rows = sheets[table]
        for number, (parent, sub_uuid) in enumerate(
                zip(_column(rows, "_parent_index"), _column(rows, "_submission__uuid")), start=2):
            if (table, number) in orphans:
                assert parent not in uuid_of and sub_uuid not in uuid_of.values()
            else:
                assert uuid_of[parent] == sub_uuid
    planned = sum(1 for p in demo.load_demo_config()["countries"][iso3]["planted_problems"]
                  if p["kind"] == "orphan_repeat")
    assert len(orphans) == planned


def test_layouts_vary_between_countries(region, config):
    prefixed, expanded = set(), set()
    for iso3 in COUNTRIES:
        header = next(iter(_read(region, iso3).values()))[0]
        if "identification/institution_name" in header:
            prefixed.add(iso3)
        if any(h.endswith("policy_stages/elaboration") for h in header):
            expanded.add(iso3)
    assert prefixed == {i for i in COUNTRIES if config["countries"][i]["layout"]["group_prefixes"]}
    assert expanded == {i for i in COUNTRIES if config["countries"][i]["layout"]["expanded_multiple"]}
    assert prefixed and set(COUNTRIES) - prefixed and expanded and set(COUNTRIES) - expanded


def test_expanded_multiple_columns_agree_with_the_space_separated_answer(region):
    sheets = _read(region, "SEN")
    flows = sheets["flows"]
    header = flows[0]
    domains = header.index("flows/flow_domains")
    options = [(i, h.rsplit("/", 1)[1]) for i, h in enumerate(header) if h.startswith("flows/flow_domains/")]
    assert options  # expanded columns right after the space-separated one
    assert options[0][0] == domains + 1
    checked = 0
    for row in flows[1:]:
        codes = (row[domains] or "").split()
        if not codes:
            assert all(row[i] is None for i, _ in options)
            continue
        assert {o for i, o in options if row[i] == 1} == set(codes)
        checked += 1
    assert checked > 20


def test_free_text_is_stored_as_text_never_as_a_formula(region):
    found = 0
    for iso3 in COUNTRIES:
        path = region / "data" / "raw" / iso3 / f"{iso3}_kobo_export.xlsx"
        workbook = openpyxl.load_workbook(path, read_only=True)
        for ws in workbook.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and cell.value.startswith("="):
                        assert cell.data_type == "s"
                        found += 1
        workbook.close()
    assert found >= 1  # the demo does carry a free-text answer that looks like a formula


@pytest.mark.parametrize("iso3", COUNTRIES)
def test_params_file_validates_and_is_marked_demo(region, iso3):
    path = region / "params" / f"{iso3}.yaml"
    assert path.read_text(encoding="utf-8").startswith("# SYNTHETIC DEMONSTRATION DATA")
    params = load_params(path)
    assert params.country == iso3 and params.is_demo and params.reference_year == 2025
    assert params.coordinator and params.aliases and params.profiles
    stages = [m.stage for m in params.milestones]
    if not params.endorsement.is_final:
        assert "publication" not in stages
    if params.endorsement.status == "published":
        assert stages[-1] == "publication"


def test_endorsement_statuses_mix_across_the_region(region):
    statuses = {load_params(region / "params" / f"{iso3}.yaml").endorsement.status for iso3 in COUNTRIES}
    assert statuses == {"draft", "validated", "endorsed", "published"}


def test_coordinator_answered_and_declares_itself_coordinator(region, built):
    for iso3 in COUNTRIES:
        params = load_params(region / "params" / f"{iso3}.yaml")
        main = next(iter(_read(region, iso3).values()))
        names = _column(main, _field_header(main[0], "institution_name"))
        flags = _column(main, _field_header(main[0], "wg_coordinator"))
        assert {n for n, f in zip(names, flags) if f == "yes"} == {params.coordinator}


@pytest.mark.parametrize("iso3", COUNTRIES)
def test_duplicates_variants_and_silent_partners_are_present(region, built, config, iso3):
    country = built[iso3]
    sheets = _read(region, iso3)
    main = sheets[next(iter(sheets))]
    names = _column(main, _field_header(main[0], "institution_name"))
    times = _column(main, "_submission_time")
    assert 1 <= len(country.duplicated) <= 3
    for institution in country.duplicated:
        submitted = [t for n, t in zip(names, times) if n and _fold(n) == _fold(institution)]
        assert len(submitted) == 2 and submitted[0] < submitted[1]
    superseded = [e for e in country.expected_issues
                  if e["action"] == "superseded duplicate" and e["sheet"] == next(iter(sheets))]
    assert len(superseded) == len(country.duplicated)
    partners = _column(sheets["flows"], _field_header(sheets["flows"][0], "flow_partner"))
    written = {p for p in partners if p}
    respondent_names = set(country.respondents)
    assert len(written - respondent_names - set(country.partners_only)) >= 5  # variants and typos
    folded = {_fold(p) for p in written}
    for partner in country.partners_only:  # never answered, yet named by someone
        acronym = next((e.get("acronym") for e in config["institutions"][config["countries"][iso3]["catalogue"]]
                        if e["name"] == partner), None)
        assert any(_fold(partner)[:12] in f or (acronym and acronym.casefold() in f) for f in folded), partner
    for pinned in config["countries"][iso3]["pinned_variants"]:
        assert pinned["variant"] in written


def test_planted_problems_are_in_the_cells_they_claim(region, built, config):
    kinds = set()
    for iso3 in COUNTRIES:
        sheets = _read(region, iso3)
        planted = [e for e in built[iso3].expected_issues if e["kind"] not in ("duplicate", "parent_set_aside")]
        assert 1 <= len([e for e in planted if e["level"] == "error"]) <= 4
        assert len(planted) == len(config["countries"][iso3]["planted_problems"])
        for issue in planted:
            kinds.add(issue["kind"])
            rows = sheets[issue["sheet"]]
            cell = rows[issue["row"] - 1][rows[0].index(issue["column"])]
            if issue["kind"] == "empty_required":
                assert cell is None
            elif issue["kind"] == "unknown_choice" and " " in str(cell):
                assert issue["value"] in cell.split()
            elif issue["kind"] != "orphan_repeat":
                assert cell == issue["value"], issue
    assert {"year_out_of_range", "unknown_choice", "orphan_repeat", "empty_required"} <= kinds


def test_network_has_hubs_and_formal_agreements_are_a_minority(region):
    sheets = _read(region, "SEN")
    flows = sheets["flows"]
    channels = [c for c in _column(flows, "flows/flow_channel") if c]
    assert 0.05 < channels.count("formal_agreement") / len(channels) < 0.4
    partners = [p for p in _column(flows, "flows/flow_partner") if p]
    counts = sorted((sum(1 for p in partners if _fold(p).startswith(_fold(name)[:15])) for name in
                     ["Institut national de la statistique", "Organisation internationale pour les migrations",
                      "Agence nationale pour l'emploi"]), reverse=True)
    assert counts[0] >= 3 * max(counts[-1], 1)


def test_make_name_variant_is_deterministic_and_knows_its_kinds():
    import random

    a = demo.make_name_variant("Direction générale des douanes", "DGD", "typo", random.Random(3))
    b = demo.make_name_variant("Direction générale des douanes", "DGD", "typo", random.Random(3))
    assert a == b != "Direction générale des douanes"
    assert demo.make_name_variant("Ministry of Health", None, "acronym", random.Random(0)) == "Ministry of Health"
    with pytest.raises(ValueError):
        demo.make_name_variant("x", None, "shout", random.Random(0))


# --- with the reader: every demo country loads, balanced, with exactly the planted rows set aside -----

def _load_dataset(iso3: str, region: Path):
    dataset_module = pytest.importorskip("mpanalysis.ingest.dataset")
    if not hasattr(dataset_module, "load_country_dataset"):
        pytest.skip("mpanalysis.ingest.dataset.load_country_dataset is not written yet")
    params = load_params(region / "params" / f"{iso3}.yaml")
    return dataset_module.load_country_dataset(region / "data" / "raw" / iso3, params)


@pytest.mark.parametrize("iso3", COUNTRIES)
def test_demo_country_loads_with_exactly_the_planted_rows_set_aside(region, built, iso3):
    dataset = _load_dataset(iso3, region)
    country = built[iso3]
    assert dataset.is_balanced
    issues = dataset.issues

    def rows(action):
        chosen = issues.loc[issues["action"] == action, ["sheet", "row"]]
        return {(str(s), int(r)) for s, r in chosen.itertuples(index=False)}

    expected = {(e["sheet"], e["row"]) for e in country.expected_issues if e["action"] == "set aside"}
    superseded = {(e["sheet"], e["row"]) for e in country.expected_issues if e["action"] == "superseded duplicate"}
    assert rows("set aside") == expected
    assert rows("superseded duplicate") == superseded
    assert len(dataset.respondents) == len(country.respondents)
    silent = dataset.entities.loc[~dataset.entities["is_respondent"].astype(bool)]
    assert len(silent) >= len(country.partners_only)


def test_sources_show_gaps_staleness_and_restricted_access(region, config):
    for iso3 in COUNTRIES:
        sources = _read(region, iso3)["sources"]
        header = sources[0]
        column = {name: _field_header(header, name) for name in
                  ("source_domain", "source_status", "source_last_update", "source_access")}
        records = [dict(zip(header, row)) for row in sources[1:]]
        for domain in config["countries"][iso3]["domains_without_existing_source"]:
            in_domain = [r for r in records if r[column["source_domain"]] == domain]
            assert in_domain and all(r[column["source_status"]] == "potential" for r in in_domain)
        years = [r[column["source_last_update"]] for r in records if isinstance(r[column["source_last_update"]], int)]
        assert any(2025 - y >= 5 for y in years if y <= 2025)  # stale sources
        assert {"restricted", "internal"} & {r[column["source_access"]] for r in records}
