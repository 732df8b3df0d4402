-- Grades (issue 17): the LMSGrade entity of the LMS-Toolkit's MetaEd model, which the reference never created
-- (loader contract B15). A grade belongs to one enrolment; its section is the enrolment's.
CREATE TABLE lms.lmsgrade (
    lmsgradeidentifier INT GENERATED ALWAYS AS IDENTITY,
    lmsuserlmssectionassociationidentifier INT NOT NULL,
    sourcesystemidentifier VARCHAR(255) NOT NULL,
    sourcesystem VARCHAR(255) NOT NULL,
    grade VARCHAR(20) NOT NULL,
    gradetype VARCHAR(60) NULL,
    sourcecreatedate TIMESTAMP NULL,
    sourcelastmodifieddate TIMESTAMP NULL,
    createdate TIMESTAMP NOT NULL DEFAULT now(),
    lastmodifieddate TIMESTAMP NOT NULL DEFAULT now(),
    deletedat TIMESTAMP NULL,
    CONSTRAINT lmsgrade_pk PRIMARY KEY (lmsgradeidentifier),
    CONSTRAINT lmsgrade_uk_sourcesystem UNIQUE (sourcesystemidentifier, sourcesystem),
    CONSTRAINT fk_lmsgrade_lmsuserlmssectionassociation FOREIGN KEY (lmsuserlmssectionassociationidentifier)
        REFERENCES lms.lmsuserlmssectionassociation (lmsuserlmssectionassociationidentifier) ON DELETE CASCADE
);

-- As 0017 and 0022 give the other live tables: the soft delete of a section's grades goes by the enrolment, and the
-- un-delete looks among the soft-deleted rows by natural key.
CREATE INDEX ix_lmsgrade_lmsuserlmssectionassociationidentifier ON lms.lmsgrade (lmsuserlmssectionassociationidentifier);
CREATE INDEX ix_lmsgrade_deleted ON lms.lmsgrade (sourcesystemidentifier, sourcesystem) WHERE deletedat IS NOT NULL;

-- Staging as the others have it after 0016, 0021 and 0022: the batch columns, unlogged, no natural-key index.
CREATE UNLOGGED TABLE lms.stg_lmsgrade (
    stagingid INT GENERATED ALWAYS AS IDENTITY,
    sourcesystemidentifier VARCHAR(255) NOT NULL,
    sourcesystem VARCHAR(255) NOT NULL,
    grade VARCHAR(20) NOT NULL,
    gradetype VARCHAR(60) NULL,
    lmsuserlmssectionassociationsourcesystemidentifier VARCHAR(255) NOT NULL,
    sourcecreatedate TIMESTAMP NULL,
    sourcelastmodifieddate TIMESTAMP NULL,
    createdate TIMESTAMP NOT NULL,
    lastmodifieddate TIMESTAMP NOT NULL,
    batchfileid INT NULL,
    sourceline INT NULL,
    CONSTRAINT stg_lmsgrade_pk PRIMARY KEY (stagingid)
);
