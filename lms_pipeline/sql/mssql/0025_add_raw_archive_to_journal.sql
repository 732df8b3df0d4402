-- Where each journaled file came from and when it was extracted, and where the raw archive keeps its copy (none
-- when the run kept no archive, or could not keep the file): what a replay needs once the extractor has pruned it.
ALTER TABLE lms.ProcessedFiles ADD ExtractRoot NVARCHAR(1024) NULL;
ALTER TABLE lms.ProcessedFiles ADD ExtractTime DATETIME2(7) NULL;
ALTER TABLE lms.ProcessedFiles ADD ArchivedAs NVARCHAR(1024) NULL;
