"""Chapter III: awareness and use of the profile, working group, good practices, problem matrix."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mpanalysis.analysis import profile as pu
from mpanalysis.errors import ReferenceDataError
from mpanalysis.ingest.dataset import CountryDataset
from mpanalysis.ingest.schemas import make_empty_table
from mpanalysis.params import CountryParams
from mpanalysis.wording.quotes import strip_marks

# entity_id, name, acronym, type, wg_member, wg_coordinator, mp_aware, mp_used, functions
RESPONDENTS = [
    ("SEN-MINT", "Ministère de l'Intérieur", "MINT", "ministry", True, True, True, True, "dialogue policy_programme"),
    ("SEN-MAE", "Ministère des Affaires étrangères", "MAE", "ministry", True, False, True, False, ""),
    ("SEN-ANSD", "Agence nationale de la statistique", "ANSD", "statistics_office", True, True, True, True, "dialogue"),
    ("SEN-ONG1", "Caritas", None, "civil_society", False, False, True, False, "capacity_building"),
    ("SEN-ONG2", "Migrants sans frontières", "MSF", "civil_society", False, False, False, None, ""),
]


def make_dataset(respondents=RESPONDENTS, challenges=None, needs=None, extra_entities=(),
                 good_practice=None, use_example=None, challenge_other=None) -> CountryDataset:
    n = len(respondents)
    ids = [r[0] for r in respondents]
    table = make_empty_table("respondents").reindex(range(n))
    table["submission_id"] = [f"s{i}" for i in range(n)]
    table["entity_id"] = ids
    table["institution_name"] = [r[1] for r in respondents]
    table["institution_acronym"] = [r[2] for r in respondents]
    table["institution_type"] = [r[3] for r in respondents]
    table["wg_member"] = pd.array([r[4] for r in respondents], dtype="boolean")
    table["wg_coordinator"] = pd.array([r[5] for r in respondents], dtype="boolean")
    table["mp_aware"] = pd.array([r[6] for r in respondents], dtype="boolean")
    table["mp_used"] = pd.array([r[7] for r in respondents], dtype="boolean")
    table["good_practice"] = good_practice or [None] * n
    table["challenge_other"] = challenge_other or [None] * n
    entity_rows = [{"entity_id": r[0], "name": r[1], "acronym": r[2], "institution_type": r[3],
                    "is_respondent": True, "name_variants": ""} for r in respondents]
    entity_rows += [{"entity_id": e, "name": name, "acronym": acronym, "institution_type": pd.NA,
                     "is_respondent": False, "name_variants": variants}
                    for e, name, acronym, variants in extra_entities]
    entities = pd.DataFrame(entity_rows).reindex(columns=make_empty_table("entities").columns)
    mp_use = pd.DataFrame({
        "entity_id": ids,
        "mp_aware": table["mp_aware"], "mp_used": table["mp_used"],
        "functions": [r[8] for r in respondents],
        "use_example": use_example or [None] * n,
    })
    if challenges is None:
        challenges = make_empty_table("challenges")
    else:
        challenges = pd.DataFrame(challenges, columns=["entity_id", "challenge", "severity", "comment"])
        challenges["severity"] = challenges["severity"].astype("Int64")
    needs = pd.DataFrame(needs or [], columns=["entity_id", "need"])
    empty = {name: make_empty_table(name) for name in ("sources", "flows", "stages", "issues", "counts")}
    return CountryDataset(country="SEN", respondents=table, entities=entities, challenges=challenges,
                          needs=needs, mp_use=mp_use, **empty)


def ratings(code: str, values: list) -> list[tuple]:
    return [(RESPONDENTS[i][0], code, v, None) for i, v in enumerate(values)]


# ------------------------------------------------------------------------------ awareness and use

def test_awareness_and_use_shares_match_hand_computation():
    use = pu.measure_profile_use(make_dataset())
    # 4 of 5 aware; MINT and ANSD used it: 2 of 5 overall, 2 of the 4 aware.
    assert (use.n_respondents, use.n_aware, use.n_used) == (5, 4, 2)
    assert use.share_aware == pytest.approx(0.8)
    assert use.share_used == pytest.approx(0.4)
    assert use.share_used_among_aware == pytest.approx(0.5)


def test_use_by_type_breaks_down_per_institution_type_with_total_last():
    table = pu.build_use_by_type(make_dataset(), "fr").set_index("institution_type")
    assert table.index.tolist() == ["ministry", "statistics_office", "civil_society", "total"]
    assert table.loc["ministry", "label"] == "Ministère"
    assert table.loc["ministry", ["n_respondents", "n_aware", "n_used"]].tolist() == [2, 2, 1]
    assert table.loc["civil_society", "share_aware"] == pytest.approx(0.5)
    assert table.loc["civil_society", "share_used_among_aware"] == 0
    assert table.loc["total", "label"] == "Ensemble des institutions"
    assert table.loc["total", "share_used"] == pytest.approx(0.4)


def test_respondent_who_did_not_answer_awareness_is_left_out_of_the_shares():
    rows = [*RESPONDENTS[:4], ("SEN-X", "X", None, "academia", False, False, None, None, "")]
    use = pu.measure_profile_use(make_dataset(rows))
    assert use.n_respondents == 4 and use.share_aware == 1.0


def test_functions_counted_among_users_only():
    table = pu.build_functions_table(make_dataset(), "en").set_index("function")
    # Caritas ticked capacity_building but did not use the profile: not counted.
    assert table["n"].to_dict() == {"dialogue": 2, "information_package": 0, "policy_programme": 1,
                                    "capacity_building": 0}
    assert table.loc["policy_programme", "share_of_users"] == pytest.approx(0.5)
    assert table.loc["dialogue", "label"] == "Dialogue tool"


def test_functions_by_type_total_block_equals_overall_table():
    by_type = pu.build_functions_by_type(make_dataset(), "en")
    total = by_type[by_type["institution_type"] == "total"].reset_index(drop=True)
    overall = pu.build_functions_table(make_dataset(), "en")
    assert total["n"].tolist() == overall["n"].tolist()
    ministry = by_type[(by_type["institution_type"] == "ministry") & (by_type["function"] == "policy_programme")]
    assert ministry[["n", "n_users", "share_of_users"]].values.tolist() == [[1, 1, 1.0]]


def test_no_respondent_gives_nan_shares_not_an_error():
    use = pu.measure_profile_use(make_dataset([]))
    assert use.n_respondents == 0 and math.isnan(use.share_aware)


# ------------------------------------------------------------------------------ working group

def test_several_self_declared_coordinators_are_flagged():
    group = pu.build_working_group(make_dataset(), CountryParams(country="SEN"))
    flag = next(f for f in group.flags if f.code == "several_coordinators")
    assert flag.names == ("Agence nationale de la statistique", "Ministère de l'Intérieur")
    # Without a coordinator in the parameters, the self-declared ones are retained.
    assert group.coordinator_ids == ("SEN-ANSD", "SEN-MINT")
    members = group.members.set_index("entity_id")
    assert set(members.index) == {"SEN-MINT", "SEN-MAE", "SEN-ANSD"}
    assert members.loc["SEN-MAE", "is_member_declared"] and not members.loc["SEN-MAE", "is_coordinator"]


def test_params_coordinator_written_differently_is_resolved():
    params = CountryParams(country="SEN", coordinator="Min. de l'Interieur")
    group = pu.build_working_group(make_dataset(), params)
    assert group.coordinator_ids == ("SEN-MINT",)
    assert group.members.iloc[0]["entity_id"] == "SEN-MINT"  # coordinator listed first
    # ANSD also says it coordinates: respondents disagree with the parameters.
    mismatch = next(f for f in group.flags if f.code == "coordinator_mismatch")
    assert "SEN-ANSD" in mismatch.entity_ids
    assert not group.has_flag("coordinator_not_respondent")


def test_params_coordinator_who_did_not_answer_is_flagged():
    extra = [("SEN-DGPN", "Direction générale de la police nationale", "DGPN", ""),
             ("SEN-OIM", "Organisation internationale pour les migrations", "OIM", "")]
    params = CountryParams(country="SEN", coordinator="DGPN",
                           working_group=["Office des migrations", "ANSD", "OIM"])
    group = pu.build_working_group(make_dataset(extra_entities=extra), params)
    assert group.coordinator_ids == ("SEN-DGPN",)
    flag = next(f for f in group.flags if f.code == "coordinator_not_respondent")
    assert flag.names == ("Direction générale de la police nationale",)
    absent = next(f for f in group.flags if f.code == "member_not_respondent")
    assert absent.entity_ids == ("SEN-OIM",)
    unmatched = next(f for f in group.flags if f.code == "names_unmatched")
    assert unmatched.names == ("Office des migrations",) and unmatched.entity_ids == ()
    row = group.members[group.members["name"] == "Office des migrations"].iloc[0]
    assert pd.isna(row["entity_id"]) and row["is_member_params"]


def test_reconciliation_decisions_are_reused_for_names_of_the_parameters():
    dataset = make_dataset()
    matches = pd.DataFrame({"name": ["Le Bureau des statistiques"], "entity_id": ["SEN-ANSD"],
                            "entity_name": ["Agence nationale de la statistique"], "score": [100.0],
                            "method": ["alias"]})
    dataset = CountryDataset(**{**dataset.__dict__, "reconciliation": {"matches": matches}})
    group = pu.build_working_group(dataset, CountryParams(country="SEN", coordinator="Le Bureau des statistiques"))
    assert group.coordinator_ids == ("SEN-ANSD",)


def test_no_coordinator_anywhere_is_flagged():
    rows = [tuple(r[:5]) + (False,) + tuple(r[6:]) for r in RESPONDENTS]
    group = pu.build_working_group(make_dataset(rows), CountryParams(country="SEN"))
    assert group.coordinator_ids == () and group.has_flag("no_coordinator")


def test_find_entity_does_not_match_an_unrelated_ministry():
    entities = make_dataset().entities
    assert pu.find_entity("Ministère de la Santé", entities) is None
    assert pu.find_entity("msf", entities) == "SEN-ONG2"


# ------------------------------------------------------------------------------ good practices

def test_good_practices_workshop_first_then_answers_with_institution_names():
    params = CountryParams(country="SEN", workshop={"good_practices": [{"fr": "Comité mensuel", "en": "Monthly committee"}]})
    dataset = make_dataset(good_practice=[None, "Fiche de synthèse", "  ", "<script>alert(1)</script>", None],
                           use_example=["Discours du ministre", None, None, None, None])
    table = pu.build_good_practices(dataset, params, "fr")
    assert table["origin"].tolist() == ["workshop", "questionnaire", "questionnaire", "questionnaire"]
    assert table.iloc[0]["text"] == "Comité mensuel"
    answers = table.iloc[1:][["kind", "institution_name", "text"]].values.tolist()
    assert answers == [
        ["good_practice", "Caritas", "<script>alert(1)</script>"],  # kept verbatim: renderers escape
        ["good_practice", "Ministère des Affaires étrangères", "Fiche de synthèse"],
        ["use_example", "Ministère de l'Intérieur", "Discours du ministre"],
    ]


# ------------------------------------------------------------------------------ problem/solution matrix

MATRIX_RATINGS = [
    # one loud respondent: mean 0.6, prevalence 0.2 → score 0.12
    *ratings("understanding", [3, 0, 0, 0, 0]),
    # everybody moderate: mean 2, prevalence 1 → score 2
    *ratings("update", [2, 2, 2, 2, 2]),
    # split, one answer missing: mean 1.5, prevalence 0.5 → score 0.75
    *ratings("use", [3, 3, 0, 0, None]),
    # ownership: mean 1.25, prevalence 0.5 → score 0.625; one answer missing
    *ratings("ownership", [1, 2, 2, 0, None]),
]


def test_matrix_ranks_challenges_by_prevalence_times_severity():
    matrix = pu.build_problem_matrix(make_dataset(challenges=MATRIX_RATINGS), CountryParams(country="SEN"), "en")
    ranked = matrix[matrix["rank"].notna()]
    assert ranked["challenge"].tolist() == ["update", "use", "ownership", "understanding"]
    assert ranked["rank"].tolist() == [1, 2, 3, 4]
    # Nobody rated dissemination: listed, without rank.
    dissemination = matrix.set_index("challenge").loc["dissemination"]
    assert dissemination["n_answered"] == 0 and pd.isna(dissemination["rank"])


def test_matrix_severity_distribution_mean_and_prevalence():
    matrix = pu.build_problem_matrix(make_dataset(challenges=MATRIX_RATINGS), CountryParams(country="SEN"), "fr")
    use = matrix.set_index("challenge").loc["use"]
    assert use["n_answered"] == 4  # the missing answer is not counted as "none"
    assert [use["n_none"], use["n_minor"], use["n_moderate"], use["n_major"]] == [2, 0, 0, 2]
    assert use["mean_severity"] == pytest.approx(1.5)
    assert use["prevalence"] == pytest.approx(0.5)
    assert use["label"] == "Données migratoires peu utilisées"
    assert use["entity_ids"] == ("SEN-MAE", "SEN-MINT")  # those rating it moderate or major


def test_workshop_solutions_override_suggested_ones():
    params = CountryParams(country="SEN", workshop={"problems": [{
        "challenge": "update",
        "description": {"fr": "Dernier profil en 2018", "en": "Latest profile from 2018"},
        "solutions": [{"fr": "Mise à jour annuelle par l'ANSD", "en": "Yearly update by ANSD"}]}]})
    matrix = pu.build_problem_matrix(make_dataset(challenges=MATRIX_RATINGS), params, "en").set_index("challenge")
    assert matrix.loc["update", "solution_origin"] == "workshop"
    assert matrix.loc["update", "solutions"] == ["Yearly update by ANSD"]
    assert matrix.loc["update", "workshop_description"] == "Latest profile from 2018"
    assert matrix.loc["use", "solution_origin"] == "suggested"
    assert matrix.loc["use", "solutions"] == [s["en"] for s in pu.load_solutions()["use"]]


def test_other_challenges_are_grouped_and_workshop_problems_added():
    other = [("SEN-MINT", "other", None, "Manque de financement"),
             ("SEN-ONG1", "other", None, "manque de  financement."),
             ("SEN-MAE", "other", None, "Rotation du personnel")]
    params = CountryParams(country="SEN", workshop={"problems": [{
        "challenge": "funding", "description": {"fr": "Budget insuffisant"},
        "solutions": [{"fr": "Ligne budgétaire dédiée"}]}]})
    matrix = pu.build_problem_matrix(make_dataset(challenges=MATRIX_RATINGS + other), params, "en")
    others = matrix[matrix["is_other"]]
    assert others["label"].tolist() == ["Manque de financement", "Rotation du personnel", "Budget insuffisant"]
    assert others["n_mentions"].tolist() == [2, 1, 0]
    funding = others.iloc[-1]
    # French only in the parameters: shown rather than dropped in the English guide.
    assert funding["solutions"] == ["Ligne budgétaire dédiée"] and funding["solution_origin"] == "workshop"


def test_malformed_solutions_file_names_file_and_challenge(tmp_path):
    path = tmp_path / "solutions.yaml"
    path.write_text("understanding:\n  - fr: Former\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError) as info:
        pu.load_solutions(path)
    assert str(path) in str(info.value) and "dissemination" in str(info.value)
    complete = "".join(f"{c}:\n  - fr: a\n    en: b\n    pt: c\n" for c in
                       ["understanding", "dissemination", "ownership", "update"])
    path2 = tmp_path / "solutions2.yaml"
    path2.write_text(complete + "use:\n  - fr: Former\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="challenge 'use', solution 1"):
        pu.load_solutions(path2)


# ------------------------------------------------------------------------------ needs and measures

def test_needs_table_counts_institutions_once():
    needs = [("SEN-MINT", "training"), ("SEN-ANSD", "training"), ("SEN-ANSD", "equipment")]
    table = pu.build_needs_table(make_dataset(needs=needs), "en").set_index("need")
    assert table.loc["training", "n"] == 2 and table.loc["training", "share"] == pytest.approx(0.4)
    assert table.loc["training", "entity_ids"] == ("SEN-ANSD", "SEN-MINT")
    assert table.loc["cooperation", "n"] == 0


def test_measures_are_named_for_the_rules_and_skip_undefined_values():
    params = CountryParams(country="SEN", reference_year=2025, profiles=[
        {"title": "Profil 2018", "year": 2018, "publisher": "OIM", "kind": "extended"}])
    measures = pu.build_profile_measures(make_dataset(challenges=MATRIX_RATINGS), params)
    assert measures["profile.share_aware"] == pytest.approx(0.8)
    assert measures["profile.years_since_last_edition"] == 7
    assert measures["challenge.update.prevalence"] == 1.0
    assert "challenge.dissemination.prevalence" not in measures  # nobody answered
    assert measures["working_group.n_declared_coordinators"] == 2


def test_every_suggested_solution_has_both_languages():
    for code, solutions in pu.load_solutions().items():
        for solution in solutions:
            assert solution["fr"].strip() and solution["en"].strip(), code


# ------------------------------------------------------------------------------ editions and modules

def test_editions_latest_first_with_labels():
    params = CountryParams(country="SEN", profiles=[
        {"title": "Profil 2009", "year": 2009, "publisher": "OIM", "kind": "extended", "modules": ["development", "trends"]},
        {"title": "Profil 2018", "year": 2018, "publisher": "ANSD", "kind": "short_statistical"}])
    table = pu.build_profile_editions(params, "fr")
    assert table["title"].tolist() == ["Profil 2018", "Profil 2009"]
    assert table.iloc[0]["kind_label"] == "Profil statistique succinct"
    assert table.iloc[1]["modules_label"] == "Tendances migratoires et Migration et développement"


def test_module_sources_count_existing_sources_of_each_domain():
    dataset = make_dataset()
    sources = make_empty_table("sources").reindex(range(3))
    sources["entity_id"] = ["SEN-ANSD", "SEN-MINT", "SEN-ANSD"]
    sources["domain"] = ["trends", "trends", "crisis"]
    sources["status"] = ["existing", "existing", "potential"]
    dataset = CountryDataset(**{**dataset.__dict__, "sources": sources})
    params = CountryParams(country="SEN", profiles=[
        {"title": "Profil 2018", "year": 2018, "publisher": "ANSD", "kind": "extended", "modules": ["trends", "crisis"]}])
    table = pu.build_module_sources(dataset, params, "en").set_index("domain")
    assert table.loc["trends", "n_existing"] == 2 and table.loc["trends", "n_institutions"] == 2
    assert table.loc["crisis", ["editions", "n_existing", "n_potential"]].tolist() == ["Profil 2018", 0, 1]
    assert table.loc["border_management", "editions"] == ""


# ------------------------------------------------------------------------------ findings

def test_profile_findings_low_awareness_major_challenge_and_needs():
    rows = [tuple(r[:6]) + (i == 0, i == 0, r[8]) for i, r in enumerate(RESPONDENTS)]  # 1 of 5 aware
    needs = [("SEN-MINT", "training"), ("SEN-ANSD", "training"), ("SEN-MAE", "equipment")]
    params = CountryParams(country="SEN", coordinator="MINT", reference_year=2025, profiles=[
        {"title": "Profil 2012", "year": 2012, "publisher": "OIM", "kind": "extended"}])
    found = {f.id: f for f in pu.find_profile_findings(make_dataset(rows, MATRIX_RATINGS, needs), params)}
    awareness = found["profile.mp_awareness"]
    assert awareness.severity == "high" and awareness.numbers["aware_share"] == pytest.approx(0.2)
    assert awareness.text["fr"] == "1 des 5 institutions répondantes (20\u00a0%) connaît le profil migratoire."
    assert awareness.text["en"] == "1 of the 5 responding institutions (20%) knows the migration profile."
    assert found["profile.top_challenge"].codes == {"challenge": "update"}
    # update (100 %), use (50 %) and ownership (50 %) reach the 50 % threshold; understanding does not.
    majors = [f.codes["challenge"] for f in found.values() if f.kind == "major_challenge"]
    assert majors == ["update", "use", "ownership"]
    assert "« Mises à jour rares »" in found["profile.major_challenge.update"].text["fr"]
    assert found["profile.outdated_profile"].text["en"].startswith("The latest edition of the migration profile dates from 2012, 13 years")
    need = found["profile.expressed_need.training"]
    assert need.entities == ("SEN-ANSD", "SEN-MINT") and need.codes == {"need": "training"}
    # French names in an English sentence, each with its article, marked as quoted in French
    assert ("the Agence nationale de la statistique (ANSD) and the Ministère de l'Intérieur (MINT)"
            in strip_marks(need.text["en"], "en"))
    assert "profile.expressed_need.equipment" not in found  # 1 of 5 is below the 25 % threshold
    # ANSD also says it coordinates while the parameters name MINT.
    assert found["profile.coordinator_mismatch"].entities == ("SEN-ANSD",)


def test_profile_findings_when_awareness_is_fine_and_no_profile_is_recorded():
    found = {f.kind: f for f in pu.find_profile_findings(make_dataset(), CountryParams(country="SEN"))}
    assert found["mp_awareness"].severity == "info"  # 80 % aware
    assert found["no_profile_edition"].severity == "high"
    assert "several_coordinators" in found and found["several_coordinators"].numbers == {"n_entities": 2}


def test_matrix_for_display_is_written_in_the_language():
    other = [("SEN-MINT", "other", None, "Manque de financement")]
    matrix = pu.build_problem_matrix(make_dataset(challenges=MATRIX_RATINGS + other), CountryParams(country="SEN"), "en")
    table = pu.format_problem_matrix(matrix, "en")
    assert table.columns.tolist() == ["Rank", "Challenge", "Answers", "Mean severity (0–3)",
                                      "Prevalence (moderate or major)", "Solutions", "Origin of the solutions"]
    assert table.iloc[0].tolist()[:5] == ["1", "Rarely updated", "5", "2", "100%"]
    assert table.iloc[0]["Origin of the solutions"] == "Suggested"
    assert table.iloc[0]["Solutions"].split("\n") == [s["en"] for s in pu.load_solutions()["update"]]
    last = table.iloc[-1]
    assert last["Challenge"] == "Manque de financement" and last["Rank"] == "" and last["Prevalence (moderate or major)"] == ""
    assert last["Origin of the solutions"] == "To be defined by the working group"
