"""Counts in messages agree with their nouns."""

import pytest

from lms_pipeline.wording import plural, there_are


@pytest.mark.parametrize(
    "count, noun, expected",
    [
        (0, "batch", "0 batches"),
        (1, "batch", "1 batch"),
        (36, "batch", "36 batches"),
        (1, "process", "1 process"),
        (2, "process", "2 processes"),
        (2, "unmatched user", "2 unmatched users"),
        (1, "candidate SIS section", "1 candidate SIS section"),
    ],
)
def test_plural(count, noun, expected):
    assert plural(count, noun) == expected


def test_there_are_agrees_with_its_count():
    assert there_are(1, "missing descriptor") == "There is 1 missing descriptor"
    assert there_are(0, "missing descriptor") == "There are 0 missing descriptors"
    assert there_are(2, "missing descriptor") == "There are 2 missing descriptors"
