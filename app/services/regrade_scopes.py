"""Which submissions a re-grade covers. Apart from ``app.services.regrade`` so that the command line can
offer the choices without importing the database layer (0.4 s of CPU that `jaxtutor check` does not need)."""

from __future__ import annotations

SCOPES = ("latest", "all", "ungrouped")
DEFAULT_SCOPE = "latest"
