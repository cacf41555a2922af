"""Renderers: they only read findings (CSV, JUnit XML, Markdown; HTML and PDF later)."""
