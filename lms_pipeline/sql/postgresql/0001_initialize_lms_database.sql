-- The LMS data store's schema and its migration journal (reference name and shape).
CREATE SCHEMA IF NOT EXISTS lms;

CREATE TABLE IF NOT EXISTS lms.migrationjournal (
    script VARCHAR(250) NOT NULL,
    installdate TIMESTAMP NOT NULL DEFAULT now(),
    CONSTRAINT migrationjournal_pk PRIMARY KEY (script)
);
