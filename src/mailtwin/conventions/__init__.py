"""Named strategies that give each provider its own look: errors, pages, auth, time."""
