"""External deviations: a catalog of doc-derived deviations, the proxy that injects one at a
time between the suite and any target, and ``cmqconform mutate --external`` (the score)."""
