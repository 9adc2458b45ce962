"""Analysis: what the answers say, as tables, measures and findings (no rendering).

Sources and coverage (:mod:`.sources`), the actor network (:mod:`.network`), use of the profile and
the problem matrix (:mod:`.profile`), findings (:mod:`.findings`) and recommendation rules
(:mod:`.recommendations`).
"""
