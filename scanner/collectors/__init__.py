"""Collectors: read-only readers of cloud APIs that produce the normalized inventory.

One package per cloud, one module per service. Each module declares the read operations
it may call (and the permission each needs); the guard refuses anything else before it
is sent, and ``backup-audit permissions`` prints the policy built from the same lists.
"""
