CREATE TABLE lms.lmssection (
    lmssectionidentifier INT GENERATED ALWAYS AS IDENTITY,
    sourcesystemidentifier VARCHAR(255) NOT NULL,
    sourcesystem VARCHAR(255) NOT NULL,
    sissectionidentifier VARCHAR(255) NULL,
    title VARCHAR(255) NOT NULL,
    sectiondescription VARCHAR(1024) NULL,
    term VARCHAR(60) NULL,
    lmssectionstatus VARCHAR(60) NULL,
    sourcecreatedate TIMESTAMP NULL,
    sourcelastmodifieddate TIMESTAMP NULL,
    createdate TIMESTAMP NOT NULL DEFAULT now(),
    lastmodifieddate TIMESTAMP NOT NULL DEFAULT now(),
    deletedat TIMESTAMP NULL,
    edfisectionid UUID NULL,
    CONSTRAINT lmssection_pk PRIMARY KEY (lmssectionidentifier),
    CONSTRAINT lmssection_uk_sourcesystem UNIQUE (sourcesystemidentifier, sourcesystem)
);

-- Kept as the reference creates it (the filter looks inverted); 0016 adds the index the harmonizer can use.
CREATE INDEX ix_lmssection_edfisectionid ON lms.lmssection (edfisectionid) WHERE deletedat IS NOT NULL;

CREATE TABLE lms.stg_lmssection (
    stagingid INT GENERATED ALWAYS AS IDENTITY,
    sourcesystemidentifier VARCHAR(255) NOT NULL,
    sourcesystem VARCHAR(255) NOT NULL,
    sissectionidentifier VARCHAR(255) NULL,
    title VARCHAR(255) NOT NULL,
    sectiondescription VARCHAR(1024) NULL,
    term VARCHAR(60) NULL,
    lmssectionstatus VARCHAR(60) NULL,
    sourcecreatedate TIMESTAMP NULL,
    sourcelastmodifieddate TIMESTAMP NULL,
    createdate TIMESTAMP NOT NULL,
    lastmodifieddate TIMESTAMP NOT NULL,
    CONSTRAINT stg_lmssection_pk PRIMARY KEY (stagingid)
);

CREATE INDEX ix_stg_lmssection_natural_key ON lms.stg_lmssection (sourcesystemidentifier, sourcesystem, lastmodifieddate);
