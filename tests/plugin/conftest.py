"""The plugin is tested by running sample suites with pytester (enabled by `-p pytester` in
the pytest options of pyproject.toml: pytest only accepts `pytest_plugins` at the root)."""
