"""Google Cloud: collectors for Cloud Storage, Firestore, Cloud SQL, Backup and DR and
each project's audit trail (registered in :data:`scanner.collectors.registry.PLUGINS`).

Every request goes through :mod:`scanner.collectors.gcp.guard`, which refuses anything
but the declared REST read routes before it is sent.
"""
