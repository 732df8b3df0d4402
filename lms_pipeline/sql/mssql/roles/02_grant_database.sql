-- lms-pipeline least privilege on SQL Server, step 2 of 3: what each role may do in the database that holds (or
-- will hold) the lms schema: the LMS data store's own database, or the Ed-Fi ODS database when harmonizing. Run
-- by a member of db_owner, BEFORE the first migration, connected to that database:
--
--   sqlcmd -S <server> -d <database> -b -i 02_grant_database.sql \
--          -v migration_role=lms_migration runtime_role=lms_runtime
--
-- The lms schema is made here, owned by the migration role: its members create the data store's objects in it,
-- which then belong to the role rather than to one login (0001 finds the schema and keeps it). Creating objects
-- also takes the database's CREATE permissions; the runtime role gets none.
-- In an Ed-Fi ODS (the edfi and lmsx schemas exist), both roles read edfi, the migration role creates the
-- harmonizer's exception views in lmsx, and the runtime role writes the lmsx tables: the harmonizer's procedures
-- belong to the migration role and the ODS tables to the ODS's owner, so SQL Server checks the caller's own
-- permissions on those tables. Creating a view in lmsx takes ALTER on that schema, which also lets the migration
-- role change the ODS's lmsx tables: SQL Server has no narrower permission for it. Run it again after an ODS
-- upgrade; it changes nothing else.
IF (SCHEMA_ID(N'lms') IS NULL)
    EXEC sys.sp_executesql N'CREATE SCHEMA lms AUTHORIZATION [$(migration_role)]';
GO

ALTER AUTHORIZATION ON SCHEMA::lms TO [$(migration_role)];
GRANT CREATE TABLE, CREATE VIEW, CREATE PROCEDURE, CREATE FUNCTION TO [$(migration_role)];
GO

IF (SCHEMA_ID(N'edfi') IS NOT NULL AND SCHEMA_ID(N'lmsx') IS NOT NULL)
BEGIN
    GRANT SELECT ON SCHEMA::edfi TO [$(migration_role)];
    GRANT SELECT ON SCHEMA::edfi TO [$(runtime_role)];
    GRANT SELECT, ALTER ON SCHEMA::lmsx TO [$(migration_role)];
    GRANT SELECT, INSERT, UPDATE, DELETE ON SCHEMA::lmsx TO [$(runtime_role)];
END;
