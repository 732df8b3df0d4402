-- lms-pipeline least privilege, step 2 of 3: what each role may do in the database that holds (or will hold) the
-- lms schema: the LMS data store's own database, or the Ed-Fi ODS database when harmonizing. Run by the database
-- owner or a superuser, BEFORE the first migration, connected to that database:
--
--   psql -h <server> -U <admin> -d <database> \
--        -v migration_role=lms_migration -v runtime_role=lms_runtime -f 02_grant_database.sql
--
-- The migration role may create the lms schema (CREATE on the database); the runtime role may only connect.
-- In an Ed-Fi ODS (the edfi and lmsx schemas exist), both roles read edfi, the migration role creates the
-- harmonizer's exception views in lmsx, and the runtime role writes the lmsx tables and, where the ODS tracks
-- changes, their change versions and tracked deletes: the harmonizer's procedures run with the privileges of the
-- role that calls them (they are not SECURITY DEFINER), and its views with those of their owner, the migration
-- role. Run this script as the owner of the ODS's schemas (or a superuser); run it again after an ODS upgrade adds
-- tables.
\set ON_ERROR_STOP on

SELECT format('GRANT CONNECT, CREATE ON DATABASE %I TO %I', current_database(), :'migration_role') \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), :'runtime_role') \gexec
-- The runtime role keeps TEMPORARY (PUBLIC has it by default): the harmonizer's procedures use temporary tables.

SELECT to_regnamespace('edfi') IS NOT NULL AND to_regnamespace('lmsx') IS NOT NULL AS is_ods \gset
\if :is_ods
GRANT USAGE ON SCHEMA edfi, lmsx TO :"migration_role", :"runtime_role";
GRANT CREATE ON SCHEMA lmsx TO :"migration_role";
GRANT SELECT ON ALL TABLES IN SCHEMA edfi TO :"migration_role", :"runtime_role";
GRANT SELECT ON ALL TABLES IN SCHEMA lmsx TO :"migration_role";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA lmsx TO :"runtime_role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA edfi, lmsx TO :"runtime_role";
-- The ODS's change tracking: an lmsx row the runtime role inserts or updates takes its ChangeVersion from
-- changes.ChangeVersionSequence (a column default, an UpdateChangeVersion trigger), and a row it deletes is recorded
-- in tracked_deletes_lmsx (a TrackDeletes trigger). Those triggers run with the rights of the role that writes.
SELECT to_regnamespace('changes') IS NOT NULL AND to_regnamespace('tracked_deletes_lmsx') IS NOT NULL
    AS tracks_changes \gset
\if :tracks_changes
GRANT USAGE ON SCHEMA changes, tracked_deletes_lmsx TO :"runtime_role";
GRANT USAGE ON ALL SEQUENCES IN SCHEMA changes TO :"runtime_role";
GRANT INSERT ON ALL TABLES IN SCHEMA tracked_deletes_lmsx TO :"runtime_role";
\endif
\endif
