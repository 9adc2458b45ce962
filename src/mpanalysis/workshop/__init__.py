"""The national workshop and the endorsement, in the tool: the workshop's kit (slides of the
preliminary findings, worksheet), the worksheets read back into ``params/<ISO3>.workshop.yaml``,
the authority's review copy and review sheet read back, and the endorsement recorded.

:mod:`.kit` writes the kit, :mod:`.readback` reads filled worksheets, :mod:`.review` writes the
review copy and reads the review sheet and records the endorsement; :mod:`.sheets` is the
spreadsheet writer and reader they share. The decisions' data model is
:mod:`mpanalysis.decisions`, read by every stage below.
"""
