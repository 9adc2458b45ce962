"""Reading and checking the demo configuration (``data/demo/*.yaml``)."""

from __future__ import annotations

from pathlib import Path

import yaml

from mpanalysis.errors import ReferenceDataError
from mpanalysis.ingest.demo.builder import _Institution
from mpanalysis.ingest.form import get_field
from mpanalysis.paths import data_dir, find_project_root
from mpanalysis.reference import get_codes

_CONFIG_FILES = ("countries.yaml", "institutions.yaml", "texts.yaml")


# --------------------------------------------------------------------------------------------
# configuration
# --------------------------------------------------------------------------------------------

def find_demo_config_dir(root: Path | None = None) -> Path:
    """Return the folder of the demo configuration (``data/demo``) for a project root.

    A root without its own configuration (a temporary output folder) falls back to the
    project's.

    >>> find_demo_config_dir().name
    'demo'
    """
    if root is not None and (data_dir(root) / "demo" / "countries.yaml").is_file():
        return data_dir(root) / "demo"
    return data_dir(find_project_root()) / "demo"


def load_demo_config(config_dir: Path | None = None) -> dict:
    """Read and check the demo configuration (``countries.yaml``, ``institutions.yaml``, ``texts.yaml``).

    Returns one mapping with the keys of ``countries.yaml`` plus ``institutions`` (catalogues per
    language) and ``texts``. Codes are checked against the reference lists, so a typo in the
    configuration stops the generator instead of planting an unintended bad row.

    >>> config = load_demo_config()
    >>> sorted(config["institutions"])
    ['en', 'fr']
    """
    folder = Path(config_dir) if config_dir else find_demo_config_dir()
    loaded = {}
    for name in _CONFIG_FILES:
        path = folder / name
        if not path.is_file():
            raise ReferenceDataError(f"{path}: demo configuration file not found")
        try:
            loaded[name] = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ReferenceDataError(f"{path}: not valid YAML ({exc})") from None
    config = dict(loaded["countries.yaml"])
    config["institutions"] = loaded["institutions.yaml"]
    config["texts"] = loaded["texts.yaml"]
    _check_config(config, folder)
    return config


def _check_config(config: dict, folder: Path) -> None:
    types, domains = get_codes("institution_types"), get_codes("domains")
    kinds, periods, access = get_codes("source_kinds"), get_codes("periodicities"), get_codes("source_access")
    for lang, catalogue in config["institutions"].items():
        keys = [entry["key"] for entry in catalogue]
        if len(keys) != len(set(keys)):
            raise ReferenceDataError(f"{folder / 'institutions.yaml'}, key '{lang}': duplicated institution keys")
        acronyms = [entry.get("acronym") for entry in catalogue if entry.get("acronym")]
        if len(acronyms) != len(set(acronyms)):
            raise ReferenceDataError(f"{folder / 'institutions.yaml'}, key '{lang}': duplicated acronyms")
        for entry in catalogue:
            where = f"{folder / 'institutions.yaml'}, key '{lang}.{entry['key']}'"
            unknown = sorted(set(entry) - set(_Institution.__dataclass_fields__))
            if unknown:
                raise ReferenceDataError(f"{where}: unknown keys {unknown}")
            if entry["type"] not in types:
                raise ReferenceDataError(f"{where}: unknown institution type '{entry['type']}'")
            for source in entry.get("sources", []):
                for value, allowed in [(source["domain"], domains), (source["kind"], kinds),
                                       (source.get("periodicity"), periods), (source.get("access"), access)]:
                    if value is not None and value not in allowed:
                        raise ReferenceDataError(f"{where}: '{value}' is not one of {allowed}")
    for iso3, country in config["countries"].items():
        where = f"{folder / 'countries.yaml'}, key 'countries.{iso3}'"
        keys = {entry["key"] for entry in config["institutions"][country["catalogue"]]}
        for pinned in country.get("pinned_variants", []):
            if pinned["entity"] not in keys:
                raise ReferenceDataError(f"{where}.pinned_variants: unknown institution '{pinned['entity']}'")
        for hub in country.get("non_responding_hubs", []):
            if hub not in keys:
                raise ReferenceDataError(f"{where}.non_responding_hubs: unknown institution '{hub}'")
        for member in country.get("params", {}).get("working_group", []):
            if member not in keys:
                raise ReferenceDataError(f"{where}.params.working_group: unknown institution '{member}'")
        for key, codes in (("domains_without_exchange", domains),
                           ("stages_without_flows", get_codes("policy_stages"))):
            for code in country.get(key, []):
                if code not in codes:
                    raise ReferenceDataError(f"{where}.{key}: '{code}' is not one of {codes}")
        for problem in country.get("planted_problems", []):
            column = problem.get("column")
            if (problem["kind"] == "unknown_choice" and country["layout"]["expanded_multiple"]
                    and get_field(column).kind == "select_multiple"):
                # Kobo has no 0/1 column for an unknown option: the expanded columns would hide it.
                raise ReferenceDataError(f"{where}.planted_problems: an unknown select-multiple code cannot be "
                                 "planted in a layout with expanded columns")


def list_demo_countries(config: dict | None = None) -> list[str]:
    """Return the ISO3 codes of the demo countries, in configuration order.

    >>> list_demo_countries()
    ['SEN', 'MAR', 'CIV', 'NER', 'GMB', 'GHA']
    """
    return list((config or load_demo_config())["countries"])
