"""The vector engine: `VectorModel` (model.py) over a structure of arrays (soa.py), each phase one
compiled call (kernels.py, entry_kernels.py) to the rules of `sim.core.rules` compiled from their
own source (compiled_rules.py, jit.py). Importing it imports neither Mesa nor Solara.
"""
