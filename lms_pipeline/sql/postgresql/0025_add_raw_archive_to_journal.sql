-- Where each journaled file came from and when it was extracted, and where the raw archive keeps its copy (none
-- when the run kept no archive, or could not keep the file): what a replay needs once the extractor has pruned it.
ALTER TABLE lms.processedfiles ADD COLUMN extractroot VARCHAR(1024) NULL;
ALTER TABLE lms.processedfiles ADD COLUMN extracttime TIMESTAMP NULL;
ALTER TABLE lms.processedfiles ADD COLUMN archivedas VARCHAR(1024) NULL;
