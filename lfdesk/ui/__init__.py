"""PySide6 widgets and QObject controllers; they show `lfdesk.core` state and call it."""
