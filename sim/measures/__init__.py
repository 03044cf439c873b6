"""What a run measures: the indices as the literature computes them (`indices`, usable on any data)
and the monthly timeseries columns built from them for both engines (`monthly`)."""
