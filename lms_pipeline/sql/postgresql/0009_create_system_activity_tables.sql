CREATE TABLE lms.lmssystemactivity (
    lmssystemactivityidentifier INT GENERATED ALWAYS AS IDENTITY,
    sourcesystemidentifier VARCHAR(255) NOT NULL,
    sourcesystem VARCHAR(255) NOT NULL,
    lmsuseridentifier INT NOT NULL,
    activitytype VARCHAR(60) NOT NULL,
    activitydatetime TIMESTAMP NOT NULL,
    activitystatus VARCHAR(60) NOT NULL,
    parentsourcesystemidentifier VARCHAR(255) NULL,
    activitytimeinminutes INT NULL,
    sourcecreatedate TIMESTAMP NULL,
    sourcelastmodifieddate TIMESTAMP NULL,
    createdate TIMESTAMP NOT NULL DEFAULT now(),
    lastmodifieddate TIMESTAMP NOT NULL DEFAULT now(),
    deletedat TIMESTAMP NULL,
    CONSTRAINT lmssystemactivity_pk PRIMARY KEY (lmssystemactivityidentifier),
    CONSTRAINT lmssystemactivity_uk_sourcesystem UNIQUE (sourcesystemidentifier, sourcesystem),
    CONSTRAINT fk_lmssystemactivity_lmsuser FOREIGN KEY (lmsuseridentifier)
        REFERENCES lms.lmsuser (lmsuseridentifier) ON DELETE CASCADE
);

CREATE TABLE lms.stg_lmssystemactivity (
    stagingid INT GENERATED ALWAYS AS IDENTITY,
    sourcesystemidentifier VARCHAR(255) NOT NULL,
    sourcesystem VARCHAR(255) NOT NULL,
    lmsusersourcesystemidentifier VARCHAR(255) NOT NULL,
    activitytype VARCHAR(60) NOT NULL,
    activitydatetime TIMESTAMP NOT NULL,
    activitystatus VARCHAR(60) NOT NULL,
    parentsourcesystemidentifier VARCHAR(255) NULL,
    activitytimeinminutes INT NULL,
    sourcecreatedate TIMESTAMP NULL,
    sourcelastmodifieddate TIMESTAMP NULL,
    createdate TIMESTAMP NOT NULL,
    lastmodifieddate TIMESTAMP NOT NULL,
    CONSTRAINT stg_lmssystemactivity_pk PRIMARY KEY (stagingid)
);

CREATE INDEX ix_stg_lmssystemactivity_natural_key
    ON lms.stg_lmssystemactivity (sourcesystemidentifier, sourcesystem, lastmodifieddate);
