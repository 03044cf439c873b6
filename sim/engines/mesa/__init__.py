"""The Mesa 3.5 engine: `ClusterModel` (model.py) and its agents `Tailor` and `Firm` (agents.py)."""
