CREATE TABLE lms.assignment (
    assignmentidentifier INT GENERATED ALWAYS AS IDENTITY,
    sourcesystemidentifier VARCHAR(255) NOT NULL,
    sourcesystem VARCHAR(255) NOT NULL,
    lmssectionidentifier INT NOT NULL,
    title VARCHAR(255) NOT NULL,
    assignmentcategory VARCHAR(60) NOT NULL,
    assignmentdescription VARCHAR(1024) NULL,
    startdatetime TIMESTAMP NULL,
    enddatetime TIMESTAMP NULL,
    duedatetime TIMESTAMP NULL,
    maxpoints INT NULL,
    sourcecreatedate TIMESTAMP NULL,
    sourcelastmodifieddate TIMESTAMP NULL,
    createdate TIMESTAMP NOT NULL DEFAULT now(),
    lastmodifieddate TIMESTAMP NOT NULL DEFAULT now(),
    deletedat TIMESTAMP NULL,
    CONSTRAINT assignment_pk PRIMARY KEY (assignmentidentifier),
    CONSTRAINT assignment_uk_sourcesystem UNIQUE (sourcesystemidentifier, sourcesystem),
    CONSTRAINT fk_assignment_lmssection FOREIGN KEY (lmssectionidentifier)
        REFERENCES lms.lmssection (lmssectionidentifier) ON DELETE CASCADE
);

CREATE TABLE lms.stg_assignment (
    stagingid INT GENERATED ALWAYS AS IDENTITY,
    sourcesystemidentifier VARCHAR(255) NOT NULL,
    sourcesystem VARCHAR(255) NOT NULL,
    lmssectionsourcesystemidentifier VARCHAR(255) NOT NULL,
    title VARCHAR(255) NOT NULL,
    assignmentcategory VARCHAR(60) NOT NULL,
    assignmentdescription VARCHAR(1024) NULL,
    startdatetime TIMESTAMP NULL,
    enddatetime TIMESTAMP NULL,
    duedatetime TIMESTAMP NULL,
    maxpoints INT NULL,
    sourcecreatedate TIMESTAMP NULL,
    sourcelastmodifieddate TIMESTAMP NULL,
    createdate TIMESTAMP NOT NULL DEFAULT now(),
    lastmodifieddate TIMESTAMP NOT NULL DEFAULT now(),
    CONSTRAINT stg_assignment_pk PRIMARY KEY (stagingid)
);

CREATE INDEX ix_stg_assignment_natural_key ON lms.stg_assignment (sourcesystemidentifier, sourcesystem, lastmodifieddate);

CREATE TABLE lms.assignmentsubmissiontype (
    assignmentidentifier INT NOT NULL,
    submissiontype VARCHAR(60) NOT NULL,
    createdate TIMESTAMP NOT NULL DEFAULT now(),
    deletedat TIMESTAMP NULL,
    CONSTRAINT assignmentsubmissiontype_pk PRIMARY KEY (assignmentidentifier, submissiontype),
    CONSTRAINT fk_assignmentsubmissiontype_assignment FOREIGN KEY (assignmentidentifier)
        REFERENCES lms.assignment (assignmentidentifier) ON DELETE CASCADE
);

CREATE INDEX fk_assignmentsubmissiontype_assignment ON lms.assignmentsubmissiontype (assignmentidentifier);

CREATE TABLE lms.stg_assignmentsubmissiontype (
    stagingid INT GENERATED ALWAYS AS IDENTITY,
    sourcesystemidentifier VARCHAR(255) NOT NULL,
    sourcesystem VARCHAR(255) NOT NULL,
    submissiontype VARCHAR(60) NOT NULL,
    createdate TIMESTAMP NOT NULL DEFAULT now(),
    CONSTRAINT stg_assignmentsubmissiontype_pk PRIMARY KEY (stagingid)
);

CREATE INDEX ix_stg_assignmentsubmissiontype_natural_key ON lms.stg_assignmentsubmissiontype (sourcesystemidentifier, sourcesystem);
