"""`python -m lfdesk`."""

from lfdesk.cli import main

raise SystemExit(main())
