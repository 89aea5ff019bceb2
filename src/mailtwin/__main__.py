"""`python -m mailtwin` runs the command line."""

from __future__ import annotations

from mailtwin.cli import main

raise SystemExit(main())
