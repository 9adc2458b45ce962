"""mpanalysis: tailored user guides to each country's migration profile.

The package turns KoboToolbox/ODK exports of the migration-information questionnaire into
validated tables, analyses them (sources, actor network, use of the profile, recommendations)
and assembles one guide per country, language, edition and length. Its folders follow the data:
:mod:`~mpanalysis.ingest` → :mod:`~mpanalysis.analysis` → :mod:`~mpanalysis.guide` →
:mod:`~mpanalysis.render` → :mod:`~mpanalysis.publish`, run by :mod:`~mpanalysis.batch`.

Researchers start here:

- :func:`countries` — the ISO3 codes configured in ``params/``;
- :func:`load` — a country's validated dataset (pandas tables);
- :func:`graph` — its actor network (``networkx.DiGraph``);
- :func:`node_measures` — one row per institution: degrees, betweenness, brokerage roles,
  community, cut-vertex flag;
- :func:`network_summary` — every network measure of chapter II;
- :func:`findings` — what the guide says, as a table, in a language.

>>> import mpanalysis as mp
>>> mp.node_measures("SEN").sort_values("betweenness").tail(1).index[0].startswith("SEN-")
True
"""

import sys

# jsonschema (imported by nbformat, hence by papermill and the batch) builds a whole IRI grammar
# with lark on import when the optional rfc3987-syntax is installed (JupyterLab pulls it in):
# 0.9 s in every process, for a URI format check notebooks never need. Without it, jsonschema
# simply skips that format check.
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)

from mpanalysis._version import __version__
from mpanalysis.api import countries, findings, graph, load, network_summary, node_measures

__all__ = ["__version__", "countries", "findings", "graph", "load", "network_summary", "node_measures"]
