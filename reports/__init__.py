"""Report templates and print CSS; shipped in the wheel as ``scanner.reports``."""
