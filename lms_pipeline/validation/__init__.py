"""Validation: read extract CSVs strictly and turn them into typed rows, quarantining what is wrong."""
