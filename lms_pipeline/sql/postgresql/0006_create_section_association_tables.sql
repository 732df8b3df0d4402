CREATE TABLE lms.lmsuserlmssectionassociation (
    lmsuserlmssectionassociationidentifier INT GENERATED ALWAYS AS IDENTITY,
    lmssectionidentifier INT NOT NULL,
    lmsuseridentifier INT NOT NULL,
    sourcesystemidentifier VARCHAR(255) NOT NULL,
    sourcesystem VARCHAR(255) NOT NULL,
    enrollmentstatus VARCHAR(60) NOT NULL,
    sourcecreatedate TIMESTAMP NULL,
    sourcelastmodifieddate TIMESTAMP NULL,
    createdate TIMESTAMP NOT NULL DEFAULT now(),
    lastmodifieddate TIMESTAMP NOT NULL DEFAULT now(),
    deletedat TIMESTAMP NULL,
    CONSTRAINT lmsuserlmssectionassociation_pk PRIMARY KEY (lmsuserlmssectionassociationidentifier),
    CONSTRAINT lmsuserlmssectionassociation_df_uk_sourcesystem UNIQUE (sourcesystemidentifier, sourcesystem),
    CONSTRAINT fk_lmsuserlmssectionassociation_lmssection FOREIGN KEY (lmssectionidentifier)
        REFERENCES lms.lmssection (lmssectionidentifier) ON DELETE CASCADE,
    CONSTRAINT fk_lmsuserlmssectionassociation_lmsuser FOREIGN KEY (lmsuseridentifier)
        REFERENCES lms.lmsuser (lmsuseridentifier) ON DELETE CASCADE
);

CREATE TABLE lms.stg_lmsuserlmssectionassociation (
    stagingid INT GENERATED ALWAYS AS IDENTITY,
    lmssectionsourcesystemidentifier VARCHAR(255) NOT NULL,
    lmsusersourcesystemidentifier VARCHAR(255) NOT NULL,
    sourcesystemidentifier VARCHAR(255) NOT NULL,
    sourcesystem VARCHAR(255) NOT NULL,
    enrollmentstatus VARCHAR(60) NOT NULL,
    sourcecreatedate TIMESTAMP NULL,
    sourcelastmodifieddate TIMESTAMP NULL,
    createdate TIMESTAMP NOT NULL,
    lastmodifieddate TIMESTAMP NOT NULL,
    CONSTRAINT stg_lmsuserlmssectionassociation_pk PRIMARY KEY (stagingid)
);

CREATE INDEX ix_stg_lmsuserlmssectionassociation_natural_key
    ON lms.stg_lmsuserlmssectionassociation (sourcesystemidentifier, sourcesystem, lastmodifieddate);
