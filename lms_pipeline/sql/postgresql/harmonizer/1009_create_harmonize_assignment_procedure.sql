-- Copies one LMS's assignments into lmsx.Assignment; called once per LMS with its SourceSystem and namespace.
--
-- An assignment is wanted when it and its section are live, the section is linked to an existing Ed-Fi section,
-- and its LMSSourceSystem and AssignmentCategory descriptors exist. lmsx rows are keyed by (identifier,
-- namespace), so an equal identifier in two LMSs never collides. A row is rewritten only when a copied value
-- differs: the LMS LastModifiedDate (the extract's clock) is never compared with the database clock.
--
-- This LMS's lmsx rows (its namespace: lms.check_lmsx_namespace) are removed, with their submissions first,
-- when their LMS assignment or its section is soft-deleted or gone. A live assignment that merely stops
-- qualifying (its section unlinked, a descriptor removed) keeps its row, as in the reference.
CREATE OR REPLACE PROCEDURE lms.harmonize_assignment(_sourcesystem VARCHAR(255), _namespace VARCHAR(255))
LANGUAGE plpgsql
-- Set-based work over tables whose statistics are stale mid-run (this transaction has just written them): a
-- nested loop chosen on such an estimate can rescan a large table once per row, so only hash and merge joins.
-- No JIT either: the estimates pass its thresholds, and compiling then takes longer than the work.
SET enable_nestloop = off
SET jit = off
AS $$
DECLARE
    _sourcesystemdescriptorid INT;
    _rows BIGINT;
BEGIN
    PERFORM lms.check_lmsx_namespace(_sourcesystem, _namespace);

    SELECT chosendescriptorid INTO _sourcesystemdescriptorid
    FROM lms.lmsx_descriptor
    WHERE kind = 'LMSSourceSystem' AND codevalue = _sourcesystem
    LIMIT 1;

    DROP TABLE IF EXISTS pg_temp.wanted_assignment;
    CREATE TEMP TABLE wanted_assignment ON COMMIT DROP AS
    SELECT a.sourcesystemidentifier AS assignmentidentifier,
           _sourcesystemdescriptorid AS lmssourcesystemdescriptorid,
           a.title,
           category.descriptorid AS assignmentcategorydescriptorid,
           a.assignmentdescription, a.startdatetime, a.enddatetime, a.duedatetime, a.maxpoints,
           es.sectionidentifier, es.localcoursecode, es.sessionname, es.schoolyear, es.schoolid
    FROM lms.assignment a
    JOIN lms.lmssection ls ON ls.lmssectionidentifier = a.lmssectionidentifier AND ls.deletedat IS NULL
    JOIN edfi.section es ON es.id = ls.edfisectionid
    JOIN lms.lmsx_descriptor category
        ON category.kind = 'AssignmentCategory'
       AND category.namespace = lms.lmsx_descriptor_namespace('AssignmentCategory', _sourcesystem)
       AND category.codevalue = a.assignmentcategory
       AND category.descriptorid = category.chosendescriptorid
    WHERE a.sourcesystem = _sourcesystem
      AND a.deletedat IS NULL
      AND _sourcesystemdescriptorid IS NOT NULL;
    -- Unique, as the LMS's identifiers are; the statistics size the joins below.
    ALTER TABLE wanted_assignment ADD PRIMARY KEY (assignmentidentifier);
    ANALYZE wanted_assignment;

    DROP TABLE IF EXISTS pg_temp.removed_assignment;
    CREATE TEMP TABLE removed_assignment ON COMMIT DROP AS
    SELECT x.assignmentidentifier
    FROM lmsx.assignment x
    WHERE x.namespace = _namespace
      AND NOT EXISTS (
          SELECT 1
          FROM lms.assignment a
          JOIN lms.lmssection ls ON ls.lmssectionidentifier = a.lmssectionidentifier
          WHERE a.sourcesystem = _sourcesystem
            AND a.sourcesystemidentifier = x.assignmentidentifier
            AND a.deletedat IS NULL
            AND ls.deletedat IS NULL
      );

    -- Submissions first: their foreign key to the assignment does not cascade.
    DELETE FROM lmsx.assignmentsubmission s
    USING removed_assignment r
    WHERE s.namespace = _namespace AND s.assignmentidentifier = r.assignmentidentifier;
    GET DIAGNOSTICS _rows = ROW_COUNT;
    PERFORM lms.harmonizer_tally('submissions_deleted', _rows);

    DELETE FROM lmsx.assignment x
    USING removed_assignment r
    WHERE x.namespace = _namespace AND x.assignmentidentifier = r.assignmentidentifier;
    GET DIAGNOSTICS _rows = ROW_COUNT;
    PERFORM lms.harmonizer_tally('assignments_deleted', _rows);

    UPDATE lmsx.assignment x
    SET lmssourcesystemdescriptorid = w.lmssourcesystemdescriptorid,
        title = w.title,
        assignmentcategorydescriptorid = w.assignmentcategorydescriptorid,
        assignmentdescription = w.assignmentdescription,
        startdatetime = w.startdatetime,
        enddatetime = w.enddatetime,
        duedatetime = w.duedatetime,
        maxpoints = w.maxpoints,
        sectionidentifier = w.sectionidentifier,
        localcoursecode = w.localcoursecode,
        sessionname = w.sessionname,
        schoolyear = w.schoolyear,
        schoolid = w.schoolid,
        lastmodifieddate = now()
    FROM wanted_assignment w
    WHERE x.assignmentidentifier = w.assignmentidentifier
      AND x.namespace = _namespace
      AND (x.lmssourcesystemdescriptorid, x.title, x.assignmentcategorydescriptorid, x.assignmentdescription,
           x.startdatetime, x.enddatetime, x.duedatetime, x.maxpoints,
           x.sectionidentifier, x.localcoursecode, x.sessionname, x.schoolyear, x.schoolid)
          IS DISTINCT FROM
          (w.lmssourcesystemdescriptorid, w.title, w.assignmentcategorydescriptorid, w.assignmentdescription,
           w.startdatetime, w.enddatetime, w.duedatetime, w.maxpoints,
           w.sectionidentifier, w.localcoursecode, w.sessionname, w.schoolyear, w.schoolid);
    GET DIAGNOSTICS _rows = ROW_COUNT;
    PERFORM lms.harmonizer_tally('assignments_updated', _rows);

    -- Rows already there were updated above.
    INSERT INTO lmsx.assignment (
        assignmentidentifier, namespace, lmssourcesystemdescriptorid, title, assignmentcategorydescriptorid,
        assignmentdescription, startdatetime, enddatetime, duedatetime, maxpoints,
        sectionidentifier, localcoursecode, sessionname, schoolyear, schoolid, id
    )
    SELECT w.assignmentidentifier, _namespace, w.lmssourcesystemdescriptorid, w.title, w.assignmentcategorydescriptorid,
           w.assignmentdescription, w.startdatetime, w.enddatetime, w.duedatetime, w.maxpoints,
           w.sectionidentifier, w.localcoursecode, w.sessionname, w.schoolyear, w.schoolid, gen_random_uuid()
    FROM wanted_assignment w
    ON CONFLICT (assignmentidentifier, namespace) DO NOTHING;
    GET DIAGNOSTICS _rows = ROW_COUNT;
    PERFORM lms.harmonizer_tally('assignments_inserted', _rows);

    -- Fresh statistics for what reads the table next in this run (the next procedure, the exception views). A
    -- database user that does not own the table gets a warning instead.
    ANALYZE lmsx.assignment;
END
$$;
