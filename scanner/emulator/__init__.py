"""The emulated AWS estate behind ``backup-audit demo``; the tests use the same code.

moto in server mode answers the services it implements faithfully (DynamoDB, S3, RDS,
KMS, STS, EC2, tagging); :mod:`scanner.emulator.backup_fake` answers the AWS Backup
reads moto lacks. Both listen on 127.0.0.1 only. Needs the ``demo`` extra (moto).
"""
