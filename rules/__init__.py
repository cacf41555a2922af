"""Rule packs and framework catalogs; shipped in the wheel as ``scanner.rules``."""
