-- A random identity for this data store. Cached validation results are keyed on it, so a new or reset database
-- never reuses the work done for another one.
CREATE TABLE lms.DataStore (
    DataStoreId UNIQUEIDENTIFIER NOT NULL CONSTRAINT DataStore_DF_DataStoreId DEFAULT (newid()),
    CreatedAt DATETIME2(7) NOT NULL CONSTRAINT DataStore_DF_CreatedAt DEFAULT (getdate()),
    CONSTRAINT DataStore_PK PRIMARY KEY CLUSTERED (DataStoreId)
);
GO

INSERT INTO lms.DataStore DEFAULT VALUES;
