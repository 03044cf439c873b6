"""What a run measures: the indices as the literature computes them (`indices`, usable on any
data), the monthly timeseries columns built from them for both engines (`monthly`), and the fiscal
account's columns from the government's books (`fiscal`)."""
