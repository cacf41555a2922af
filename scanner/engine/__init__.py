"""The rule engine: rule packs and framework catalogs, policy resolution, evaluation.

Rules are data (``rules/*.yaml``): a CEL expression over ``store``, ``policy`` (the
policy resolved for that store), ``account`` and ``derived`` (facts the engine computes:
ages, residency, windows). The outcome is three-valued — pass, fail, or not_assessed
when data is missing or a gap covers it — then excepted and not_applicable.
"""
