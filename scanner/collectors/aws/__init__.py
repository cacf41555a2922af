"""AWS collectors: one module per service, plus the orchestration in ``collect``."""
