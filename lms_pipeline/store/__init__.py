"""The data store: connection settings, engines, dialects, tables and migrations."""

ENGINES = ("mssql", "postgresql")
DEFAULT_ENGINE = "mssql"  # the reference loader's default, kept by the command line
