"""Deterministic synthetic demo region: KoboToolbox exports and parameters for six countries.

The demo lets every chapter, the batch and the tests run without real answers. Everything the
demo says is data in ``data/demo/*.yaml`` (countries, institution catalogues, texts, the bad rows
planted for the validation report); this module turns that configuration into
``data/raw/<ISO3>/<ISO3>_kobo_export.xlsx`` and ``params/<ISO3>.yaml``.

One seeded :class:`random.Random` per country, no clock, fixed workbook properties and fixed zip
entry timestamps: the same configuration always gives byte-identical files, so the committed
demo can be checked against the generator (:func:`check_demo_region`).
"""

from mpanalysis.ingest.demo.builder import VARIANT_KINDS, DemoCountry, make_name_variant, strip_accents
from mpanalysis.ingest.demo.config import find_demo_config_dir, list_demo_countries, load_demo_config
from mpanalysis.ingest.demo.export import (
    KOBO_MAIN_META,
    KOBO_REPEAT_META,
    ZIP_TIMESTAMP,
    build_demo_country,
    check_demo_region,
    format_params_yaml,
    generate_demo_region,
    make_xlsx_bytes,
)

__all__ = [
    "DemoCountry",
    "KOBO_MAIN_META",
    "KOBO_REPEAT_META",
    "VARIANT_KINDS",
    "ZIP_TIMESTAMP",
    "build_demo_country",
    "check_demo_region",
    "find_demo_config_dir",
    "format_params_yaml",
    "generate_demo_region",
    "list_demo_countries",
    "load_demo_config",
    "make_name_variant",
    "make_xlsx_bytes",
    "strip_accents",
]
