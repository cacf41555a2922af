"""backup-audit: a read-only compliance scanner for the backups of managed data stores.

The pipeline is visible in the layout: ``collectors`` read the clouds into the normalized
``model`` (an inventory snapshot), the engine turns it into findings, renderers and the
gate read findings.
"""

__version__ = "0.1.0"
