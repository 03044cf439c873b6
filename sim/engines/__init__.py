"""The engines that run the model of `sim.core`: `mesa` (readable agents, the reference and the
dashboard's) and `vector` (structure of arrays and compiled kernels, for large runs and sweeps).
"""
