"""Input and output that every layer shares: one-line input errors (`errors`) and YAML loading
with `extends:` and overrides (`loading`)."""
