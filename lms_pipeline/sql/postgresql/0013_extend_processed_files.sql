-- lms-pipeline identifies a file by its path relative to the extract root and its sha256, so moving the root
-- or editing a file is handled, and paths are no longer limited to 255 characters (reference bug B9).
ALTER TABLE lms.processedfiles ALTER COLUMN fullpath TYPE VARCHAR(1024);
ALTER TABLE lms.processedfiles ADD COLUMN relativepath VARCHAR(1024) NULL;
ALTER TABLE lms.processedfiles ADD COLUMN contenthash CHAR(64) NULL;
ALTER TABLE lms.processedfiles ADD COLUMN scopekey VARCHAR(600) NULL;
ALTER TABLE lms.processedfiles ADD COLUMN outcome VARCHAR(20) NULL;
ALTER TABLE lms.processedfiles ADD COLUMN rowsloaded INT NULL;
ALTER TABLE lms.processedfiles ADD COLUMN rowsquarantined INT NULL;
ALTER TABLE lms.processedfiles ADD COLUMN deletionsheld INT NULL;
ALTER TABLE lms.processedfiles ADD COLUMN loadrunid INT NULL;

CREATE INDEX ix_processedfiles_relativepath_contenthash ON lms.processedfiles (relativepath, contenthash);
CREATE INDEX ix_processedfiles_outcome ON lms.processedfiles (outcome) WHERE outcome = 'held';
