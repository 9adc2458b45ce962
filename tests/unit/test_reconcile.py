"""Reconciliation: every spelling of an institution lands on one entity, distinct ones stay apart."""

import random
import time

import pandas as pd
import pytest

from mpanalysis.errors import ReferenceDataError
from mpanalysis.ingest.reconcile import (
    ENTITY_COLUMNS,
    MATCH_COLUMNS,
    UNRESOLVED_COLUMNS,
    load_name_rules,
    normalize_name,
    reconcile_institutions,
    split_acronym,
)


def make_institutions(*rows):
    """rows: (name, acronym, type) or just a name; submission ids are 1, 2, 3…"""
    records = []
    for number, row in enumerate(rows, start=1):
        name, acronym, kind = (row, None, "ministry") if isinstance(row, str) else row
        records.append({"submission_id": str(number), "institution_name": name,
                        "institution_acronym": acronym, "institution_type": kind})
    return pd.DataFrame(records)


def entity_of(result, submission_id):
    return result.submission_entity[str(submission_id)]


def entity_row(result, entity_id):
    rows = result.entities[result.entities["entity_id"] == entity_id]
    assert len(rows) == 1, f"{entity_id} not in {result.entities['entity_id'].tolist()}"
    return rows.iloc[0]


# -- normalisation -----------------------------------------------------------------------------

@pytest.mark.parametrize("variant", [
    "Ministère de l'Intérieur", "MINISTERE DE L'INTERIEUR", "ministère de l’intérieur",
    "  Ministère   de l'Intérieur. ", "Ministère de l'Intérieur (MI)", "Min. de l'Intérieur",
    "Ministere-de-l-Interieur"])
def test_spelling_variants_normalise_to_the_same_name(variant):
    assert normalize_name(variant) == "ministere interieur"


def test_abbreviations_expand_in_the_language_of_the_name():
    assert normalize_name("Min. of the Interior") == normalize_name("Ministry of Interior")
    assert normalize_name("Natl Bureau of Statistics") == normalize_name("National Bureau of Statistics")
    assert normalize_name("Dir. gén. de la Police") == normalize_name("Direction générale de la police")


def test_special_letters_and_missing_values():
    assert normalize_name("Œuvre sociale") == "oeuvre sociale"
    assert normalize_name(None) == ""
    assert normalize_name("D.G.S.N.") == normalize_name("DGSN") == "dgsn"


@pytest.mark.parametrize("written, expected", [
    ("Agence nationale de la statistique et de la démographie (ANSD)",
     ("Agence nationale de la statistique et de la démographie", "ANSD")),
    ("ANSD - Agence nationale de la statistique", ("Agence nationale de la statistique", "ANSD")),
    ("Agence nationale de la statistique – ANSD", ("Agence nationale de la statistique", "ANSD")),
    ("ANSD: Agence nationale de la statistique", ("Agence nationale de la statistique", "ANSD")),
    ("Direction de la police aux frontières [DG-PAF]", ("Direction de la police aux frontières", "DG-PAF")),
    ("DGSN", ("DGSN", "DGSN")),
    ("D.G.S.N.", ("D.G.S.N.", "DGSN")),
    ("Haut-Commissariat aux réfugiés", ("Haut-Commissariat aux réfugiés", None)),
    ("Ministère de l'Intérieur - Direction des étrangers",
     ("Ministère de l'Intérieur - Direction des étrangers", None)),
    ("Gendarmerie", ("Gendarmerie", None)),
    ("Ambassade (Dakar)", ("Ambassade (Dakar)", None)),
])
def test_split_acronym(written, expected):
    assert split_acronym(written) == expected


# -- respondents -------------------------------------------------------------------------------

def test_duplicate_submissions_with_accent_case_punctuation_variants_share_one_entity():
    result = reconcile_institutions(make_institutions(
        "Ministère de l'Intérieur", "MINISTERE DE L’INTERIEUR", "ministère de l'intérieur.",
        "Minstère de l'Intérieur"), [], country="SEN")
    assert len(set(result.submission_entity.values())) == 1
    assert len(result.entities) == 1
    row = result.entities.iloc[0]
    assert row["entity_id"] == "SEN-MINISTERE-INTERIEUR"
    assert row["name"] == "Ministère de l'Intérieur"
    assert bool(row["is_respondent"]) and row["sector"] == "governmental"
    assert "Minstère de l'Intérieur" in row["name_variants"].split(" | ")


@pytest.mark.parametrize("name_a, name_b", [
    ("Ministère de l'Intérieur", "Ministère de l'Économie"),
    ("Ministère de l'Intérieur", "Ministère de l'Extérieur"),
    ("Ministère de la Santé", "Ministère de la Santé et de l'Action sociale"),
    ("Centre de formation professionnelle numéro 1", "Centre de formation professionnelle numéro 2"),
    ("Service régional de la statistique de Thiès", "Service régional de la statistique de Louga"),
])
def test_distinct_institutions_sharing_generic_words_stay_apart(name_a, name_b):
    result = reconcile_institutions(make_institutions(name_a, name_b), [name_a, name_b], country="SEN")
    assert entity_of(result, 1) != entity_of(result, 2)
    assert result.partner_entity[name_a] == entity_of(result, 1)
    assert result.partner_entity[name_b] == entity_of(result, 2)


def test_acronym_merges_respondents_who_spell_the_name_differently():
    result = reconcile_institutions(make_institutions(
        ("Agence nationale de la statistique et de la démographie", "ANSD", "statistics_office"),
        ("Agence nat. de statistique", "A.N.S.D.", "statistics_office"),
        ("ANSD", None, "statistics_office")), [], country="sen")
    assert set(result.submission_entity.values()) == {"SEN-ANSD"}
    row = entity_row(result, "SEN-ANSD")
    assert row["name"] == "Agence nationale de la statistique et de la démographie"
    assert row["acronym"] == "ANSD" and row["institution_type"] == "statistics_office"


def test_display_name_is_the_most_frequent_respondent_form():
    result = reconcile_institutions(make_institutions(
        "Direction générale de la police nationale", "DIRECTION GENERALE DE LA POLICE NATIONALE",
        "Direction générale de la police nationale"),
        ["Direction Generale de la Police Nationale du Sénégal et des frontières"] * 5, country="SEN")
    assert entity_row(result, entity_of(result, 1))["name"] == "Direction générale de la police nationale"


# -- partners ----------------------------------------------------------------------------------

def test_partner_acronym_alone_or_in_brackets_matches_the_respondent():
    result = reconcile_institutions(
        make_institutions(("Institut national de la statistique (INS)", None, "statistics_office")),
        ["INS", "Institut National de la Statistique", "INS - Institut national de statistique", "Ins"],
        country="NER")
    assert set(result.partner_entity.values()) == {"NER-INS"} == {entity_of(result, 1)}
    methods = dict(zip(result.matches["name"], result.matches["method"]))
    assert methods["INS"] == "acronym"
    assert methods["Institut National de la Statistique"] == "exact"
    assert entity_row(result, "NER-INS")["n_mentions"] == 4


def test_partner_acronym_matches_the_initials_of_a_respondent_without_acronym():
    result = reconcile_institutions(make_institutions("Office français de protection des réfugiés et apatrides"),
                                    ["OFPRA"], country="SEN")
    assert result.partner_entity["OFPRA"] == entity_of(result, 1)


def test_partner_typo_matches_fuzzily_with_its_score_in_the_report():
    result = reconcile_institutions(make_institutions("Ministère de l'Intérieur"),
                                    ["Minstère de l'Intérieur"], country="SEN")
    assert result.partner_entity["Minstère de l'Intérieur"] == entity_of(result, 1)
    match = result.matches.set_index("name").loc["Minstère de l'Intérieur"]
    assert match["method"] == "fuzzy" and 88 <= match["score"] < 100


def test_threshold_decides_how_close_a_fuzzy_match_must_be():
    institutions = make_institutions("Agence nationale de la statistique et de la démographie")
    partner = "Agence nationale de la statistique"  # score 82
    strict = reconcile_institutions(institutions, [partner], country="SEN")
    lenient = reconcile_institutions(institutions, [partner], country="SEN", threshold=80)
    assert strict.partner_entity[partner] != entity_of(strict, 1)
    assert lenient.partner_entity[partner] == entity_of(lenient, 1)


def test_partners_that_never_answered_become_non_respondent_entities():
    partners = ["Université Cheikh Anta Diop", "Universite Cheikh Anta Diop", "Université Cheikh Anta Diop",
                "Gendarmerie nationale", "Cabinet Diallo & Fils", "OIM",
                "Organisation internationale pour les migrations (OIM)"]
    result = reconcile_institutions(make_institutions("Ministère de l'Intérieur"), partners, country="SEN")
    university = entity_row(result, result.partner_entity["Université Cheikh Anta Diop"])
    assert result.partner_entity["Universite Cheikh Anta Diop"] == university["entity_id"]
    assert not university["is_respondent"] and pd.isna(university["institution_type"])
    assert university["sector"] == "other" and university["n_mentions"] == 3
    assert university["name"] == "Université Cheikh Anta Diop"
    assert entity_row(result, result.partner_entity["Gendarmerie nationale"])["sector"] == "governmental"
    assert entity_row(result, result.partner_entity["Cabinet Diallo & Fils"])["sector"] == "unknown"
    oim = entity_row(result, "SEN-OIM")
    assert result.partner_entity["OIM"] == "SEN-OIM"
    assert oim["name"] == "Organisation internationale pour les migrations" and oim["n_mentions"] == 2
    assert len(result.entities) == 5
    # every partner that matched no respondent is listed for review
    assert set(result.unresolved["name"]) == set(partners)
    assert set(result.unresolved["entity_id"]) == set(result.partner_entity.values())


def test_near_miss_names_its_best_candidate():
    result = reconcile_institutions(make_institutions("Direction générale de la police nationale"),
                                    ["Police nationale"], country="SEN")
    row = result.unresolved.set_index("name").loc["Police nationale"]
    assert row["best_candidate"] == "Direction générale de la police nationale"
    assert 60 <= row["best_score"] < 88
    assert row["entity_id"] == result.partner_entity["Police nationale"] != entity_of(result, 1)


def test_namesakes_sharing_an_acronym_stay_apart_and_the_bare_acronym_is_reported():
    result = reconcile_institutions(make_institutions(
        ("Direction générale des élections", "DGE", "agency"),
        ("Direction générale de l'emploi", "DGE", "agency"),
        ("Direction générale de l'emploi (DGE)", None, "agency"),
        ("Direction générale des élections", None, "agency")), ["DGE"], country="SEN")
    assert entity_of(result, 1) == entity_of(result, 4) != entity_of(result, 2) == entity_of(result, 3)
    assert result.unresolved["name"].tolist() == ["DGE"]


def test_ambiguous_match_is_reported():
    # "DGE" is the initials of both directorates: it goes to one, and is listed for review
    result = reconcile_institutions(make_institutions(
        "Direction générale des élections", "Direction générale de l'emploi"), ["DGE"], country="SEN")
    assert entity_of(result, 1) != entity_of(result, 2)
    assert result.partner_entity["DGE"] in {entity_of(result, 1), entity_of(result, 2)}
    row = result.unresolved.set_index("name").loc["DGE"]
    assert row["entity_id"] == result.partner_entity["DGE"]
    assert row["best_candidate"] in {"Direction générale des élections", "Direction générale de l'emploi"}


def test_a_partner_name_without_letters_is_left_unresolved_not_invented():
    result = reconcile_institutions(make_institutions("Ministère de l'Intérieur"), ["???", " ", None],
                                    country="SEN")
    assert "???" not in result.partner_entity
    assert len(result.entities) == 1
    row = result.unresolved.set_index("name").loc["???"]
    assert pd.isna(row["entity_id"])


# -- aliases -----------------------------------------------------------------------------------

def test_alias_forces_a_merge_fuzzy_matching_would_reject():
    institutions = make_institutions(("Direction générale de la police nationale", "DGPN", "police_border"))
    without = reconcile_institutions(institutions, ["Police nationale"], country="SEN")
    assert without.partner_entity["Police nationale"] != "SEN-DGPN"
    pinned = reconcile_institutions(institutions, ["Police nationale"], country="SEN",
                                    aliases={"POLICE NATIONALE": "DGPN"})
    assert pinned.partner_entity["Police nationale"] == "SEN-DGPN"
    assert pinned.matches.set_index("name").loc["Police nationale", "method"] == "alias"
    assert pinned.unresolved.empty


def test_alias_maps_an_acronym_to_a_specific_entity():
    institutions = make_institutions(
        ("Direction générale des élections", "DGE", "agency"),
        ("Direction générale de l'emploi", None, "agency"))
    default = reconcile_institutions(institutions, ["DGE"], country="SEN")
    assert default.partner_entity["DGE"] == entity_of(default, 1)
    pinned = reconcile_institutions(institutions, ["DGE"], country="SEN",
                                    aliases={"DGE": "Direction générale de l'emploi"})
    assert pinned.partner_entity["DGE"] == entity_of(pinned, 2)


def test_alias_restating_the_canonical_name_does_not_isolate_the_entity():
    # "Min. Affaires Étrangères" already normalises to the respondent's own name
    result = reconcile_institutions(
        make_institutions(("Ministère des Affaires étrangères", "MAE", "ministry")),
        ["MAE", "Ministère des Affaires értangères"], country="CIV",
        aliases={"Min. Affaires Étrangères": "Ministère des Affaires étrangères"})
    assert set(result.partner_entity.values()) == {"CIV-MAE"} == {entity_of(result, 1)}
    assert len(result.entities) == 1


def test_alias_wins_over_a_fuzzy_match():
    institutions = make_institutions("Ministère de l'Intérieur", "Ministère de la Sécurité publique")
    result = reconcile_institutions(institutions, ["Ministère de l'Intérieure"], country="SEN",
                                    aliases={"Ministère de l'Intérieure": "Ministère de la Sécurité publique"})
    assert result.partner_entity["Ministère de l'Intérieure"] == entity_of(result, 2)


def test_alias_merges_respondents_and_names_non_respondent_entities():
    institutions = make_institutions("Ministère de l'Intérieur", "Direction de la surveillance du territoire")
    result = reconcile_institutions(
        institutions, ["HCR", "UNHCR"], country="SEN",
        aliases={"Direction de la surveillance du territoire": "Ministère de l'Intérieur",
                 "HCR": "Haut-Commissariat des Nations unies pour les réfugiés (UNHCR)"})
    assert entity_of(result, 1) == entity_of(result, 2)
    unhcr = entity_row(result, "SEN-UNHCR")
    assert unhcr["name"] == "Haut-Commissariat des Nations unies pour les réfugiés"
    assert unhcr["acronym"] == "UNHCR" and unhcr["n_mentions"] == 2 and unhcr["sector"] == "other"
    assert result.partner_entity["HCR"] == result.partner_entity["UNHCR"] == "SEN-UNHCR"


# -- entity ids ----------------------------------------------------------------------------------

def test_entity_ids_are_stable_when_input_order_changes():
    rows = [("Agence nationale de la statistique (ANSD)", None, "statistics_office"),
            ("Ministère de l'Intérieur", None, "ministry"), ("Ministere de l'interieur", "MINT", "ministry"),
            ("Ministère de l'Économie", None, "ministry"), ("Direction générale des élections", "DGE", "agency"),
            ("Direction générale de l'emploi", "DGE", "agency"), ("Université de Thiès", None, "academia")]
    partners = ["ANSD", "OIM", "Min. de l'Intérieur", "Croix-Rouge", "Croix rouge", "DGE", "Police",
                "Université de Thies", "Gendarmerie nationale", "Gendarmerie"]
    aliases = {"Police": "Gendarmerie nationale"}
    first = reconcile_institutions(make_institutions(*rows), partners, country="SEN", aliases=aliases)
    shuffled_rows = list(enumerate(rows, start=1))
    random.Random(3).shuffle(shuffled_rows)
    institutions = pd.DataFrame([{"submission_id": str(n), "institution_name": r[0],
                                  "institution_acronym": r[1], "institution_type": r[2]}
                                 for n, r in shuffled_rows])
    second = reconcile_institutions(institutions, list(reversed(partners)), country="SEN", aliases=aliases)
    assert first.submission_entity == second.submission_entity
    assert first.partner_entity == second.partner_entity
    pd.testing.assert_frame_equal(first.entities, second.entities)
    pd.testing.assert_frame_equal(first.matches, second.matches)
    pd.testing.assert_frame_equal(first.unresolved, second.unresolved)
    # two institutions sharing an acronym get numbered ids, in the order of their normalised names
    assert first.entities["entity_id"].is_unique
    assert entity_of(first, 5) == "SEN-DGE" and entity_of(first, 6) == "SEN-DGE-2"
    assert entity_of(first, 2) == entity_of(first, 3) == "SEN-MINT"


def test_entity_id_format():
    long_name = ("Commission nationale consultative pour la coordination des politiques "
                 "de gestion des migrations internationales")
    result = reconcile_institutions(make_institutions(long_name, ("Agence (d'Ét)", "A.É.T.", "agency")),
                                    [], country="sen")
    ids = result.entities["entity_id"].tolist()
    for entity_id in ids:
        country, slug = entity_id.split("-", 1)
        assert country == "SEN" and len(slug) <= 40
        assert all(c.isascii() and (c.isupper() or c.isdigit() or c == "-") for c in slug)
    assert entity_of(result, 2) == "SEN-AET"
    assert entity_of(result, 1).startswith("SEN-COMMISSION-NATIONALE-CONSULTATIVE")
    assert not entity_of(result, 1).endswith("-")


def test_result_tables_have_the_documented_columns():
    result = reconcile_institutions(make_institutions("Ministère de l'Intérieur"), ["OIM"], country="SEN")
    assert result.entities.columns.tolist() == ENTITY_COLUMNS
    assert result.matches.columns.tolist() == MATCH_COLUMNS
    assert result.unresolved.columns.tolist() == UNRESOLVED_COLUMNS
    assert str(result.entities["is_respondent"].dtype) == "boolean"
    assert set(result.matches["method"]) <= {"exact", "acronym", "alias", "fuzzy", "new"}


# -- scale ---------------------------------------------------------------------------------------

def test_two_thousand_names_reconcile_in_a_few_seconds():
    rng = random.Random(11)
    kinds = ["Ministère", "Direction générale", "Agence nationale", "Office", "Institut", "Association"]
    topics = ["statistique", "migration", "santé", "emploi", "frontières", "police", "douanes",
              "éducation", "justice", "diaspora", "réfugiés", "commerce", "transports", "pêche"]
    names = sorted({f"{rng.choice(kinds)} de la {rng.choice(topics)} et du {rng.choice(topics)} {i}"
                    for i in range(2000)})
    respondents = make_institutions(*names[:200])
    partners = [name if rng.random() < 0.7 else name.upper() for name in names]
    start = time.perf_counter()
    result = reconcile_institutions(respondents, partners, country="SEN")
    elapsed = time.perf_counter() - start
    assert elapsed < 10, f"{elapsed:.1f} s"
    assert len(result.entities) == len(names)
    assert result.entities["is_respondent"].sum() == 200


# -- rules file ----------------------------------------------------------------------------------

def test_malformed_rules_file_names_file_and_key(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("stop_words:\n  en: [of, on]\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"rules\.yaml, key 'stop_words\.en'.*quote"):
        load_name_rules(path)
    path.write_text("stop_words: {fr: [de]}\nsector_keywords: {public: [ministere]}\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="key 'sector_keywords.public'"):
        load_name_rules(path)


def test_respondent_known_only_by_its_acronym_takes_the_full_name_partners_write():
    result = reconcile_institutions(
        make_institutions((None, "DGSN", "police_border"), (None, None, None), (None, None, None)),
        ["Direction générale de la sûreté nationale", "DGSN"], country="SEN")
    assert entity_of(result, 1) == "SEN-DGSN"
    assert result.partner_entity["Direction générale de la sûreté nationale"] == "SEN-DGSN"
    row = entity_row(result, "SEN-DGSN")
    assert row["name"] == "Direction générale de la sûreté nationale" and row["n_mentions"] == 2
    # submissions without any name are never merged together
    assert entity_of(result, 2) != entity_of(result, 3)
