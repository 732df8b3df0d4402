CREATE TABLE lms.lmsuserattendanceevent (
    lmsuserattendanceeventidentifier INT GENERATED ALWAYS AS IDENTITY,
    sourcesystemidentifier VARCHAR(255) NOT NULL,
    sourcesystem VARCHAR(255) NOT NULL,
    lmsuseridentifier INT NOT NULL,
    lmssectionidentifier INT NULL,
    lmsuserlmssectionassociationidentifier INT NULL,
    eventdate DATE NOT NULL,
    attendancestatus VARCHAR(60) NOT NULL,
    sourcecreatedate TIMESTAMP NULL,
    sourcelastmodifieddate TIMESTAMP NULL,
    createdate TIMESTAMP NOT NULL DEFAULT now(),
    lastmodifieddate TIMESTAMP NOT NULL DEFAULT now(),
    deletedat TIMESTAMP NULL,
    CONSTRAINT lmsuserattendanceevent_pk PRIMARY KEY (lmsuserattendanceeventidentifier),
    CONSTRAINT lmsuserattendanceevent_uk_sourcesystem UNIQUE (sourcesystemidentifier, sourcesystem),
    CONSTRAINT fk_lmsuserattendanceevent_lmsuser FOREIGN KEY (lmsuseridentifier)
        REFERENCES lms.lmsuser (lmsuseridentifier),
    CONSTRAINT fk_lmsuserattendanceevent_lmsuserlmssectionassociation FOREIGN KEY (lmsuserlmssectionassociationidentifier)
        REFERENCES lms.lmsuserlmssectionassociation (lmsuserlmssectionassociationidentifier)
);

CREATE INDEX fk_lmsuserattendanceevent_lmsuser ON lms.lmsuserattendanceevent (lmsuseridentifier);
CREATE INDEX fk_lmsuserattendanceevent_lmsuserlmssectionassociation
    ON lms.lmsuserattendanceevent (lmssectionidentifier, lmsuseridentifier, lmsuserlmssectionassociationidentifier);

CREATE TABLE lms.stg_lmsuserattendanceevent (
    stagingid INT GENERATED ALWAYS AS IDENTITY,
    sourcesystemidentifier VARCHAR(255) NOT NULL,
    sourcesystem VARCHAR(255) NOT NULL,
    lmsusersourcesystemidentifier VARCHAR(255) NOT NULL,
    lmssectionsourcesystemidentifier VARCHAR(255) NULL,
    eventdate DATE NOT NULL,
    attendancestatus VARCHAR(60) NOT NULL,
    sourcecreatedate TIMESTAMP NULL,
    sourcelastmodifieddate TIMESTAMP NULL,
    createdate TIMESTAMP NOT NULL,
    lastmodifieddate TIMESTAMP NOT NULL,
    CONSTRAINT stg_lmsuserattendanceevent_pk PRIMARY KEY (stagingid)
);

CREATE INDEX ix_stg_lmsuserattendanceevent_natural_key
    ON lms.stg_lmsuserattendanceevent (sourcesystemidentifier, sourcesystem, lastmodifieddate);
