"""What a run measures: the indices as the literature computes them (`indices`, usable on any data)
and the monthly timeseries columns built from them for both engines (`monthly`), the fiscal
account's columns from the government's books (`fiscal`), and the outcomes of a run as a whole,
from its full timeseries (`outcomes`: months to take-off, to a complete chain, self-sustaining)."""
