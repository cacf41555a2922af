"""Azure: collectors for Cosmos DB, storage accounts, Azure SQL Database and Backup
vaults (issue 11, in progress: not yet registered in
:data:`scanner.collectors.registry.PLUGINS`, so no store kind of it can vanish).

Every request goes through :mod:`scanner.collectors.azure.guard`, which refuses anything
but the declared ARM read routes before it is sent.
"""
