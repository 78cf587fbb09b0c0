"""CMQ's surface ids, as specs/cmq/product.yaml names them (the tests of the CMQ product)."""

V3 = "cmq.v3"
LEGACY = "cmq.legacy"
APIS = (V3, LEGACY)
