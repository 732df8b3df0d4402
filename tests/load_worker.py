"""Run a load in a process of its own, so a test can kill it (SIGKILL) wherever it happens to be."""

import sys

from lms_pipeline.discovery.walk import walk_tree
from lms_pipeline.loading.batch import MassDeletePolicy
from lms_pipeline.loading.journal import pending_files
from lms_pipeline.loading.stage import stage_all
from lms_pipeline.store.connections import make_engine
from lms_pipeline.store.engines import dialect_of
from lms_pipeline.store.settings import DatabaseSettings
from lms_pipeline.store.tables import StoreTables


def main(url: str, *roots: str) -> None:
    engine = make_engine(DatabaseSettings.from_url(url))
    tables = StoreTables(dialect_of(engine))
    manifests = [pending_files(engine, tables, walk_tree(r), False) for r in roots]
    stage_all(engine, manifests, None, MassDeletePolicy(allow=True))


if __name__ == "__main__":
    main(*sys.argv[1:])
