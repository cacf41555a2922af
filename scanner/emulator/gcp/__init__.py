"""The Google Cloud emulator: an API-faithful REST fake on 127.0.0.1 (issue 10)."""
