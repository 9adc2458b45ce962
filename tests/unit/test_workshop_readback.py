"""Filled worksheets read back (mpanalysis.workshop.readback): every kind of mistake is located by
file, sheet, row and column and nothing is applied; several groups' worksheets merge, their
conflicts reported; reading the same worksheet again gives the same decisions."""

from __future__ import annotations

import openpyxl
import pytest
from workshop_examples import fill_rows, make_kit_state, write_example_worksheet

from mpanalysis.decisions import Decisions, WorksheetError, WorkshopRecord
from mpanalysis.workshop.readback import check_worksheets, describe_changes


@pytest.fixture
def state():
    return make_kit_state("en")


def _worksheet(tmp_path, name="group1.xlsx", state=None):
    return write_example_worksheet(tmp_path / name, "en", state)


def _problems(files, state) -> list:
    with pytest.raises(WorksheetError) as error:
        check_worksheets(files, state)
    assert "nothing was applied" in str(error.value)
    return error.value.problems


# (sheet, row key, cells filled, column the message names, what it says)
MISTAKES = {
    "bad choice": ("Findings", "network.silent", {"Decision": "maybe"}, "Decision",
                   "'maybe' is not one of the choices: confirmed, corrected, rejected"),
    "correction missing": ("Findings", "network.silent", {"Decision": "corrected"}, "Correction",
                           "a corrected finding needs its correction"),
    "reason missing": ("Findings", "sources.gap", {"Decision": "rejected"}, "Comment or reason",
                       "a rejected finding needs the reason"),
    "unknown finding": ("Findings", "sources.gap", {"Identifier": "sources.invented", "Decision": "confirmed"},
                        "Identifier", "unknown finding id 'sources.invented'"),
    "severity out of range": ("Problems", "update", {"Severity agreed (0–3)": "5"}, "Severity agreed (0–3)",
                              "'5' is not a severity from 0 to 3"),
    "unknown challenge": ("Problems", "use", {"Identifier": "weather", "Solutions agreed": "Wait"}, "Identifier",
                          "unknown challenge 'weather'"),
    "no decision": ("Recommendations", "coop.protocols", {"New text": "Other words."}, "Decision",
                    "choose a decision for the cells filled in"),
    "unknown recommendation": ("Recommendations", "coop.protocols", {"Identifier": "coop.gone", "Decision": "drop"},
                               "Identifier", "unknown recommendation id 'coop.gone'"),
    "amended without text": ("Recommendations", "train.users", {"Decision": "amend"}, "New text",
                             "an amended or new recommendation needs its text"),
    "new on an existing row": ("Recommendations", "train.users", {"Decision": "new", "New text": "X."}, "Decision",
                               "a new recommendation goes on an empty row"),
    "empty row not new": ("Recommendations", "new.1", {"Decision": "drop"}, "Decision",
                          "an empty row takes only a new recommendation"),
    "new without lead": ("Recommendations", "new.2", {
        "Decision": "new", "Category": "Cooperation", "New text": "Meet.", "Time frame": "Short term (within a year)"},
        "Lead institution", "a new recommendation needs this cell"),
    "bad time frame": ("Recommendations", "coop.protocols", {"Decision": "adopt", "Time frame": "soon"}, "Time frame",
                       "'soon' is not one of the choices"),
    "unknown entity": ("Names", "SEN-ONG", {"Identifier": "SEN-NOBODY", "Official name": "Nobody"}, "Identifier",
                       "unknown entity id 'SEN-NOBODY'"),
    "merge into nowhere": ("Names", "SEN-ONG", {"Merge into": "SEN-NOWHERE"}, "Merge into",
                           "cannot merge into 'SEN-NOWHERE': no such entity"),
    "merge into itself": ("Names", "SEN-ONG", {"Merge into": "SEN-ONG · ONG Migrants"}, "Merge into",
                          "an entity cannot be merged into itself"),
    "participant without institution": ("Participants", "1", {"Name": "A. Diallo"}, "Institution",
                                        "a participant needs a name and an institution"),
}


@pytest.mark.parametrize("case", MISTAKES)
def test_each_kind_of_mistake_is_named_with_its_sheet_row_and_column(case, state, tmp_path):
    sheet, key, cells, column, message = MISTAKES[case]
    path = _worksheet(tmp_path)
    row = fill_rows(path, sheet, {key: cells})[key]
    problems = _problems([path], state)
    assert [(p.file, p.sheet, p.row, p.column) for p in problems] == [("group1.xlsx", sheet, row, column)]
    assert message in problems[0].message
    assert str(problems[0]).startswith(f"group1.xlsx, sheet '{sheet}', row {row}, column '{column}': ")


def test_every_mistake_of_a_worksheet_is_listed_at_once(state, tmp_path):
    path = _worksheet(tmp_path)
    fill_rows(path, "Findings", {"network.silent": {"Decision": "maybe"}, "sources.gap": {"Decision": "rejected"}})
    fill_rows(path, "Names", {"SEN-ONG": {"Merge into": "SEN-NOWHERE"}})
    assert len(_problems([path], state)) == 3


@pytest.mark.parametrize(("meta", "message"), [
    ({"country": "GMB"}, "worksheet of country GMB, not SEN"),
    ({"kind": "review"}, "not a workshop worksheet (written by `mpanalysis workshop`)"),
    ({"lang": "fr"}, "worksheet in 'fr': read it with the other worksheets in that language"),
])
def test_a_worksheet_of_another_country_kind_or_language_is_refused(meta, message, state, tmp_path):
    path = _worksheet(tmp_path)
    wb = openpyxl.load_workbook(path)
    for row in wb["_meta"].iter_rows():
        if row[0].value in meta:
            row[1].value = meta[row[0].value]
    wb.save(path)
    problems = _problems([path], state)
    assert [(p.file, p.sheet, p.message) for p in problems] == [("group1.xlsx", None, message)]


def test_a_missing_file_is_named(state, tmp_path):
    problems = _problems([tmp_path / "absent.xlsx"], state)
    assert problems[0].message == "file not found" and problems[0].file.endswith("absent.xlsx")


def test_a_chain_of_merges_is_refused(state, tmp_path):
    path = _worksheet(tmp_path)
    rows = fill_rows(path, "Names", {"SEN-ONG": {"Merge into": "SEN-MAE"}, "SEN-MAE": {"Merge into": "SEN-MINT"}})
    problems = _problems([path], state)
    assert [(p.sheet, p.row) for p in problems] == [("Names", rows["SEN-ONG"])]
    assert "which is itself merged into 'SEN-MINT'" in problems[0].message


def _fill_group(path, *, decision="confirmed", new_text="Meet every quarter."):
    fill_rows(path, "Findings", {"network.silent": {"Decision": decision, "Comment or reason": "Outdated"}})
    fill_rows(path, "Recommendations", {"new.1": {
        "Decision": "new", "Category": "Cooperation", "New text": new_text, "Lead institution": "ONG Migrants",
        "Time frame": "Short term (within a year)", "Priority": "High"}})


def test_two_groups_worksheets_merge_and_their_new_recommendations_are_numbered(state, tmp_path):
    first, second = _worksheet(tmp_path, "group1.xlsx"), _worksheet(tmp_path, "group2.xlsx")
    _fill_group(first)
    _fill_group(second, new_text="Publish a yearly bulletin.")
    fill_rows(second, "Names", {"SEN-ONG": {"Official name": "Association Migrants", "Official acronym": "AM",
                                            "Official name (fr)": "Association des migrants"}})
    fill_rows(second, "Participants", {"1": {"Name": "A. Diallo", "Institution": "ONG Migrants"}})
    merged = check_worksheets([first, second], state)
    assert [(d.id, d.decision) for d in merged["findings"]] == [("network.silent", "confirmed")]
    assert [(r.id, r.text, r.category, r.timeframe, r.priority) for r in merged["recommendations"]] == [
        ("new.1", {"en": "Meet every quarter."}, "cooperation", "short", "high"),
        ("new.2", {"en": "Publish a yearly bulletin."}, "cooperation", "short", "high")]
    assert [(n.entity_id, n.official_name, n.translations, n.acronym, n.name_found) for n in merged["names"]] == [
        ("SEN-ONG", "Association Migrants", {"fr": "Association des migrants"}, "AM", "ONG Migrants")]
    # an institution from the drop-down list is read as its entity id: the guide prints its official name
    assert [(p.name, p.institution) for p in merged["participants"]] == [("A. Diallo", "SEN-ONG")]


def test_two_groups_deciding_differently_is_a_conflict_reported_not_resolved(state, tmp_path):
    first, second = _worksheet(tmp_path, "group1.xlsx"), _worksheet(tmp_path, "group2.xlsx")
    _fill_group(first)
    rows = fill_rows(second, "Findings", {"network.silent": {"Decision": "rejected", "Comment or reason": "Wrong"}})
    problems = _problems([first, second], state)
    assert [(p.file, p.sheet, p.row) for p in problems] == [("group2.xlsx", "Findings", rows["network.silent"])]
    assert problems[0].message.startswith("conflict on 'network.silent': group1.xlsx, row")


def test_reading_the_same_worksheets_again_gives_the_same_decisions(state, tmp_path):
    path = _worksheet(tmp_path)
    _fill_group(path, decision="rejected")
    fill_rows(path, "Problems", {"update": {"Severity agreed (0–3)": "2", "Solutions agreed": "A calendar\nA focal point",
                                            "Solutions agreed (fr)": "Un calendrier\nUn point focal"}})
    first, again = check_worksheets([path], state), check_worksheets([path], state)
    assert first == again
    problem = first["problems"][0]
    assert (problem.challenge, problem.severity) == ("update", 2)
    assert problem.solutions == [{"en": "A calendar", "fr": "Un calendrier"}, {"en": "A focal point", "fr": "Un point focal"}]
    # decisions already recorded (a second read after a rebuild) are still known ids
    record = WorkshopRecord(findings=first["findings"], problems=first["problems"],
                            recommendations=first["recommendations"])
    later = make_kit_state("en", Decisions(country="SEN", workshop=record))
    assert check_worksheets([path], later) == first
    changes = describe_changes(record, later)
    assert any("network.silent leaves the guide" in line for line in changes)
    assert "challenge update: severity agreed 2/3" in changes


def test_institutions_from_the_lists_are_read_as_ids_and_follow_a_merge_of_the_same_worksheets(state, tmp_path):
    sheet = _worksheet(tmp_path)
    fill_rows(sheet, "Recommendations", {"coop.protocols": {
        "Decision": "adopt", "Lead institution": "ONG Migrants",
        "Partners": "Agence nationale de la statistique (ANSD); A regional committee"}})
    fill_rows(sheet, "Names", {"SEN-ONG": {"Merge into": "SEN-MAE · Ministère des Affaires étrangères (MAE)"}})
    fill_rows(sheet, "Participants", {"1": {"Name": "A. Diallo", "Institution": "ministère de l’intérieur (mint)"}})
    merged = check_worksheets([sheet], state)
    [recommendation] = merged["recommendations"]
    # the lead merged away is the institution that stays; a text not in the list is kept as written
    assert (recommendation.lead, recommendation.partners) == ("SEN-MAE", ["SEN-ANSD", "A regional committee"])
    assert [p.institution for p in merged["participants"]] == ["SEN-MINT"]
