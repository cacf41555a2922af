"""The emulated AWS: moto's server plus our AWS Backup fake on 127.0.0.1, and seeding."""
