"""The guide as a document: its model (:mod:`.document`), figures (:mod:`.figures`) and chapter
builders (:mod:`.chapters`) that turn the analysis into numbered, bilingual blocks.
"""
