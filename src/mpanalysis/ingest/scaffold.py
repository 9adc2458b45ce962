"""Starting a new country: a parameters file to fill in and an empty input folder."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import jinja2
import pycountry

from mpanalysis.errors import MpanalysisError
from mpanalysis.fileio import write_text_atomic
from mpanalysis.params import get_country_name
from mpanalysis.paths import data_dir, params_path, raw_dir


def get_country_in_fr(iso3: str, root: Path | None = None) -> str:
    """Return "in <country>" in French, with its preposition and article.

    >>> [get_country_in_fr(c) for c in ("GIN", "SEN", "COM", "CUB", "IRN", "GNB", "CPV", "MEX")]
    ['en Guinée', 'au Sénégal', 'aux Comores', 'à Cuba', 'en Iran', 'en Guinée-Bissau', 'au Cap-Vert', 'au Mexique']
    """
    from mpanalysis.reference import read_reference_yaml

    name = get_country_name(iso3, "fr")
    exceptions = read_reference_yaml(data_dir(root) / "templates" / "country_in_fr.yaml", "French prepositions")
    code = iso3.upper()
    for preposition, key in (("aux", "aux"), ("au", "au"), ("à", "a")):
        if code in (exceptions.get(key) or []):
            return f"{preposition} {name}"
    head = re.split(r"[\s-]", name)[0]
    is_vowel = unicodedata.normalize("NFD", name[:1])[:1].lower() in "aeiouy"
    return f"en {name}" if is_vowel or name.endswith("e") or head.endswith("e") else f"au {name}"


#: The working languages of the region's exercise, after the country's own official language.
REGION_LANGUAGES = ("fr", "en")


def choose_country_languages(iso3: str, root: Path | None = None) -> list[str]:
    """Return the languages a new country's guides start with: its official language first when the
    guides exist in it (Portuguese for Cabo Verde and Guinea-Bissau), then French and English.

    >>> [choose_country_languages(c) for c in ("CPV", "GNB", "SEN", "GMB", "MAR")]
    [['pt', 'fr', 'en'], ['pt', 'fr', 'en'], ['fr', 'en'], ['en', 'fr'], ['fr', 'en']]
    """
    from babel.languages import get_official_languages

    from mpanalysis.paths import reference_dir
    from mpanalysis.reference import get_languages

    folder = reference_dir(root)
    available = get_languages(folder if folder.is_dir() else None)
    country = pycountry.countries.get(alpha_3=iso3.upper())
    official = get_official_languages(country.alpha_2, de_facto=True) if country else ()
    ordered = [lang for lang in official if lang in available] + list(REGION_LANGUAGES)
    return [lang for index, lang in enumerate(ordered) if lang in available and lang not in ordered[:index]]


def init_country(iso3: str, force: bool = False, root: Path | None = None) -> list[Path]:
    """Create ``params/<ISO3>.yaml`` (from ``data/templates/params.yaml.j2``) and ``data/raw/<ISO3>/``.

    Returns ``[parameters file, input folder]``. Refuses to overwrite an existing parameters file
    unless ``force``.
    """
    code = iso3.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code) or pycountry.countries.get(alpha_3=code) is None:
        raise MpanalysisError(f"'{iso3}' is not an ISO 3166-1 alpha-3 country code (e.g. SEN, GHA)")
    target = params_path(code, root)
    if target.exists() and not force:
        raise MpanalysisError(f"{target} already exists (use --force to overwrite it)")
    template_text = (data_dir(root) / "templates" / "params.yaml.j2").read_text(encoding="utf-8")
    text = jinja2.Template(template_text, keep_trailing_newline=True).render(
        iso3=code, name_en=get_country_name(code, "en"), name_fr=get_country_name(code, "fr"),
        in_country_fr=get_country_in_fr(code, root), languages=choose_country_languages(code, root))
    write_text_atomic(target, text)
    folder = raw_dir(code, root)
    folder.mkdir(parents=True, exist_ok=True)
    readme = folder / "README.md"
    if not readme.exists():
        readme.write_text(
            f"# Questionnaire exports for {code}\n\nPut the KoboToolbox XLSX export, the ODK Central CSV "
            "files or filled-in offline templates here. Files here are never modified by mpanalysis.\n",
            encoding="utf-8")
    return [target, folder]
