-- lms-pipeline identifies a file by its path relative to the extract root and its sha256, so moving the root
-- or editing a file is handled, and paths are no longer limited to 255 characters (reference bug B9).
--
-- Paths are 800 characters here (1,024 on PostgreSQL) so that every key holds any value: an index key may take
-- 1,700 bytes (900 for a clustered one). FullPath as NVARCHAR(800) is 1,600 bytes, so its primary key becomes
-- nonclustered; RelativePath plus ContentHash is 1,600 + 64 bytes. The reference's own UK_SourceSystem keys
-- (1,020 bytes) already need SQL Server 2016's 1,700-byte limit.
--
-- A key column cannot be widened in place: the key is dropped and made again around the change.
ALTER TABLE lms.ProcessedFiles DROP CONSTRAINT ProcessedFiles_PK;
ALTER TABLE lms.ProcessedFiles ALTER COLUMN FullPath NVARCHAR(800) NOT NULL;
ALTER TABLE lms.ProcessedFiles ADD CONSTRAINT ProcessedFiles_PK PRIMARY KEY NONCLUSTERED (FullPath);

ALTER TABLE lms.ProcessedFiles ADD
    RelativePath NVARCHAR(800) NULL,
    ContentHash CHAR(64) NULL,
    ScopeKey NVARCHAR(600) NULL,
    Outcome NVARCHAR(20) NULL,
    RowsLoaded INT NULL,
    RowsQuarantined INT NULL,
    DeletionsHeld INT NULL,
    LoadRunId INT NULL;
GO

-- A batch of its own: the indexes name the columns just added.
CREATE INDEX IX_ProcessedFiles_RelativePath_ContentHash ON lms.ProcessedFiles (RelativePath, ContentHash);
CREATE INDEX IX_ProcessedFiles_Outcome ON lms.ProcessedFiles (Outcome) WHERE Outcome = N'held';
