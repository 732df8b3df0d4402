-- A random identity for this data store. Cached validation results are keyed on it, so a new or reset database
-- never reuses the work done for another one.
CREATE TABLE lms.datastore (
    datastoreid UUID NOT NULL DEFAULT gen_random_uuid(),
    createdat TIMESTAMP NOT NULL DEFAULT now(),
    CONSTRAINT datastore_pk PRIMARY KEY (datastoreid)
);

INSERT INTO lms.datastore DEFAULT VALUES;
