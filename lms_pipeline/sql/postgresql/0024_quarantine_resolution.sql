-- Quarantined rows a person can work (lms-pipeline quarantine list, export, retry). Each row names its file by the
-- full path the journal knows it by, since two extract roots may hold the same relative path; and once its file is
-- loaded again (a retry, or a load of a changed file), the row is resolved: when, by which load run, and how
-- (passed: the row loaded; requarantined: it failed again, and that run's own row replaces it; superseded: a newer
-- file of its scope is loaded, so it can never load; reloaded: its file was loaded again before this script).
ALTER TABLE lms.quarantine ADD COLUMN fullpath VARCHAR(1024) NULL;
ALTER TABLE lms.quarantine ADD COLUMN resolvedat TIMESTAMP NULL;
ALTER TABLE lms.quarantine ADD COLUMN resolvedbyrunid INT NULL;
ALTER TABLE lms.quarantine ADD COLUMN resolution VARCHAR(20) NULL;

-- Rows written before this script: the file their run journaled under that relative path, when that run
-- journaled only one file of that path.
UPDATE lms.quarantine AS q
SET fullpath = pf.fullpath
FROM lms.processedfiles AS pf
WHERE pf.relativepath = q.filepath
    AND pf.loadrunid = q.loadrunid
    AND (
        SELECT COUNT(*) FROM lms.processedfiles AS other
        WHERE other.relativepath = q.filepath AND other.loadrunid = q.loadrunid
    ) = 1;

-- Their file's journal row is a later run's: the file was loaded again since, and that run quarantined afresh.
UPDATE lms.quarantine
SET resolvedat = CURRENT_TIMESTAMP, resolution = 'reloaded'
WHERE fullpath IS NULL
    AND NOT EXISTS (
        SELECT 1 FROM lms.processedfiles AS pf
        WHERE pf.relativepath = lms.quarantine.filepath AND pf.loadrunid = lms.quarantine.loadrunid
    );
