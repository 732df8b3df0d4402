"""The data store: connection settings, the engines (one module each, in engines/), tables and migrations."""

DEFAULT_ENGINE = "mssql"  # the reference loader's default, kept by the command line
