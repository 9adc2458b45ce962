"""Country parameters: one YAML file per country in ``params/``, validated before anything runs.

The models are frozen and forbid unknown keys, so a typo (``worshop:``) stops the run with a
message naming the file and the key instead of being silently ignored.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Literal

import pycountry
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mpanalysis.errors import ParamsError
from mpanalysis.paths import find_project_root, params_path
from mpanalysis.reference import YAML_LOADER, get_codes

#: A text in several languages, e.g. ``{"fr": "…", "en": "…"}``. Adding Portuguese is adding "pt".
LocalizedText = dict[Annotated[str, Field(pattern=r"^[a-z]{2}$")], str]

Language = Annotated[str, Field(pattern=r"^[a-z]{2}$")]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


def _check_codes(values: list[str] | str | None, list_name: str) -> None:
    if values is None:
        return
    allowed = get_codes(list_name)
    for value in [values] if isinstance(values, str) else values:
        if value not in allowed:
            raise ValueError(f"'{value}' is not one of {allowed}")


class ProfileEdition(_Frozen):
    """An existing edition of the country's migration profile."""

    title: str
    year: int = Field(ge=1950, le=2100)
    publisher: str
    kind: str
    modules: list[str] = Field(default_factory=list)
    url: str | None = None

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        _check_codes(value, "profile_kinds")
        return value

    @field_validator("modules")
    @classmethod
    def _modules(cls, value: list[str]) -> list[str]:
        _check_codes(value, "domains")
        return value


class Solution(_Frozen):
    text: LocalizedText


class WorkshopProblem(_Frozen):
    """A problem discussed at the national workshop: the solutions retained and the severity the
    participants agreed on (0 none … 3 major; shown beside the severity the answers measured)."""

    challenge: str
    description: LocalizedText | None = None
    solutions: list[LocalizedText] = Field(default_factory=list)
    severity: int | None = Field(default=None, ge=0, le=3)


class WorkshopRecommendation(_Frozen):
    """A recommendation adopted at the national workshop; ``lead`` (an institution's name as the
    guide should print it), ``partners``, ``timeframe`` and ``indicator`` are taken from the
    rule-based recommendation it replaces, or the coordinator / medium term / the category's
    indicator, when left out."""

    category: Literal["cooperation", "training_hr", "collection", "border_information", "crisis_information"]
    text: LocalizedText
    priority: Literal["high", "medium", "low"] = "medium"
    lead: str | None = None
    partners: list[str] = Field(default_factory=list)
    timeframe: Literal["short", "medium", "long"] | None = None
    indicator: LocalizedText | None = None


class Workshop(_Frozen):
    date: dt.date | None = None
    place: str | None = None
    participants: int | None = Field(default=None, ge=0)
    institutions_represented: int | None = Field(default=None, ge=0)
    problems: list[WorkshopProblem] = Field(default_factory=list)
    recommendations: list[WorkshopRecommendation] = Field(default_factory=list)
    good_practices: list[LocalizedText] = Field(default_factory=list)


class Endorsement(_Frozen):
    status: str = "draft"
    authority: str | None = None
    date: dt.date | None = None

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        _check_codes(value, "endorsement_statuses")
        return value

    @property
    def is_final(self) -> bool:
        """True once endorsed or published: the DRAFT mark goes away."""
        return self.status in {"endorsed", "published"}


class Foreword(_Frozen):
    """The foreword of the national coordinating authority, printed after the key messages.

    ``text`` holds the foreword in each language, paragraphs separated by a blank line; the
    signature is ``signatory`` (a name), ``function`` and ``institution`` (per language), then
    ``place`` and ``date``. A guide in a language the foreword lacks shows a placeholder while it
    is a draft.

    >>> f = Foreword(text={"fr": "Premier paragraphe.\\n\\nSecond."}, signatory="A. Sarr",
    ...              function={"fr": "Directrice générale"})
    >>> f.get_paragraphs("fr"), f.get_paragraphs("en")
    (['Premier paragraphe.', 'Second.'], [])
    """

    text: LocalizedText
    signatory: str = Field(min_length=1)
    function: LocalizedText = Field(default_factory=dict)
    institution: LocalizedText = Field(default_factory=dict)
    place: str | None = None
    date: dt.date | None = None

    def get_paragraphs(self, lang: str) -> list[str]:
        """Return the foreword's paragraphs in ``lang`` (none when it is not written in it)."""
        text = self.text.get(lang, "")
        return [" ".join(p.split("\n")).strip() for p in re.split(r"\n[ \t]*\n", text) if p.strip()]


class Milestone(_Frozen):
    stage: str
    start: dt.date
    end: dt.date | None = None
    done: bool = True

    @field_validator("stage")
    @classmethod
    def _stage(cls, value: str) -> str:
        _check_codes(value, "milestones")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> "Milestone":
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class InvitedInstitution(_Frozen):
    """An institution the questionnaire was sent to: its name (or acronym) as in the answers, and
    its type when known (it gives the type of an institution that never answered).

    >>> InvitedInstitution(name="Institut national de la statistique", type="statistics_office").type
    'statistics_office'
    """

    name: str = Field(min_length=1)
    type: str | None = None

    @field_validator("type")
    @classmethod
    def _type(cls, value: str | None) -> str | None:
        _check_codes(value, "institution_types")
        return value
class EntityNameOverride(_Frozen):
    """How the guide names one institution, set by hand where the answers or the rules get it wrong
    (``entity_names`` in the parameters, keyed by entity id or by the name as the answers write it).

    ``name`` corrects the display name, per language (``{fr: …, en: …}``: a translation for a guide
    in another language than the answers); ``acronym`` corrects the acronym; ``gender`` (m/f) and
    ``number`` (sg/pl) fix the French article; ``article`` sets it outright per language ("" for
    none: ``{en: ""}`` for a proper name); ``lang`` is the language the name is written in.

    >>> EntityNameOverride(name={"fr": "Commission nationale des droits humains"}, gender="f").gender
    'f'
    """

    name: LocalizedText | None = None
    acronym: str | None = None
    gender: Literal["m", "f"] | None = None
    number: Literal["sg", "pl"] | None = None
    article: dict[str, str] | None = None
    lang: Language | None = None


class CountryParams(_Frozen):
    """Everything about one country's exercise that is not in the questionnaire answers.

    >>> p = CountryParams(country="SEN")
    >>> p.country, p.languages, p.endorsement.status
    ('SEN', ['fr', 'en'], 'draft')
    """

    country: str = Field(description="ISO 3166-1 alpha-3 code")
    country_name: LocalizedText | None = None
    languages: list[Language] = Field(default_factory=lambda: ["fr", "en"], min_length=1)
    edition: Literal["public", "restricted"] = "public"
    length: Literal["brief", "full"] = "full"
    is_demo: bool = False
    inputs: str | None = Field(default=None, description="input folder; default data/raw/<ISO3>")
    profiles: list[ProfileEdition] = Field(default_factory=list)
    coordinator: str | None = None
    working_group: list[str] = Field(default_factory=list)
    invited_institutions: list[InvitedInstitution] = Field(
        default_factory=list, description="institutions the questionnaire was sent to (the response "
        "rate's denominator); a name, or {name, type}; matched to the answers like the coordinator")
    aliases: dict[str, str] = Field(default_factory=dict)
    entity_names: dict[str, EntityNameOverride] = Field(
        default_factory=dict, description="display names, acronyms and articles set by hand, by entity id or name")
    match_threshold: float = Field(default=88.0, ge=50, le=100)
    staleness_years: int = Field(default=3, ge=1, le=50)
    reference_year: int | None = Field(default=None, ge=1950, le=2100)
    workshop: Workshop = Field(default_factory=Workshop)
    endorsement: Endorsement = Field(default_factory=Endorsement)
    foreword: Foreword | None = None
    milestones: list[Milestone] = Field(default_factory=list)

    @field_validator("invited_institutions", mode="before")
    @classmethod
    def _invited(cls, value: object) -> object:
        # a plain name is the short form of {name: …}
        if isinstance(value, list):
            return [{"name": item} if isinstance(item, str) else item for item in value]
        return value

    @property
    def has_invitation_list(self) -> bool:
        """True when the parameters list the institutions invited (a response rate exists).

        >>> CountryParams(country="SEN").has_invitation_list
        False
        >>> CountryParams(country="SEN", invited_institutions=["INS", {"name": "OIM"}]).invited_institutions[0].name
        'INS'
        """
        return bool(self.invited_institutions)

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        value = value.upper()
        if not re.fullmatch(r"[A-Z]{3}", value) or pycountry.countries.get(alpha_3=value) is None:
            raise ValueError(f"'{value}' is not an ISO 3166-1 alpha-3 country code")
        return value

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[str]) -> list[str]:
        # checked here, so that `validate` and `run` stop before any work, listing what exists
        from mpanalysis.errors import ReferenceDataError
        from mpanalysis.reference import check_language

        for lang in value:
            try:
                check_language(lang)
            except ReferenceDataError as exc:
                raise ValueError(str(exc)) from None
        return value

    def get_country_name(self, lang: str = "fr") -> str:
        """Return the country's name in ``lang`` (parameters first, then babel/pycountry).

        >>> CountryParams(country="CIV").get_country_name("fr")
        'Côte d’Ivoire'
        >>> CountryParams(country="GMB").get_country_name("en")
        'Gambia'
        """
        if self.country_name and lang in self.country_name:
            return self.country_name[lang]
        return get_country_name(self.country, lang)


def get_country_name(iso3: str, lang: str = "fr") -> str:
    """Return a country's short name in a language, from babel's CLDR data.

    >>> get_country_name("SEN", "fr")
    'Sénégal'
    >>> get_country_name("MAR", "en")
    'Morocco'
    """
    from babel import Locale

    country = pycountry.countries.get(alpha_3=iso3.upper())
    if country is None:
        return iso3
    try:
        name = Locale.parse(lang).territories.get(country.alpha_2)
    except Exception:  # unknown locale: fall back to the English ISO name
        name = None
    return name or getattr(country, "common_name", None) or country.name


#: Set (to 1) to keep the demo countries in the region once real countries exist.
WITH_DEMO_VARIABLE = "MPANALYSIS_WITH_DEMO"


def list_region_countries(include_demo: bool | None = None) -> list[str]:
    """Return the countries of the region: every configured country, without the demo countries
    once a real one (``is_demo: false``) exists, unless ``include_demo`` (default: the environment
    variable ``MPANALYSIS_WITH_DEMO``, which ``mpanalysis run --all --with-demo`` sets).

    A country whose parameters cannot be read stays in the list: its build reports the problem.

    >>> "SEN" in list_region_countries()
    True
    """
    import os

    from mpanalysis.paths import list_configured_countries

    countries = list_configured_countries()
    if include_demo is None:
        include_demo = os.environ.get(WITH_DEMO_VARIABLE, "").strip() not in ("", "0")
    if include_demo:
        return countries
    is_demo = {}
    for country in countries:
        try:
            is_demo[country] = load_params(country).is_demo
        except ParamsError:
            is_demo[country] = False
    if all(is_demo.values()):
        return countries  # only the demo: it is the region
    return [c for c in countries if not is_demo[c]]


def _format_key(loc: tuple) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def parse_params(data: object, file: str | Path = "<parameters>") -> CountryParams:
    """Validate a parsed parameters mapping; errors name the file and every wrong key.

    >>> parse_params({"country": "SEN", "worshop": {}}, "SEN.yaml")
    Traceback (most recent call last):
    ...
    mpanalysis.errors.ParamsError: SEN.yaml, key 'worshop': unknown key (check the spelling)
    """
    if not isinstance(data, dict):
        raise ParamsError("the file must hold a mapping of keys to values", file=file)
    try:
        return CountryParams.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = _format_key(error["loc"])
            if error["type"] == "extra_forbidden":
                message = "unknown key (check the spelling)"
            elif error["type"] == "missing":
                message = "required key is missing"
            else:
                message = error["msg"].removeprefix("Value error, ")
                if "input" in error and not isinstance(error["input"], (dict, list)):
                    message += f" (got {error['input']!r})"
            problems.append((key, message))
        first_key, first_message = problems[0]
        message = first_message
        if len(problems) > 1:
            message += "; also " + "; ".join(f"key '{k}': {m}" for k, m in problems[1:])
        raise ParamsError(message, file=file, key=first_key) from None


def load_params(source: str | Path) -> CountryParams:
    """Load and validate ``params/<ISO3>.yaml`` (an ISO3 code or a path).

    The file name must match the ``country`` key, so a copied file cannot silently describe the
    wrong country.
    """
    path = Path(source)
    if not path.suffix and re.fullmatch(r"[A-Za-z]{3}", str(source)):
        path = params_path(str(source).upper())
    try:
        stat = path.stat()
    except OSError:
        stat = None
    if stat is None or not path.is_file():
        raise ParamsError("parameters file not found (create it with `mpanalysis init ISO3`)", file=path)
    # every notebook and every stage reads the parameters again: an unchanged file (same size and
    # modification time, same project's reference lists) is parsed and validated once per process
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, str(find_project_root()))
    if key in _LOADED_PARAMS:
        return _LOADED_PARAMS[key]
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ParamsError(f"not valid YAML{where}: {getattr(exc, 'problem', exc)}", file=path) from None
    except UnicodeDecodeError:
        raise ParamsError("not UTF-8 text", file=path) from None
    params = parse_params(data, path)
    if path.stem.upper() != params.country and re.fullmatch(r"[A-Z]{3}", path.stem.upper()):
        raise ParamsError(f"file is named {path.stem} but describes country {params.country}",
                          file=path, key="country")
    if len(_LOADED_PARAMS) >= 64:
        _LOADED_PARAMS.clear()
    _LOADED_PARAMS[key] = params
    return params


#: parameters already read by this process, by file, modification time, size and project root
_LOADED_PARAMS: dict[tuple[str, int, int, str], CountryParams] = {}


class NotebookParameters(_Frozen):
    """The parameters of a chapter notebook (its ``parameters`` cell), checked before it runs.

    >>> NotebookParameters(country="sen", language="en").country
    'SEN'
    >>> check_notebook_parameters("01_sources.ipynb", country="SEN", language="xx")
    Traceback (most recent call last):
    ...
    mpanalysis.errors.ParamsError: 01_sources.ipynb, key 'language': language 'xx' is not available (available: en, fr, pt) (got 'xx')
    """

    country: str
    language: str = "fr"
    edition: Literal["public", "restricted"] = "public"
    input_dir: str = ""
    output_dir: str = ""

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        from mpanalysis.paths import normalize_country_code

        return normalize_country_code(value)

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        from mpanalysis.errors import ReferenceDataError
        from mpanalysis.reference import check_language

        try:
            return check_language(value)
        except ReferenceDataError as exc:
            raise ValueError(str(exc)) from None

    def get_output_folder(self) -> Path:
        """``output_dir``, or ``outputs/<ISO3>/<language>/`` when it is empty."""
        from mpanalysis.paths import outputs_dir

        return Path(self.output_dir) if self.output_dir else outputs_dir(self.country) / self.language


def check_notebook_parameters(notebook: str, **values: object) -> NotebookParameters:
    """Return the validated parameters of ``notebook``; a wrong value raises
    :class:`~mpanalysis.errors.ParamsError` naming the notebook and the parameter."""
    try:
        return NotebookParameters.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        message = error["msg"].removeprefix("Value error, ")
        if "input" in error and not isinstance(error["input"], (dict, list)):
            message += f" (got {error['input']!r})"
        raise ParamsError(message, file=notebook, key=_format_key(error["loc"])) from None
