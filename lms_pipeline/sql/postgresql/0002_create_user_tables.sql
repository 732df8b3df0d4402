CREATE TABLE lms.lmsuser (
    lmsuseridentifier INT GENERATED ALWAYS AS IDENTITY,
    sourcesystemidentifier VARCHAR(255) NOT NULL,
    sourcesystem VARCHAR(255) NOT NULL,
    userrole VARCHAR(60) NOT NULL,
    sisuseridentifier VARCHAR(255) NULL,
    localuseridentifier VARCHAR(255) NULL,
    name VARCHAR(255) NOT NULL,
    emailaddress VARCHAR(255) NOT NULL,
    sourcecreatedate TIMESTAMP NULL,
    sourcelastmodifieddate TIMESTAMP NULL,
    createdate TIMESTAMP NOT NULL DEFAULT now(),
    lastmodifieddate TIMESTAMP NOT NULL DEFAULT now(),
    deletedat TIMESTAMP NULL,
    edfistudentid UUID NULL,
    CONSTRAINT lmsuser_pk PRIMARY KEY (lmsuseridentifier),
    CONSTRAINT uk_sourcesystem UNIQUE (sourcesystemidentifier, sourcesystem)
);

-- Kept as the reference creates it (the filter looks inverted); 0016 adds the index the harmonizer can use.
CREATE INDEX ix_lmsuser_edfistudentid ON lms.lmsuser (edfistudentid) WHERE deletedat IS NOT NULL;

CREATE TABLE lms.stg_lmsuser (
    stagingid INT GENERATED ALWAYS AS IDENTITY,
    sourcesystemidentifier VARCHAR(255) NOT NULL,
    sourcesystem VARCHAR(255) NOT NULL,
    userrole VARCHAR(60) NOT NULL,
    sisuseridentifier VARCHAR(255) NULL,
    localuseridentifier VARCHAR(255) NULL,
    name VARCHAR(255) NOT NULL,
    emailaddress VARCHAR(255) NOT NULL,
    sourcecreatedate TIMESTAMP NULL,
    sourcelastmodifieddate TIMESTAMP NULL,
    createdate TIMESTAMP NOT NULL,
    lastmodifieddate TIMESTAMP NOT NULL,
    edfistudentid UUID NULL,
    CONSTRAINT stg_lmsuser_pk PRIMARY KEY (stagingid)
);

CREATE INDEX ix_stg_lmsuser_natural_key ON lms.stg_lmsuser (sourcesystemidentifier, sourcesystem, lastmodifieddate);
