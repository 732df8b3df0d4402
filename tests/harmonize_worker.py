"""Harmonize Canvas in a process of its own, so a test can kill it (SIGKILL) wherever it happens to be."""

import sys

from lms_pipeline.settings import DatabaseSettings
from lms_pipeline.tasks.database import make_engine
from lms_pipeline.tasks.harmonizing import harmonize_lms

if __name__ == "__main__":
    harmonize_lms(make_engine(DatabaseSettings.from_url(sys.argv[1])), "canvas")
