"""lfdesk: a desktop client for Langflow flows."""

__version__ = "0.1.0"
