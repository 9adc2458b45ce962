"""The offline atlas: a static site of the region, with a map and a page per country.

:func:`build_atlas` writes one build of the site, :func:`build_atlases` both builds:

- **public** (``outputs/site/``): every participating country appears on the map and in the
  table with the stage of its exercise, but only countries whose guide is endorsed or published
  get a page, and that page offers only the public edition of the guides and the open data;
- **restricted** (``outputs/site-restricted/``): every country gets a page with every guide
  (public and restricted editions, drafts included) and the validation report.

Layout of a build::

    index.html, index_en.html          the map and the table (one page per language)
    countries/<ISO3>.html, <ISO3>_en.html
    countries/<ISO3>/guides/…          copies of outputs/<ISO3>/guides/… listed in build.json
    countries/<ISO3>/data/…            open data (tables CSV/XLSX, network GraphML/GEXF/CSV)
    countries/<ISO3>/validation/…      restricted build only
    assets/atlas.css, assets/plotly.min.js
    atlas.json                         what was built from what (lets a rerun skip)

**Stage of a country's exercise.** The stages are listed in ``data/reference/atlas.yaml`` from
the earliest (launched, questionnaire, workshop, drafting and validation) to the latest
(endorsed, published). A country is at the latest stage that either its endorsement status or
one of the milestones it has reached (started, not flagged ``done: false``) points to; only the
endorsement status can make it "endorsed" or "published".

Every link is relative and every file is copied into the site, so the folder can be zipped,
served by any web server or opened from a USB stick. The map is drawn by plotly.js (written once
in ``assets/``) from country outlines embedded in the page, with the empty base map that stops
plotly.js from fetching ``world_110m.json`` (see ``render/assets/geo_stub.js``): nothing is
fetched from the network. Names and titles go through jinja2's autoescaping, and into the map
HTML-escaped, so a country name cannot inject markup. A build is written into a temporary folder
beside the target and swapped in whole: a reader never sees a half-built site.
"""

from mpanalysis.publish.atlas.countries import (
    AUDIENCES,
    CONFIG_NAME,
    EDITIONS_BY_AUDIENCE,
    GUIDE_FORMATS,
    GUIDE_LENGTHS,
    PUBLIC_STATUSES,
    RECORD_NAME,
    TEMPLATES_DIR,
    AtlasCountry,
    Audience,
    SiteFile,
    collect_atlas_countries,
    find_exercise_stage,
    is_publicly_listed,
    load_atlas_config,
    select_site_files,
)
from mpanalysis.publish.atlas.map import (
    build_map_figure,
    find_label_point,
    fit_map_frame,
    load_country_outlines,
)
from mpanalysis.publish.atlas.site import (
    build_atlas,
    build_atlases,
    default_site_dir,
    format_size,
    make_page_name,
    replace_folder,
)

__all__ = [
    "AUDIENCES",
    "AtlasCountry",
    "Audience",
    "CONFIG_NAME",
    "EDITIONS_BY_AUDIENCE",
    "GUIDE_FORMATS",
    "GUIDE_LENGTHS",
    "PUBLIC_STATUSES",
    "RECORD_NAME",
    "SiteFile",
    "TEMPLATES_DIR",
    "build_atlas",
    "build_atlases",
    "build_map_figure",
    "collect_atlas_countries",
    "default_site_dir",
    "find_exercise_stage",
    "find_label_point",
    "fit_map_frame",
    "format_size",
    "is_publicly_listed",
    "load_atlas_config",
    "load_country_outlines",
    "make_page_name",
    "replace_folder",
    "select_site_files",
]
