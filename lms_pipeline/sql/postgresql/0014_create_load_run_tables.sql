-- One row per pipeline run, and one per resource within it: what the run did, for operators and for the
-- volume-drift check of the next run.
CREATE TABLE lms.loadrun (
    loadrunid INT GENERATED ALWAYS AS IDENTITY,
    flowrunid VARCHAR(64) NULL,
    flowrunname VARCHAR(255) NULL,
    csvpath VARCHAR(1024) NULL,
    startedat TIMESTAMP NOT NULL DEFAULT now(),
    endedat TIMESTAMP NULL,
    outcome VARCHAR(20) NOT NULL DEFAULT 'running',
    filesdiscovered INT NOT NULL DEFAULT 0,
    filesloaded INT NOT NULL DEFAULT 0,
    filesrejected INT NOT NULL DEFAULT 0,
    filesheld INT NOT NULL DEFAULT 0,
    rowsinserted INT NOT NULL DEFAULT 0,
    rowsupdated INT NOT NULL DEFAULT 0,
    rowsundeleted INT NOT NULL DEFAULT 0,
    rowsdeleted INT NOT NULL DEFAULT 0,
    rowsquarantined INT NOT NULL DEFAULT 0,
    message VARCHAR(4000) NULL,
    CONSTRAINT loadrun_pk PRIMARY KEY (loadrunid)
);

CREATE TABLE lms.loadrunresource (
    loadrunid INT NOT NULL,
    resourcename VARCHAR(128) NOT NULL,
    files INT NOT NULL DEFAULT 0,
    rowsinserted INT NOT NULL DEFAULT 0,
    rowsupdated INT NOT NULL DEFAULT 0,
    rowsundeleted INT NOT NULL DEFAULT 0,
    rowsdeleted INT NOT NULL DEFAULT 0,
    rowsquarantined INT NOT NULL DEFAULT 0,
    deletionsheld INT NOT NULL DEFAULT 0,
    liverows INT NULL,
    CONSTRAINT loadrunresource_pk PRIMARY KEY (loadrunid, resourcename),
    CONSTRAINT fk_loadrunresource_loadrun FOREIGN KEY (loadrunid) REFERENCES lms.loadrun (loadrunid) ON DELETE CASCADE
);
