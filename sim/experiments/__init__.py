"""Running the model and analysing runs: one run (`run`), sweep files and their designs (`plan`),
their execution (`runner`, `executors`) and storage (`store`), the paired lever comparison
(`compare`), times to an event with censoring (`survival`: Kaplan-Meier, log-rank) and
sensitivity indices (`sensitivity`). Analysis returns tables; the command line
(`sim.cli`) and the figures (`sim.viz`) present them."""
