CREATE TABLE lms.lmssectionactivity (
    lmssectionactivityidentifier INT GENERATED ALWAYS AS IDENTITY,
    sourcesystemidentifier VARCHAR(255) NOT NULL,
    sourcesystem VARCHAR(255) NOT NULL,
    lmsuseridentifier INT NOT NULL,
    lmssectionidentifier INT NOT NULL,
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
    CONSTRAINT lmssectionactivity_pk PRIMARY KEY (lmssectionactivityidentifier),
    CONSTRAINT lmssectionactivity_uk_sourcesystem UNIQUE (sourcesystemidentifier, sourcesystem),
    CONSTRAINT fk_lmssectionactivity_lmsuser FOREIGN KEY (lmsuseridentifier)
        REFERENCES lms.lmsuser (lmsuseridentifier) ON DELETE CASCADE,
    CONSTRAINT fk_lmssectionactivity_lmssection FOREIGN KEY (lmssectionidentifier)
        REFERENCES lms.lmssection (lmssectionidentifier) ON DELETE CASCADE
);

CREATE TABLE lms.stg_lmssectionactivity (
    stagingid INT GENERATED ALWAYS AS IDENTITY,
    sourcesystemidentifier VARCHAR(255) NOT NULL,
    sourcesystem VARCHAR(255) NOT NULL,
    lmsusersourcesystemidentifier VARCHAR(255) NOT NULL,
    lmssectionsourcesystemidentifier VARCHAR(255) NOT NULL,
    activitytype VARCHAR(60) NOT NULL,
    activitydatetime TIMESTAMP NOT NULL,
    activitystatus VARCHAR(60) NOT NULL,
    parentsourcesystemidentifier VARCHAR(255) NULL,
    activitytimeinminutes INT NULL,
    sourcecreatedate TIMESTAMP NULL,
    sourcelastmodifieddate TIMESTAMP NULL,
    createdate TIMESTAMP NOT NULL,
    lastmodifieddate TIMESTAMP NOT NULL,
    CONSTRAINT stg_lmssectionactivity_pk PRIMARY KEY (stagingid)
);

CREATE INDEX ix_stg_lmssectionactivity_natural_key
    ON lms.stg_lmssectionactivity (sourcesystemidentifier, sourcesystem, lastmodifieddate);
