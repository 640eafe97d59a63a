"""The Qt-free heart of lfdesk: flows, tweaks, requests, code generation, the HTTP client."""
