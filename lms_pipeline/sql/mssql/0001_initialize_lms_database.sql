-- The LMS data store's schema and its migration journal (reference names and shape).
-- CREATE SCHEMA must be alone in its batch, hence dynamic SQL; the table goes in a batch of its own so that it
-- compiles after the schema exists. Both steps are skipped when already done, as on PostgreSQL.
IF (SCHEMA_ID(N'lms') IS NULL) EXEC sys.sp_executesql N'CREATE SCHEMA lms';
GO

IF (OBJECT_ID(N'lms.MigrationJournal', N'U') IS NULL)
CREATE TABLE lms.MigrationJournal (
    Script VARCHAR(250) NOT NULL,
    InstallDate DATETIME2(7) NOT NULL DEFAULT (getdate()),
    CONSTRAINT PK_MigrationJournal PRIMARY KEY CLUSTERED (Script)
);
