-- One row per pipeline run, and one per resource within it: what the run did, for operators and for the
-- volume-drift check of the next run. Defaults are named, as the reference names its own, so that a later
-- script can change them.
CREATE TABLE lms.LoadRun (
    LoadRunId INT IDENTITY NOT NULL,
    FlowRunId NVARCHAR(64) NULL,
    FlowRunName NVARCHAR(255) NULL,
    CsvPath NVARCHAR(1024) NULL,
    StartedAt DATETIME2(7) NOT NULL CONSTRAINT LoadRun_DF_StartedAt DEFAULT (getdate()),
    EndedAt DATETIME2(7) NULL,
    Outcome NVARCHAR(20) NOT NULL CONSTRAINT LoadRun_DF_Outcome DEFAULT (N'running'),
    FilesDiscovered INT NOT NULL CONSTRAINT LoadRun_DF_FilesDiscovered DEFAULT (0),
    FilesLoaded INT NOT NULL CONSTRAINT LoadRun_DF_FilesLoaded DEFAULT (0),
    FilesRejected INT NOT NULL CONSTRAINT LoadRun_DF_FilesRejected DEFAULT (0),
    FilesHeld INT NOT NULL CONSTRAINT LoadRun_DF_FilesHeld DEFAULT (0),
    RowsInserted INT NOT NULL CONSTRAINT LoadRun_DF_RowsInserted DEFAULT (0),
    RowsUpdated INT NOT NULL CONSTRAINT LoadRun_DF_RowsUpdated DEFAULT (0),
    RowsUndeleted INT NOT NULL CONSTRAINT LoadRun_DF_RowsUndeleted DEFAULT (0),
    RowsDeleted INT NOT NULL CONSTRAINT LoadRun_DF_RowsDeleted DEFAULT (0),
    RowsQuarantined INT NOT NULL CONSTRAINT LoadRun_DF_RowsQuarantined DEFAULT (0),
    Message NVARCHAR(4000) NULL,
    CONSTRAINT LoadRun_PK PRIMARY KEY CLUSTERED (LoadRunId)
);

CREATE TABLE lms.LoadRunResource (
    LoadRunId INT NOT NULL,
    ResourceName NVARCHAR(128) NOT NULL,
    Files INT NOT NULL CONSTRAINT LoadRunResource_DF_Files DEFAULT (0),
    RowsInserted INT NOT NULL CONSTRAINT LoadRunResource_DF_RowsInserted DEFAULT (0),
    RowsUpdated INT NOT NULL CONSTRAINT LoadRunResource_DF_RowsUpdated DEFAULT (0),
    RowsUndeleted INT NOT NULL CONSTRAINT LoadRunResource_DF_RowsUndeleted DEFAULT (0),
    RowsDeleted INT NOT NULL CONSTRAINT LoadRunResource_DF_RowsDeleted DEFAULT (0),
    RowsQuarantined INT NOT NULL CONSTRAINT LoadRunResource_DF_RowsQuarantined DEFAULT (0),
    DeletionsHeld INT NOT NULL CONSTRAINT LoadRunResource_DF_DeletionsHeld DEFAULT (0),
    LiveRows INT NULL,
    CONSTRAINT LoadRunResource_PK PRIMARY KEY CLUSTERED (LoadRunId, ResourceName),
    CONSTRAINT FK_LoadRunResource_LoadRun FOREIGN KEY (LoadRunId) REFERENCES lms.LoadRun (LoadRunId) ON DELETE CASCADE
);
