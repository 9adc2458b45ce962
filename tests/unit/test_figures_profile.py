"""Chapter III figures: their text alternatives say the real numbers in correct French and English."""

from __future__ import annotations

import pandas as pd
import pytest

from mpanalysis.guide.figures.profile import plot_profile_functions, plot_profile_use_by_type


def one_user_by_type() -> pd.DataFrame:
    return pd.DataFrame({"institution_type": ["ministry", "total"], "label": ["Ministère", "Ensemble"],
                         "n_respondents": [1, 1], "n_aware": [1, 1], "n_used": [1, 1],
                         "share_aware": [1.0, 1.0], "share_used": [1.0, 1.0]})


def functions(n_users: int) -> pd.DataFrame:
    return pd.DataFrame({"function": ["dialogue"], "label": ["Outil de dialogue"], "n": [n_users],
                         "n_users": [n_users], "share_of_users": [1.0]})


@pytest.mark.parametrize("lang, expected", [
    ("fr", "sur 1 institution répondante, 1 (100 %) connaît le profil migratoire et 1 (100 %) l’a utilisé."),
    ("en", "of 1 responding institution, 1 (100%) knows the migration profile and 1 (100%) has used it."),
])
def test_use_alt_text_agrees_with_a_single_institution(lang, expected):
    alt = plot_profile_use_by_type(one_user_by_type(), lang).layout.meta["alt"]
    assert expected in alt.replace("\u00a0", " ")


def test_functions_alt_text_agrees_in_number_with_the_users():
    assert "citées par l’institution qui a utilisé le profil : Outil de dialogue : 1." in \
        plot_profile_functions(functions(1), "fr").layout.meta["alt"].replace("\u00a0", " ")
    assert "cited by the 3 institutions that used the profile: Outil de dialogue: 3." in \
        plot_profile_functions(functions(3), "en").layout.meta["alt"]
