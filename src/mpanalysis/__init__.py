"""mpanalysis: tailored, bilingual user guides to each country's migration profile.

The package turns KoboToolbox/ODK exports of the migration-information questionnaire into
validated canonical tables (:mod:`mpanalysis.ingest.dataset`), analyses them (sources, actor network,
profile use, recommendations) and assembles one guide per country, language and edition.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mpanalysis")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
