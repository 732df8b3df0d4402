-- lms-pipeline least privilege on SQL Server, step 3 of 3: the runtime role's rights on the lms schema. Run AFTER
-- the migration role has applied the migrations (`lms-pipeline migrate -u <its member> ...`), as a member of the
-- migration role (the owner of the lms schema) or of db_owner, connected to the database:
--
--   sqlcmd -S <server> -d <database> -b -i 03_grant_runtime.sql -v runtime_role=lms_runtime
--
-- What the runtime role gets, and why:
--   SELECT, INSERT, UPDATE, DELETE on lms   journal, load runs, quarantine, merge and soft delete of live rows
--   EXECUTE on lms                          the harmonizer's procedures (EXEC lms.harmonize_...) and functions
--   ALTER on each lms.stg_ table            each batch empties the staging tables first, and TRUNCATE TABLE takes
--                                           ALTER on the table; these tables hold nothing between batches
-- Granted on the schema, the first two cover what later migrations create. A later migration that adds a staging
-- table needs this script run again. The runtime role owns nothing, so it can change no other schema object.
GRANT SELECT, INSERT, UPDATE, DELETE, EXECUTE ON SCHEMA::lms TO [$(runtime_role)];
GO

DECLARE @Grants NVARCHAR(MAX) = N'';
SELECT @Grants = @Grants + N'GRANT ALTER ON lms.' + QUOTENAME(t.name) + N' TO ' + QUOTENAME(N'$(runtime_role)')
    + N';'
FROM sys.tables t
WHERE t.schema_id = SCHEMA_ID(N'lms') AND t.name LIKE N'stg[_]%';
EXEC sys.sp_executesql @Grants;
