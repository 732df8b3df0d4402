-- Rows that failed validation or could not be linked to their parent, with where they came from and why.
CREATE TABLE lms.quarantine (
    quarantineidentifier BIGINT GENERATED ALWAYS AS IDENTITY,
    loadrunid INT NULL,
    resourcename VARCHAR(128) NOT NULL,
    filepath VARCHAR(1024) NOT NULL,
    linenumber INT NULL,
    columnname VARCHAR(255) NULL,
    checkname VARCHAR(128) NOT NULL,
    value VARCHAR(1024) NULL,
    reason VARCHAR(2048) NOT NULL,
    createdat TIMESTAMP NOT NULL DEFAULT now(),
    CONSTRAINT quarantine_pk PRIMARY KEY (quarantineidentifier)
);

CREATE INDEX ix_quarantine_loadrunid ON lms.quarantine (loadrunid);
