"""Example estate, policies and CI configs; shipped in the wheel as ``scanner.samples``."""
