-- lms-pipeline least privilege, step 1 of 3: the two login roles. Run once per server by a role that may create
-- roles (a superuser, or one with CREATEROLE), with psql:
--
--   psql -h <server> -U <admin> -d <database> \
--        -v migration_role=lms_migration -v runtime_role=lms_runtime \
--        -v migration_password="$MIGRATION_PW" -v runtime_password="$RUNTIME_PW" \
--        -f 01_create_roles.sql
--
-- migration_role  owns the lms schema and everything in it: `lms-pipeline migrate` runs as this role.
-- runtime_role    loads and harmonizes (`lms-pipeline load`, `run`, `harmonize`, the deployments): it reads and
--                 writes rows, empties staging tables and calls the harmonizer's procedures, and can change no
--                 schema object.
-- The passwords are optional (leave them out for certificate, Kerberos or peer authentication). Values travel as
-- psql variables, quoted by psql (:"name" as an identifier, :'value' as a literal), never pasted into SQL.
-- Running the script again changes nothing but the passwords.
\set ON_ERROR_STOP on

SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE', :'migration_role')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'migration_role') \gexec

SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE', :'runtime_role')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'runtime_role') \gexec

\if :{?migration_password}
ALTER ROLE :"migration_role" PASSWORD :'migration_password';
\endif
\if :{?runtime_password}
ALTER ROLE :"runtime_role" PASSWORD :'runtime_password';
\endif
