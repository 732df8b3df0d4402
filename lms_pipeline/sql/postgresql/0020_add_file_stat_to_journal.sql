-- What a file was on disk when its content was hashed (size, modification and change times in nanoseconds,
-- device and inode), so that a re-run need not read an unchanged file again; and which runs read every file
-- whatever its stat said, the periodic check of the content guarantee.
ALTER TABLE lms.processedfiles ADD COLUMN filestat VARCHAR(120) NULL;
ALTER TABLE lms.loadrun ADD COLUMN contentchecked BOOLEAN NOT NULL DEFAULT FALSE;
