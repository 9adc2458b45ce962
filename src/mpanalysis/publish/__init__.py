"""Publishing: assembled guides per edition and length (:mod:`.assemble`), numbered editions
(:mod:`.editions`), open data (:mod:`.opendata`), the regional synthesis (:mod:`.regional`) and
the offline atlas (:mod:`.atlas`).
"""
