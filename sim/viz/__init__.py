"""Figures: the matplotlib charts and maps of runs and sweeps (`plots`) and the live Mesa
dashboard (`dashboard`, served by `python -m sim dashboard`; only it imports Solara)."""
