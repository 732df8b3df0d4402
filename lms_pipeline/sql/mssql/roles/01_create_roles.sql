-- lms-pipeline least privilege on SQL Server, step 1 of 3: the two database roles, each with the database user
-- that lms-pipeline connects as. Run once in the database that holds (or will hold) the lms schema, by a member
-- of db_owner or db_securityadmin, with sqlcmd:
--
--   sqlcmd -S <server> -d <database> -b -i 01_create_roles.sql -v migration_role=lms_migration \
--          runtime_role=lms_runtime migration_user=<database user> runtime_user=<database user>
--
-- migration_role  owns the lms schema and everything in it: `lms-pipeline migrate` runs as its member.
-- runtime_role    loads and harmonizes (`lms-pipeline load`, `run`, `harmonize`, the deployments): it reads and
--                 writes rows, empties staging tables and calls the harmonizer's procedures, and can change no
--                 schema object but the staging tables (see 03).
-- SQL Server keeps logins and passwords at the server level: the users are made beforehand, for the logins of
-- your choice (CREATE USER lms_loader FOR LOGIN lms_loader, a Windows login, or a contained user). sqlcmd puts the
-- -v values in place of the variables before sending the script (in comments too, so none are named here); -b
-- stops it at the first error. Running it again changes nothing.
IF (DATABASE_PRINCIPAL_ID(N'$(migration_role)') IS NULL)
    CREATE ROLE [$(migration_role)];
IF (DATABASE_PRINCIPAL_ID(N'$(runtime_role)') IS NULL)
    CREATE ROLE [$(runtime_role)];
GO

-- Adding a member that already is one changes nothing.
ALTER ROLE [$(migration_role)] ADD MEMBER [$(migration_user)];
ALTER ROLE [$(runtime_role)] ADD MEMBER [$(runtime_user)];
