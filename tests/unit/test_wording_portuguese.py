"""Portuguese wording: articles agreeing with an institution's first noun, contractions with de, em,
a and por, lists, zero in words, numbers and dates in the pt_PT locale, Portuguese typography."""

from __future__ import annotations

import datetime as dt

import pytest

from mpanalysis.params import EntityNameOverride
from mpanalysis.wording import article_of, guess_language, join_names, make_entity_name, with_preposition
from mpanalysis.wording.names import attach_preposition
from mpanalysis.wording.rules import get_language_rules
from mpanalysis.wording.templates import NameList, fill_template, format_name_list, format_number
from mpanalysis.wording.typography import format_date_text, typeset


@pytest.mark.parametrize(("name", "de", "em", "a", "por"), [
    ("Ministério da Administração Interna", "do Ministério da Administração Interna",
     "no Ministério da Administração Interna", "ao Ministério da Administração Interna",
     "pelo Ministério da Administração Interna"),
    ("Direção-Geral das Comunidades", "da Direção-Geral das Comunidades", "na Direção-Geral das Comunidades",
     "à Direção-Geral das Comunidades", "pela Direção-Geral das Comunidades"),
    ("Instituto Nacional de Estatística", "do Instituto Nacional de Estatística",
     "no Instituto Nacional de Estatística", "ao Instituto Nacional de Estatística",
     "pelo Instituto Nacional de Estatística"),
    ("Serviços de Estrangeiros e Fronteiras", "dos Serviços de Estrangeiros e Fronteiras",
     "nos Serviços de Estrangeiros e Fronteiras", "aos Serviços de Estrangeiros e Fronteiras",
     "pelos Serviços de Estrangeiros e Fronteiras"),
    ("Forças Armadas", "das Forças Armadas", "nas Forças Armadas", "às Forças Armadas", "pelas Forças Armadas"),
    ("Polícia Nacional", "da Polícia Nacional", "na Polícia Nacional", "à Polícia Nacional", "pela Polícia Nacional"),
    ("Universidade de Cabo Verde", "da Universidade de Cabo Verde", "na Universidade de Cabo Verde",
     "à Universidade de Cabo Verde", "pela Universidade de Cabo Verde"),
    ("OIM", "da OIM", "na OIM", "à OIM", "pela OIM"),
    ("IOM", "da IOM", "na IOM", "à IOM", "pela IOM"),  # the English acronym keeps the organisation's gender
    ("INE", "do INE", "no INE", "ao INE", "pelo INE"),
])
def test_portuguese_articles_contract_with_de_em_a_and_por(name, de, em, a, por):
    assert with_preposition(name, "pt", "de") == de
    assert with_preposition(name, "pt", "em") == em
    assert with_preposition(name, "pt", "a") == a
    assert with_preposition(name, "pt", "por") == por


def test_every_first_noun_of_the_portuguese_list_gives_an_article_that_agrees():
    rules = get_language_rules("pt")
    expected = {"m": "o", "f": "a", "m pl": "os", "f pl": "as"}
    for noun, spec in rules.nouns.items():
        assert article_of(noun.capitalize() + " Nacional", "pt") == expected[spec], noun


def test_a_sentence_may_start_with_the_portuguese_article():
    assert with_preposition("Direção-Geral de Estatística", "pt", "O") == "A Direção-Geral de Estatística"
    assert with_preposition("Instituto Nacional de Estatística", "pt", "O") == "O Instituto Nacional de Estatística"
    assert with_preposition("Serviços de Migração", "pt", "o") == "os Serviços de Migração"


def test_a_name_written_in_french_or_english_takes_the_gender_of_its_noun_in_portuguese():
    # "Direction" is "Direção" (f), "Ministry" is "Ministério" (m), "Agence" is "Agência" (f)
    assert with_preposition("Direction générale de la police", "pt", "de") == "da Direction générale de la police"
    assert with_preposition("Ministry of the Interior", "pt", "de") == "do Ministry of the Interior"
    assert with_preposition("Agence nationale de la statistique", "pt", "por") == \
        "pela Agence nationale de la statistique"


def test_portuguese_repeats_the_contracted_preposition_before_each_name_of_a_list():
    names = ["Instituto Nacional de Estatística", "Direção de Estrangeiros e Fronteiras", "OIM"]
    assert join_names(names, "pt", "de") == \
        "do Instituto Nacional de Estatística, da Direção de Estrangeiros e Fronteiras e da OIM"
    assert join_names(names[:2], "pt", "em") == "no Instituto Nacional de Estatística e na Direção de Estrangeiros e Fronteiras"
    assert fill_template("Dados detidos {names:por}.", "pt", {"names": NameList(names[:2])}) == \
        "Dados detidos pelo Instituto Nacional de Estatística e pela Direção de Estrangeiros e Fronteiras."


def test_a_long_portuguese_list_is_counted_and_cites_its_table():
    names = NameList(["Direção A", "Instituto B", "Gabinete C", "Serviço D"], table="t_named")
    assert format_name_list(names, "pt", "O") == "As 4 instituições (ver {ref:t_named})"
    assert format_name_list(names, "pt", "por") == "por 4 instituições (ver {ref:t_named})"


def test_a_parameters_override_sets_the_portuguese_name_and_gender():
    override = EntityNameOverride(name={"pt": "Direção de Emigração e Comunidades"}, gender="f")
    name = make_entity_name("Direction de l’émigration", "DEC", override=override)
    assert with_preposition(name, "pt", "de") == "da Direção de Emigração e Comunidades (DEC)"


def test_a_generic_phrase_takes_the_contracted_preposition():
    assert attach_preposition("as instituições em causa", "pt", "de") == "das instituições em causa"
    assert attach_preposition("o grupo de trabalho", "pt", "em") == "no grupo de trabalho"


def test_zero_is_written_in_words_in_portuguese():
    template = "{n:Nenhuma} {n|fonte|fonte|fontes} e {m:nenhum} {m|fluxo|fluxo|fluxos}."
    assert fill_template(template, "pt", {"n": 0, "m": 0}) == "Nenhuma fonte e nenhum fluxo."
    assert fill_template(template, "pt", {"n": 1, "m": 12}) == "1 fonte e 12 fluxos."


def test_plural_forms_follow_european_portuguese():
    # pt_PT: only 1 is singular (0 is plural, unlike French)
    template = "{n} {n|instituição respondeu|instituições responderam}"
    assert fill_template(template, "pt", {"n": 1}) == "1 instituição respondeu"
    assert fill_template(template, "pt", {"n": 0}) == "0 instituições responderam"


def test_numbers_and_dates_in_the_portuguese_locale():
    assert format_number("n_edges", 12345.5, "pt") == "12\u00a0345,5"
    assert format_number("formal_share", 0.425, "pt") == "42%"
    assert format_date_text(dt.date(2025, 10, 1), "pt") == "1 de outubro de 2025"
    assert format_date_text(dt.date(2026, 3, 21), "pt") == "21 de março de 2026"


def test_portuguese_typography_has_no_space_before_punctuation_nor_inside_guillemets():
    text = typeset("Constatação : « nenhuma fonte » ; o INE publica 19 % de 10 000 fichas em 3 anos !", "pt")
    assert text == "Constatação: «nenhuma fonte»; o INE publica 19% de 10\u00a0000 fichas em 3\u00a0anos!"
    assert typeset("o INE's data", "pt") == "o INE’s data"


def test_portuguese_is_recognised_from_its_words():
    assert guess_language("Direção-Geral de Estatística e Serviços de Migração") == "pt"
    assert guess_language("Os dados não são partilhados com a polícia.") == "pt"
