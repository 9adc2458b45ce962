"""The atlas configuration, each country's stage of the exercise and the files its page may list."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from mpanalysis.errors import MpanalysisError, ReferenceDataError
from mpanalysis.params import CountryParams, load_params
from mpanalysis.paths import outputs_dir, reference_dir

logger = logging.getLogger(__name__)
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")

Audience = Literal["public", "restricted"]
AUDIENCES: tuple[str, ...] = ("public", "restricted")
#: Guide editions a build may offer, per audience.
EDITIONS_BY_AUDIENCE = {"public": ("public",), "restricted": ("public", "restricted")}
GUIDE_FORMATS = ("html", "pdf", "docx")
GUIDE_LENGTHS = ("full", "brief")
#: Endorsement statuses whose guide the public build offers.
PUBLIC_STATUSES = ("endorsed", "published")
TEMPLATES_DIR = Path(__file__).parent / "templates"
CONFIG_NAME = "atlas.yaml"
RECORD_NAME = "atlas.json"

_GUIDE_PATH = re.compile(r"guides/(?P<country>[A-Z]{3})_guide_(?P<lang>[a-z]{2})_(?P<edition>public|restricted)"
                         r"_(?P<length>full|brief)\.(?P<fmt>html|pdf|docx)")
#: Open-data and validation files are single, plain file names inside their folder: a build
#: record cannot point the atlas at a file elsewhere (``../…``).
_FOLDER_FILE = re.compile(r"(?P<folder>data|validation)/(?P<name>[A-Za-z0-9][A-Za-z0-9_.-]*)")


# ----------------------------------------------------------------------------------------------
# Configuration


def load_atlas_config(path: Path | None = None) -> dict[str, Any]:
    """Load ``data/reference/atlas.yaml`` and check it: every text in every site language,
    colours as ``#rrggbb``, stages with codes.

    >>> config = load_atlas_config()
    >>> config["languages"], [s["code"] for s in config["stages"]][-2:]
    (['fr', 'en', 'pt'], ['endorsed', 'published'])
    """
    path = Path(path) if path else reference_dir() / CONFIG_NAME
    return _load_config_cached(str(path), path.stat().st_mtime_ns if path.is_file() else 0)


@lru_cache(maxsize=4)
def _load_config_cached(path_text: str, _mtime: int) -> dict[str, Any]:
    from mpanalysis.reference import read_reference_yaml

    path = Path(path_text)
    config = read_reference_yaml(path, "the atlas configuration")
    languages = config.get("languages") or []

    def check_text(value: object, key: str) -> None:
        missing = [lang for lang in languages
                   if not isinstance(value, dict) or not isinstance(value.get(lang), str)]
        if missing:
            raise ReferenceDataError(f"{path}, key '{key}': no text in {', '.join(missing)}")

    for key in ("stages", "not_participating", "map", "texts", "data_files"):
        if key not in config:
            raise ReferenceDataError(f"{path}, key '{key}': required key is missing")
    for key, value in config["texts"].items():
        check_text(value, f"texts.{key}")
    for key, value in config["data_files"].items():
        check_text(value, f"data_files.{key}")
    check_text(config["not_participating"].get("label"), "not_participating.label")
    colours = {"not_participating.colour": config["not_participating"].get("colour")}
    codes = []
    for i, stage in enumerate(config["stages"]):
        where = f"stages[{i}]"
        if not isinstance(stage, dict) or not stage.get("code"):
            raise ReferenceDataError(f"{path}, key '{where}.code': required key is missing")
        codes.append(stage["code"])
        for key in ("label", "description"):
            check_text(stage.get(key), f"{where}.{key}")
        colours[f"{where}.colour"] = stage.get("colour")
        colours[f"{where}.label_colour"] = stage.get("label_colour")
        stage.setdefault("milestones", [])
        stage.setdefault("statuses", [])
    for key, colour in colours.items():
        if not isinstance(colour, str) or not _COLOUR.fullmatch(colour):
            raise ReferenceDataError(f"{path}, key '{key}': a colour is written #rrggbb (got {colour!r})")
    if len(set(codes)) != len(codes):
        raise ReferenceDataError(f"{path}, key 'stages': duplicated stage codes")
    return config


def _texts(config: dict[str, Any], lang: str) -> dict[str, str]:
    return {key: value[lang] for key, value in config["texts"].items()}


# ----------------------------------------------------------------------------------------------
# Countries: stage, files


def find_exercise_stage(params: CountryParams, today: dt.date | None = None,
                        config: dict[str, Any] | None = None) -> str:
    """Return the stage code of a country's exercise (see the module's documentation).

    >>> p = CountryParams(country="GMB", milestones=[
    ...     {"stage": "questionnaire", "start": "2025-05-05", "end": "2025-06-13"},
    ...     {"stage": "workshop", "start": "2025-09-09"},
    ...     {"stage": "drafting", "start": "2025-10-01", "done": False}])
    >>> find_exercise_stage(p, dt.date(2025, 12, 1))
    'workshop'
    >>> find_exercise_stage(p, dt.date(2025, 6, 1))
    'questionnaire'
    >>> find_exercise_stage(CountryParams(country="SEN", endorsement={"status": "published"}))
    'published'
    >>> find_exercise_stage(CountryParams(country="NER"))
    'launched'
    """
    config = config or load_atlas_config()
    today = today or dt.date.today()
    reached = {m.stage for m in params.milestones if m.done and m.start <= today}
    stage = config["stages"][0]["code"]
    for candidate in config["stages"]:
        if params.endorsement.status in candidate["statuses"] or reached & set(candidate["milestones"]):
            stage = candidate["code"]
    return stage


def is_publicly_listed(params: CountryParams) -> bool:
    """True when the public atlas offers the country's guides (endorsed or published).

    >>> is_publicly_listed(CountryParams(country="SEN", endorsement={"status": "validated"}))
    False
    >>> is_publicly_listed(CountryParams(country="SEN", endorsement={"status": "published"}))
    True
    """
    return params.endorsement.status in PUBLIC_STATUSES


@dataclass(frozen=True)
class SiteFile:
    """A file of a country's outputs, copied into the site.

    ``source`` is relative to ``outputs/<ISO3>/`` (as in ``build.json``); ``kind`` is ``guide``,
    ``data`` or ``validation``; guides also carry language, edition, length and format.
    """

    country: str
    source: str
    kind: str
    size_bytes: int = 0
    lang: str | None = None
    edition: str | None = None
    length: str | None = None
    fmt: str | None = None

    @property
    def name(self) -> str:
        return self.source.rsplit("/", 1)[-1]

    @property
    def site_path(self) -> str:
        """Path inside the site, e.g. ``countries/SEN/guides/SEN_guide_fr_public_full.pdf``."""
        return f"countries/{self.country}/{self.source}"


def select_site_files(country: str, outputs: list[str], audience: Audience) -> list[SiteFile]:
    """Return the files of a build record that a build of the atlas offers, in a stable order.

    The public build keeps the public edition of the guides and the open data; the restricted
    build keeps every edition and the validation report. Anything else (work files, logs, paths
    leaving the country's folder) is never offered.

    >>> outs = ["guides/SEN_guide_fr_public_full.pdf", "guides/SEN_guide_fr_restricted_full.pdf",
    ...         "data/sources.csv", "validation/issues.csv", "work/fr/x.json", "data/../../secret"]
    >>> [f.source for f in select_site_files("SEN", outs, "public")]
    ['guides/SEN_guide_fr_public_full.pdf', 'data/sources.csv']
    >>> [f.kind for f in select_site_files("SEN", outs, "restricted")]
    ['guide', 'guide', 'data', 'validation']
    """
    files = []
    for rel in outputs:
        guide = _GUIDE_PATH.fullmatch(rel)
        if guide:
            if guide["country"] == country and guide["edition"] in EDITIONS_BY_AUDIENCE[audience]:
                files.append(SiteFile(country, rel, "guide", lang=guide["lang"], edition=guide["edition"],
                                      length=guide["length"], fmt=guide["fmt"]))
            continue
        other = _FOLDER_FILE.fullmatch(rel)
        if other and ".." not in other["name"]:
            if other["folder"] == "data" or audience == "restricted":
                files.append(SiteFile(country, rel, "data" if other["folder"] == "data" else "validation"))
    kind_order = {"guide": 0, "data": 1, "validation": 2}
    return sorted(files, key=lambda f: (kind_order[f.kind], f.source))


@dataclass
class AtlasCountry:
    """One participating country as a build of the atlas shows it."""

    iso3: str
    params: CountryParams
    stage: str
    has_page: bool
    record: dict[str, Any] | None = None
    files: list[SiteFile] = field(default_factory=list)

    def get_files(self, kind: str) -> list[SiteFile]:
        return [f for f in self.files if f.kind == kind]


def _read_record(path: Path) -> dict[str, Any] | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and isinstance(record.get("outputs"), list) else None


def _normalise_countries(countries: list[str] | None) -> list[str]:
    from mpanalysis.params import list_region_countries

    return sorted({c.upper() for c in (countries if countries is not None else list_region_countries())})


def collect_atlas_countries(countries: list[str] | None, audience: Audience,
                            today: dt.date | None = None,
                            config: dict[str, Any] | None = None) -> tuple[list[AtlasCountry], list[dict]]:
    """Return the participating countries as a build shows them, and those set aside.

    A country whose parameters cannot be read is set aside (``{"country", "reason"}``) so that
    one broken file never stops the atlas of the others. Only files listed in the country's
    ``build.json`` (written last by a successful build) and still present are offered.
    """
    config = config or load_atlas_config()
    selected, skipped = [], []
    for iso3 in _normalise_countries(countries):
        try:
            params = load_params(iso3)
        except MpanalysisError as exc:
            logger.warning("atlas: %s left out: %s", iso3, exc)
            skipped.append({"country": iso3, "reason": str(exc)})
            continue
        has_page = audience == "restricted" or is_publicly_listed(params)
        entry = AtlasCountry(iso3, params, find_exercise_stage(params, today, config), has_page)
        entry.record = _read_record(outputs_dir(iso3) / "build.json")
        if has_page and entry.record is not None:
            base = outputs_dir(iso3)
            for item in select_site_files(iso3, [str(o) for o in entry.record["outputs"]], audience):
                source = base / item.source
                if source.is_file():
                    entry.files.append(replace(item, size_bytes=source.stat().st_size))
                else:
                    logger.warning("atlas: %s listed in %s/build.json is missing", item.source, iso3)
        selected.append(entry)
    return selected, skipped
