"""A validated batch is reused only while the code that validated it is the same (validation/batch_key.py)."""

from __future__ import annotations

from pathlib import Path

import lms_pipeline
from lms_pipeline.validation import batch_key as keys


def test_every_validation_module_is_part_of_the_key():
    package = Path(lms_pipeline.__file__).parent
    modules = {path.name for path in (package / "validation").glob("*.py")}
    assert modules <= {path.name for path in keys._CODE}
    assert {"values.py", "copy_text.py", "rows.py"} <= modules
