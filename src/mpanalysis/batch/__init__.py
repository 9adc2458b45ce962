"""Batch: the per-country job (:mod:`.job`), kernels that run the chapter notebooks
(:mod:`.kernels`) and the parallel run over countries (:mod:`.run`).
"""
