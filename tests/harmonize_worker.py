"""Harmonize Canvas in a process of its own, so a test can kill it (SIGKILL) wherever it happens to be."""

import sys

from lms_pipeline.harmonization.procedures import harmonize_lms
from lms_pipeline.store.connections import make_engine
from lms_pipeline.store.settings import DatabaseSettings

if __name__ == "__main__":
    harmonize_lms(make_engine(DatabaseSettings.from_url(sys.argv[1])), "canvas")
