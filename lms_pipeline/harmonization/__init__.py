"""Harmonization with an Ed-Fi ODS: the LMS catalog, the procedures and the exception reports."""

LMS_NAMES = ("canvas", "google", "schoology")  # every LMS lms-pipeline knows, in the reference harmonizer's order
