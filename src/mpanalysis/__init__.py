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

from mpanalysis._version import __version__
from mpanalysis.api import countries, findings, graph, load, network_summary, node_measures

__all__ = ["__version__", "countries", "findings", "graph", "load", "network_summary", "node_measures"]
