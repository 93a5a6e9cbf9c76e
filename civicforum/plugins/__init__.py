"""Built-in plugins, written only against the public hooks."""
