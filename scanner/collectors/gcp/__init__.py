"""Google Cloud: collectors for Cloud Storage, Firestore, Cloud SQL and Backup and DR.

Work in progress (issue 10): not yet registered in :data:`scanner.collectors.registry.PLUGINS`.
Every request goes through :mod:`scanner.collectors.gcp.guard`, which refuses anything
but the declared REST read routes before it is sent.
"""
