"""The connection flags of a PostgreSQL database as a person types them on the command line."""

from __future__ import annotations


def database_flags(settings, password: str = "unused") -> list[str]:
    """-e postgresql -s HOST --port PORT -d NAME -u USER -p PASSWORD (trust authentication ignores the password)."""
    return [
        "-e",
        "postgresql",
        "-s",
        settings.server,
        "--port",
        str(settings.effective_port),
        "-d",
        settings.dbname,
        "-u",
        settings.username or "postgres",
        "-p",
        password,
    ]
