"""Harmonization with an Ed-Fi ODS: the LMS catalog, the procedures and the exception reports."""

from lms_pipeline.harmonization.catalog import LMS_BY_NAME

LMS_NAMES = tuple(LMS_BY_NAME)  # every LMS lms-pipeline knows, in the reference harmonizer's order
