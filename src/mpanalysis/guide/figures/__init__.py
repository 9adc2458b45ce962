"""Plotly figures of chapters I–II, readable in print and drawn offline.

Every ``plot_…`` function returns a :class:`plotly.graph_objects.Figure` whose values are written
on the figure (not only in hovers), in the language ``lang``, with labels from the reference lists
(:func:`mpanalysis.reference.get_labels`) and from ``data/reference/figures.yaml`` (titles, notes,
legends, alt-text templates, colours, symbols, line styles). Each figure carries a short alt text
generated from the data in ``fig.layout.meta["alt"]`` (plain text: the renderer escapes it), next
to ``meta["figure"]`` (the figure kind), ``meta["lang"]`` and ``meta["title"]``.

Respondents' text (institution names, acronyms, domain codes outside the lists) is escaped before it
reaches plotly, whose text supports a few HTML tags: a name such as ``<b>X</b>`` shows literally.
The same data always give the same figure JSON (sorted inputs, seeded layout, rounded positions).

Static images of these figures (PDF, DOCX) are made by :mod:`mpanalysis.render.static`.
"""

from mpanalysis.guide.figures.flows import STAGE_SUMMARY_COLUMNS, plot_flows_sankey, plot_policy_cycle
from mpanalysis.guide.figures.network import (
    compute_network_layout,
    compute_node_centrality,
    plot_actor_network,
)
from mpanalysis.guide.figures.network_print import plot_actor_network_print
from mpanalysis.guide.figures.sources import plot_coverage_heatmap, plot_source_profile
from mpanalysis.guide.figures.style import (
    CONFIG_FILE_NAME,
    fill_figure_text,
    find_config_text,
    get_figure_text,
)

__all__ = [
    "CONFIG_FILE_NAME",
    "STAGE_SUMMARY_COLUMNS",
    "compute_network_layout",
    "compute_node_centrality",
    "fill_figure_text",
    "find_config_text",
    "get_figure_text",
    "plot_actor_network",
    "plot_actor_network_print",
    "plot_coverage_heatmap",
    "plot_flows_sankey",
    "plot_policy_cycle",
    "plot_source_profile",
]
