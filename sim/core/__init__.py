"""The model itself, whatever engine runs it: the scenario schema, the shared codes, the rules,
the value chain, the county's space, the initial population, the government's budgets, the
county-level state both engines share (`world`), the random streams and the scaling of a scenario.

Nothing here imports an engine, the measures, the experiments, the figures or the command line.
"""
