"""The wording engine: institution names with their articles, lists, numbers, typography, quotations."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from mpanalysis.errors import ReferenceDataError
from mpanalysis.params import CountryParams, EntityNameOverride
from mpanalysis.wording import (
    EntityName,
    article_of,
    guess_language,
    join_names,
    make_entity_name,
    name_entities,
    with_preposition,
)
from mpanalysis.wording.language import tidy_name
from mpanalysis.wording.names import attach_preposition, load_name_overrides
from mpanalysis.wording.quotes import (
    Marked,
    clean_for_display,
    protect_text,
    quote,
    split_marked,
    strip_marks,
)
from mpanalysis.wording.rules import get_language_rules
from mpanalysis.wording.templates import NameList, fill_template, format_name_list
from mpanalysis.wording.typography import format_date_text, typeset


@pytest.mark.parametrize(("name", "de", "a"), [
    ("Ministère de l'Intérieur", "du Ministère de l'Intérieur", "au Ministère de l'Intérieur"),
    ("Direction générale des douanes", "de la Direction générale des douanes", "à la Direction générale des douanes"),
    ("Institut national de la statistique", "de l’Institut national de la statistique",
     "à l’Institut national de la statistique"),
    ("Office national", "de l’Office national", "à l’Office national"),
    ("Agence nationale", "de l’Agence nationale", "à l’Agence nationale"),
    ("Haut-Commissariat des Nations unies", "du Haut-Commissariat des Nations unies",
     "au Haut-Commissariat des Nations unies"),
    ("Nations unies", "des Nations unies", "aux Nations unies"),
    ("Forces armées", "des Forces armées", "aux Forces armées"),
    ("Université nationale", "de l’Université nationale", "à l’Université nationale"),
    ("Gendarmerie nationale", "de la Gendarmerie nationale", "à la Gendarmerie nationale"),
    ("Fonds des Nations unies", "du Fonds des Nations unies", "au Fonds des Nations unies"),
    ("OIM", "de l’OIM", "à l’OIM"),
    ("HCR", "du HCR", "au HCR"),
    ("CEDEAO", "de la CEDEAO", "à la CEDEAO"),
    ("Hôpital régional", "de l’Hôpital régional", "à l’Hôpital régional"),
])
def test_french_articles_contract_with_de_and_a(name, de, a):
    assert with_preposition(name, "fr", "de") == de
    assert with_preposition(name, "fr", "à") == a


def test_every_first_noun_of_the_reference_list_has_a_gender_and_gives_an_article():
    rules = get_language_rules("fr")
    for noun, spec in rules.nouns.items():
        assert spec.split()[0] in ("m", "f"), noun
        article = article_of(noun.capitalize() + " national", "fr")
        assert article in ("le", "la", "les", "l’"), (noun, article)


def test_an_institution_named_in_english_takes_the_gender_of_its_head_noun_in_french():
    assert with_preposition("National Police Service", "fr", "par") == "par le National Police Service"
    assert with_preposition("Revenue and Customs Authority", "fr", "de") == "de la Revenue and Customs Authority"
    assert article_of("Ministry of Health", "fr") == "le"


@pytest.mark.parametrize(("name", "phrase"), [
    ("National Police Service", "by the National Police Service"),
    ("Ministry of the Interior", "by the Ministry of the Interior"),
    ("UNHCR", "by UNHCR"),
    ("Interpol", "by Interpol"),
    ("The Hague Group", "by The Hague Group"),
])
def test_english_puts_the_where_it_belongs(name, phrase):
    assert with_preposition(name, "en", "by") == phrase


def test_a_sentence_may_start_with_the_article():
    assert with_preposition("Institut national", "fr", "Le") == "L’Institut national"
    assert with_preposition("Direction générale", "fr", "Le") == "La Direction générale"
    assert with_preposition("Ministry of Health", "en", "The") == "The Ministry of Health"
    assert with_preposition("UNHCR", "en", "The") == "UNHCR"


def test_french_repeats_de_and_a_in_a_list_but_not_par():
    names = ["Institut national", "Ministère de la Justice", "Nations unies"]
    assert join_names(names, "fr", "à") == "à l’Institut national, au Ministère de la Justice et aux Nations unies"
    assert join_names(names, "fr", "par") == "par l’Institut national, le Ministère de la Justice et les Nations unies"
    assert join_names(["Ministry of Health", "IOM"], "en", "to") == "to the Ministry of Health and IOM"


def test_a_parameters_override_fixes_the_article_and_the_name_per_language():
    override = EntityNameOverride(name={"fr": "Service national de police"}, article={"en": ""}, gender="m")
    name = make_entity_name("National Police Service", "NPS", override=override)
    assert with_preposition(name, "fr", "de") == "du Service national de police (NPS)"
    assert with_preposition(name, "en", "by") == "by National Police Service (NPS)"
    plural = make_entity_name("Comités régionaux", override=EntityNameOverride(number="pl"))
    assert article_of(plural, "fr") == "les"


def test_overrides_are_read_from_the_parameters_by_id_or_by_name():
    params = CountryParams(country="SEN", entity_names={
        "SEN-X": {"acronym": "DGX"}, "Nationale Cmomission": {"name": {"fr": "Commission nationale"}}})
    entities = pd.DataFrame({"entity_id": ["SEN-X", "SEN-Y"], "name": ["Direction X", "Nationale Cmomission"],
                             "acronym": [None, None]})
    names = name_entities(entities, load_name_overrides(params=params), "fr")
    assert str(names["SEN-X"]) == "Direction X (DGX)"
    assert str(names["SEN-Y"]) == "Commission nationale"
    assert load_name_overrides("XAA") == {}


def test_the_language_of_a_name_or_an_answer_is_guessed_from_its_words():
    assert guess_language("Ministry of Foreign Affairs") == "en"
    assert guess_language("Direction générale des douanes") == "fr"
    assert guess_language("Used as background for the national policy.") == "en"
    assert guess_language("ANSD") is None


def test_a_name_in_another_language_is_marked_as_quoted_as_given():
    text = fill_template("Données détenues {name:par}.", "fr", {"name": make_entity_name("Ministry of Health", "MOH")})
    assert strip_marks(text, "fr") == "Données détenues par le Ministry of Health (MOH)."
    assert Marked("as_given", "en", "Ministry of Health (MOH)") in split_marked(text)


def test_a_list_longer_than_three_is_counted_and_cites_its_table():
    names = NameList(["Direction A", "Institut B", "Office C", "Bureau D"], table="t_named")
    assert format_name_list(names, "fr", "par") == "par 4 institutions (voir {ref:t_named})"
    assert format_name_list(names, "fr", "Le") == "Les 4 institutions (voir {ref:t_named})"
    assert format_name_list(names, "en", "list") == "listed in {ref:t_named}"
    short = NameList(names[:3], table="t_named")
    assert format_name_list(short, "fr", "de") == "de la Direction A, de l’Institut B et de l’Office C"


def test_zero_is_written_in_words():
    template = "{n:Aucune} {n|source|sources} et {m:aucun} {m|flux|flux} ; {k|none|one|{k}} left."
    assert fill_template(template, "fr", {"n": 0, "m": 0, "k": 0}) == "Aucune source et aucun flux ; none left."
    assert fill_template(template, "fr", {"n": 2, "m": 1, "k": 5}) == "2 sources et 1 flux ; 5 left."
    assert fill_template("{n:no} potential {n|source|sources}", "en", {"n": 0}) == "no potential sources"


def test_a_placeholder_with_a_preposition_but_no_value_is_an_error():
    with pytest.raises(ReferenceDataError, match=r"needs a value for \{names\}"):
        fill_template("Détenues {names:par}.", "fr", {}, where="x.yaml")
    # citations are the renderers'
    assert fill_template("voir {ref:t1} et {num:t2}", "fr", {}) == "voir {ref:t1} et {num:t2}"


def test_a_name_can_never_cite_a_table():
    text = fill_template("{name:Le} publie.", "fr", {"name": EntityName("Institut {ref:t1}")})
    assert "{ref:t1}" not in text and "{\u2060ref:t1}" in text


def test_a_generic_phrase_takes_a_preposition():
    assert attach_preposition("les institutions concernées", "fr", "de") == "des institutions concernées"
    assert attach_preposition("the institutions concerned", "en", "by") == "by the institutions concerned"


def test_french_typography():
    text = typeset("Note : l'INS publie 19 % des 10 000 fiches en 3 ans ; « voir » ! (figure {ref:f1})", "fr")
    assert text == ("Note\u00a0: l’INS publie 19\u202f% des 10\u202f000 fiches en 3\u00a0ans\u202f; "
                    "«\u00a0voir\u00a0»\u202f! (figure {ref:f1})")
    # times, addresses and years side by side are left alone
    assert typeset("à 10:30 sur https://x.org en 2019 2020", "fr") == "à 10:30 sur https://x.org en 2019 2020"
    assert typeset("The agency's data: 19%", "en") == "The agency’s data: 19%"


def test_dates_say_1er_in_french():
    assert format_date_text(dt.date(2025, 10, 1), "fr") == "1ᵉʳ octobre 2025"
    assert format_date_text(dt.date(2025, 10, 2), "fr") == "2 octobre 2025"
    assert format_date_text(dt.date(2025, 10, 1), "en") == "1 October 2025"


@pytest.mark.parametrize(("typed", "shown"), [
    ("=> Tableau de bord mensuel partagé", "Tableau de bord mensuel partagé"),
    ("Données < 2015 reprises dans notre rapport & dans une note", "Données avant 2015 reprises dans notre rapport et dans une note"),
    ("Accès aux données <restreint> sans convention", "Accès aux données restreint sans convention"),
    ("Réunion   avec la   DIRECTION GÉNÉRALE DES DOUANES", "Réunion avec la Direction générale des douanes"),
    ("Partage avec l'OIM et le HCR", "Partage avec l'OIM et le HCR"),
    ("- Used by the MINISTRY OF HEALTH & IOM", "Used by the Ministry of Health and IOM"),
])
def test_typing_debris_is_cleaned_for_display(typed, shown):
    assert clean_for_display(typed) == shown


def test_a_name_typed_in_capitals_is_put_in_title_case_but_not_an_acronym():
    assert tidy_name("MINISTÈRE DE LA SANTÉ") == "Ministère de la santé"
    assert tidy_name("MINISTRY OF HEALTH") == "Ministry of Health"
    assert tidy_name("UNHCR") == "UNHCR"


def test_a_quotation_is_marked_with_its_language_and_shown_in_the_guides_quotation_marks():
    text = "Exemple : " + quote("=> We share data monthly.")
    assert split_marked(text)[1] == Marked("quote", "en", "We share data monthly.")
    assert strip_marks(text, "fr") == "Exemple : «\u00a0We share data monthly.\u00a0» (en\u00a0anglais)"
    assert strip_marks(text, "en") == "Exemple : “We share data monthly.”"
    # what a respondent types can never forge a mark or a citation
    forged = quote("\ue000en\ue002x\ue003 {ref:t1}", "fr")
    assert split_marked(forged) == [Marked("quote", "fr", "enx {\u2060ref:t1}")]
    assert protect_text(None) == ""
