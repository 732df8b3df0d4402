-- Quarantined rows a person can work (lms-pipeline quarantine list, export, retry). Each row names its file by the
-- full path the journal knows it by, since two extract roots may hold the same relative path; and once its file is
-- loaded again (a retry, or a load of a changed file), the row is resolved: when, by which load run, and how
-- (passed: the row loaded; requarantined: it failed again, and that run's own row replaces it; superseded: a newer
-- file of its scope is loaded, so it can never load; reloaded: its file was loaded again before this script).
-- FullPath is as wide as FilePath (no index holds it); the journal's paths are at most 800 characters (0013).
ALTER TABLE lms.Quarantine ADD FullPath NVARCHAR(1024) NULL;
ALTER TABLE lms.Quarantine ADD ResolvedAt DATETIME2(7) NULL;
ALTER TABLE lms.Quarantine ADD ResolvedByRunId INT NULL;
ALTER TABLE lms.Quarantine ADD Resolution NVARCHAR(20) NULL;
GO

-- A batch of its own: the statements name the columns just added.
-- Rows written before this script: the file their run journaled under that relative path, when that run
-- journaled only one file of that path.
UPDATE q
SET FullPath = pf.FullPath
FROM lms.Quarantine AS q
INNER JOIN lms.ProcessedFiles AS pf ON pf.RelativePath = q.FilePath AND pf.LoadRunId = q.LoadRunId
WHERE (
    SELECT COUNT(*) FROM lms.ProcessedFiles AS other
    WHERE other.RelativePath = q.FilePath AND other.LoadRunId = q.LoadRunId
) = 1;

-- Their file's journal row is a later run's: the file was loaded again since, and that run quarantined afresh.
UPDATE q
SET ResolvedAt = getdate(), Resolution = N'reloaded'
FROM lms.Quarantine AS q
WHERE q.FullPath IS NULL
    AND NOT EXISTS (
        SELECT 1 FROM lms.ProcessedFiles AS pf
        WHERE pf.RelativePath = q.FilePath AND pf.LoadRunId = q.LoadRunId
    );
