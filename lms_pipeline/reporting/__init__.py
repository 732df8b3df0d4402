"""Reporting: the warnings of a run, the terminal summary, the trends and spreadsheet-safe cells."""
