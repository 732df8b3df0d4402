-- A batch stages many files at once: each staged row remembers its file and line; stg_loadscope lists the
-- scopes (source system, section, assignment) whose missing rows the batch soft-deletes, and stg_loadkey the
-- natural keys its files list, quarantined rows included, so that bad data never deletes good data.
ALTER TABLE lms.stg_lmsuser ADD COLUMN batchfileid INT NULL, ADD COLUMN sourceline INT NULL;
ALTER TABLE lms.stg_lmssection ADD COLUMN batchfileid INT NULL, ADD COLUMN sourceline INT NULL;
ALTER TABLE lms.stg_assignment ADD COLUMN batchfileid INT NULL, ADD COLUMN sourceline INT NULL;
ALTER TABLE lms.stg_assignmentsubmissiontype ADD COLUMN batchfileid INT NULL, ADD COLUMN sourceline INT NULL;
ALTER TABLE lms.stg_lmsuserlmssectionassociation ADD COLUMN batchfileid INT NULL, ADD COLUMN sourceline INT NULL;
ALTER TABLE lms.stg_assignmentsubmission ADD COLUMN batchfileid INT NULL, ADD COLUMN sourceline INT NULL;
ALTER TABLE lms.stg_lmssectionactivity ADD COLUMN batchfileid INT NULL, ADD COLUMN sourceline INT NULL;
ALTER TABLE lms.stg_lmssystemactivity ADD COLUMN batchfileid INT NULL, ADD COLUMN sourceline INT NULL;
ALTER TABLE lms.stg_lmsuserattendanceevent ADD COLUMN batchfileid INT NULL, ADD COLUMN sourceline INT NULL;

CREATE TABLE lms.stg_loadscope (
    batchfileid INT NOT NULL,
    sourcesystem VARCHAR(255) NOT NULL,
    sectionsourcesystemidentifier VARCHAR(255) NULL,
    assignmentsourcesystemidentifier VARCHAR(255) NULL,
    CONSTRAINT stg_loadscope_pk PRIMARY KEY (batchfileid)
);

CREATE TABLE lms.stg_loadkey (
    sourcesystemidentifier VARCHAR(255) NOT NULL,
    sourcesystem VARCHAR(255) NOT NULL
);

CREATE INDEX ix_stg_loadkey_natural_key ON lms.stg_loadkey (sourcesystemidentifier, sourcesystem);
