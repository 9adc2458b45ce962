"""The four-institution dataset that the chapter III doctests use."""

from __future__ import annotations

import pandas as pd

from mpanalysis.ingest.dataset import CountryDataset

# --------------------------------------------------------------------------------------------
# The tiny dataset of the examples above (and nothing else)


def make_example_dataset() -> CountryDataset:
    """Return the four-institution dataset of this module's doctests."""
    from mpanalysis.ingest.schemas import make_empty_table

    ids = ["SEN-MINT", "SEN-ANSD", "SEN-MAE", "SEN-ONG"]
    names = ["Ministère de l’Intérieur", "Agence nationale de la statistique",
             "Ministère des Affaires étrangères", "ONG Migrants"]
    types = ["ministry", "statistics_office", "ministry", "civil_society"]
    respondents = make_empty_table("respondents").reindex(range(4))
    respondents["submission_id"] = ["s1", "s2", "s3", "s4"]
    respondents["entity_id"] = ids
    respondents["institution_name"] = names
    respondents["institution_type"] = types
    respondents["wg_member"] = pd.array([True, True, False, False], dtype="boolean")
    respondents["wg_coordinator"] = pd.array([True, False, False, False], dtype="boolean")
    respondents["good_practice"] = [None, "Bulletin trimestriel partagé", None, " "]
    respondents["challenge_other"] = ["manque de financement", None, None, "Manque de financement."]
    entities = make_empty_table("entities").reindex(range(4))
    entities["entity_id"] = ids
    entities["name"] = names
    entities["acronym"] = ["MINT", "ANSD", "MAE", pd.NA]
    entities["institution_type"] = types
    entities["is_respondent"] = True
    entities["name_variants"] = ""
    mp_use = pd.DataFrame({
        "entity_id": ids,
        "mp_aware": pd.array([True, True, True, False], dtype="boolean"),
        "mp_used": pd.array([True, True, False, pd.NA], dtype="boolean"),
        "functions": ["dialogue policy_programme", "dialogue", "", ""],
        "use_example": ["Note au ministre", None, None, None],
    })
    severities = {"understanding": [0, 1, 2, 1], "update": [3, 3, 3, 3], "use": [3, 2, 1, 2],
                  "dissemination": [1, 1, 1, 1], "ownership": [0, 0, 0, pd.NA]}
    challenges = pd.DataFrame(
        [{"entity_id": e, "challenge": c, "severity": s[i], "comment": None}
         for c, s in severities.items() for i, e in enumerate(ids)])
    challenges["severity"] = challenges["severity"].astype("Int64")
    needs = pd.DataFrame({"entity_id": ["SEN-MINT", "SEN-ANSD", "SEN-ONG", "SEN-ONG"],
                          "need": ["training", "training", "training", "equipment"]})
    sources = make_empty_table("sources").reindex(range(4))
    sources["source_id"] = ["src1", "src2", "src3", "src4"]
    sources["entity_id"] = ["SEN-ANSD", "SEN-MINT", "SEN-MINT", "SEN-ONG"]
    sources["domain"] = ["trends", "trends", "border_management", "crisis"]
    sources["status"] = ["existing", "existing", "existing", "potential"]
    empty = {name: make_empty_table(name) for name in ("flows", "stages", "issues", "counts")}
    return CountryDataset(country="SEN", respondents=respondents, entities=entities, sources=sources,
                          challenges=challenges, needs=needs, mp_use=mp_use, **empty)
