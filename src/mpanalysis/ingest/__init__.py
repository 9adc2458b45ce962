"""Ingest: from questionnaire exports to a validated :class:`~mpanalysis.ingest.dataset.CountryDataset`.

The questionnaire contract (:mod:`.form`), the XLSForm and offline template (:mod:`.xlsform`), the
readers of KoboToolbox / ODK Central / template files (:mod:`.readers`), row validation
(:mod:`.validation`, :mod:`.schemas`), name reconciliation (:mod:`.reconcile`), the dataset and its
cache (:mod:`.dataset`, :mod:`.cache`), the validation report (:mod:`.report`), a new country's
files (:mod:`.scaffold`) and the synthetic demo region (:mod:`.demo`). Nothing here analyses.
"""
