CREATE TABLE lms.assignmentsubmission (
    assignmentsubmissionidentifier INT GENERATED ALWAYS AS IDENTITY,
    sourcesystemidentifier VARCHAR(255) NOT NULL,
    sourcesystem VARCHAR(255) NOT NULL,
    assignmentidentifier INT NOT NULL,
    lmsuseridentifier INT NOT NULL,
    submissionstatus VARCHAR(255) NULL,
    submissiondatetime TIMESTAMP NULL,
    earnedpoints INT NULL,
    grade VARCHAR(20) NULL,
    sourcecreatedate TIMESTAMP NULL,
    sourcelastmodifieddate TIMESTAMP NULL,
    createdate TIMESTAMP NOT NULL DEFAULT now(),
    lastmodifieddate TIMESTAMP NOT NULL DEFAULT now(),
    deletedat TIMESTAMP NULL,
    CONSTRAINT assignmentsubmission_pk PRIMARY KEY (assignmentsubmissionidentifier),
    CONSTRAINT assignmentsubmission_uk_sourcesystem UNIQUE (sourcesystemidentifier, sourcesystem),
    CONSTRAINT fk_assignmentsubmission_assignment FOREIGN KEY (assignmentidentifier)
        REFERENCES lms.assignment (assignmentidentifier) ON DELETE CASCADE,
    CONSTRAINT fk_assignmentsubmission_user FOREIGN KEY (lmsuseridentifier)
        REFERENCES lms.lmsuser (lmsuseridentifier) ON DELETE CASCADE
);

CREATE TABLE lms.stg_assignmentsubmission (
    stagingid INT GENERATED ALWAYS AS IDENTITY,
    sourcesystemidentifier VARCHAR(255) NOT NULL,
    sourcesystem VARCHAR(255) NOT NULL,
    assignmentsourcesystemidentifier VARCHAR(255) NOT NULL,
    lmsusersourcesystemidentifier VARCHAR(255) NOT NULL,
    submissionstatus VARCHAR(255) NULL,
    submissiondatetime TIMESTAMP NULL,
    earnedpoints INT NULL,
    grade VARCHAR(20) NULL,
    sourcecreatedate TIMESTAMP NULL,
    sourcelastmodifieddate TIMESTAMP NULL,
    createdate TIMESTAMP NOT NULL,
    lastmodifieddate TIMESTAMP NOT NULL,
    CONSTRAINT stg_assignmentsubmission_pk PRIMARY KEY (stagingid)
);

CREATE INDEX ix_stg_assignmentsubmission_natural_key
    ON lms.stg_assignmentsubmission (sourcesystemidentifier, sourcesystem, lastmodifieddate);
