"""The Azure emulator: an API-faithful fake of Azure Resource Manager on 127.0.0.1
(issue 11, in progress)."""
