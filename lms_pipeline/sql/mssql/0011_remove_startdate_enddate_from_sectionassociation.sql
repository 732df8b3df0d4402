-- The reference drops the two columns 0006 created, from the live table only (staging keeps them).
-- Guarded, like the PostgreSQL script, so a table changed by hand does not stop the migration.
IF (COL_LENGTH(N'lms.LMSUserLMSSectionAssociation', N'StartDate') IS NOT NULL)
    ALTER TABLE lms.LMSUserLMSSectionAssociation DROP COLUMN StartDate;
IF (COL_LENGTH(N'lms.LMSUserLMSSectionAssociation', N'EndDate') IS NOT NULL)
    ALTER TABLE lms.LMSUserLMSSectionAssociation DROP COLUMN EndDate;
