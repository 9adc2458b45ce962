"""The regional synthesis for the senior officials' meeting: every participating country side by side.

One :class:`CountrySnapshot` per country holds what the comparison needs, computed by the same
functions as the national guides (:mod:`~mpanalysis.analysis.sources`, :mod:`~mpanalysis.analysis.network`,
:mod:`~mpanalysis.analysis.profile`, :mod:`~mpanalysis.analysis.findings`, :mod:`~mpanalysis.analysis.recommendations`,
:mod:`~mpanalysis.guide.figures.timeline`), so the synthesis and the guides print the same numbers.
:func:`collect_region` gathers them; a country whose parameters or answers cannot be read is left
out and named in the synthesis, never stopping the others.

:func:`build_regional_synthesis` returns a :class:`~mpanalysis.guide.document.Guide` with five chapters
(the exercise and its timeline, source coverage, network indicators, challenges,
recommendations) and a method annex. Every sentence is a template of
``data/reference/chapters/regional.yaml`` filled with computed values. Definitions:

- each country counts once in regional averages and medians, whatever its size;
- a *coverage gap* is a domain where a country reports no existing source (as in chapter I);
- a challenge's regional score is the mean of the countries' scores (prevalence × mean severity,
  as :func:`mpanalysis.analysis.profile.build_problem_matrix` defines them); the regional rank follows it;
- a recommendation rule *applies* in a country when it produced a recommendation there, kept as
  is or merged into an equivalent one adopted at the national workshop.

The synthesis carries the DRAFT mark while any included country's guide is not endorsed or
published, and the synthetic-data mark when any country's data are the demo's.

:func:`write_regional_outputs` writes, per language, the HTML and PDF (through
:func:`mpanalysis.render.render_guide`) and a slide deck (:func:`build_slides_html`): one slide
per key figure or table (the blocks flagged ``in_brief``), self-contained, working offline, with
plotly.js inlined once and a small keyboard-driven slide engine
(``src/mpanalysis/publish/regional/templates/``).
"""

from mpanalysis.publish.regional.data import (
    CountrySnapshot,
    RegionData,
    build_challenge_comparison,
    build_challenge_ranking,
    build_common_recommendations,
    build_country_snapshot,
    build_coverage_comparison,
    build_network_comparison,
    build_recommendation_counts,
    build_region_milestones,
    collect_region,
    parse_countries,
)
from mpanalysis.publish.regional.figures import (
    plot_challenge_heatmap,
    plot_coverage_comparison,
    plot_network_comparison,
    plot_recommendation_counts,
    plot_region_timeline,
)
from mpanalysis.publish.regional.slides import build_slides_html, write_slides
from mpanalysis.publish.regional.synthesis import (
    build_regional_synthesis,
    show_synthesis,
    write_regional_outputs,
)
from mpanalysis.publish.regional.texts import get_regional_text

__all__ = [
    "CountrySnapshot",
    "RegionData",
    "build_challenge_comparison",
    "build_challenge_ranking",
    "build_common_recommendations",
    "build_country_snapshot",
    "build_coverage_comparison",
    "build_network_comparison",
    "build_recommendation_counts",
    "build_region_milestones",
    "build_regional_synthesis",
    "build_slides_html",
    "collect_region",
    "get_regional_text",
    "parse_countries",
    "plot_challenge_heatmap",
    "plot_coverage_comparison",
    "plot_network_comparison",
    "plot_recommendation_counts",
    "plot_region_timeline",
    "show_synthesis",
    "write_regional_outputs",
    "write_slides",
]
