"""lfdesk: a desktop client for Langflow flows."""

import logging

__version__ = "0.1.0"

# A library's records go nowhere unless the app sets logging up (lfdesk.core.logsetup does
# for the GUI); without this, Python would print warnings on the command line's stderr,
# beside the one-line messages the CLI prints itself.
logging.getLogger(__name__).addHandler(logging.NullHandler())
