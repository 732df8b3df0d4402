-- Links the live, student-role users of one LMS to Ed-Fi students (rules: lms.lmsuser_student_candidate).
-- A link to a student that no longer exists is cleared first, so that the user is matched again. Any other link
-- is kept, as in the reference: setting EdFiStudentId by hand is how a district overrides a match. A user with
-- several candidates stays unlinked and is listed in lmsx.ambiguous_lmsuser_matches.
CREATE OR REPLACE PROCEDURE lms.harmonize_lmsusers(_sourcesystem VARCHAR(255))
LANGUAGE sql
-- No JIT: the expression joins inflate the estimates past its thresholds, and compiling then takes longer than
-- the work.
SET jit = off
AS $$
    UPDATE lms.lmsuser u
    SET edfistudentid = NULL
    WHERE u.sourcesystem = _sourcesystem
      AND u.edfistudentid IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM edfi.student s WHERE s.id = u.edfistudentid);

    UPDATE lms.lmsuser u
    SET edfistudentid = only_candidate.edfistudentid
    FROM (
        SELECT lmsuseridentifier, (array_agg(edfistudentid))[1] AS edfistudentid
        FROM lms.lmsuser_student_candidate
        WHERE sourcesystem = _sourcesystem
        GROUP BY lmsuseridentifier
        HAVING count(*) = 1
    ) only_candidate
    WHERE u.lmsuseridentifier = only_candidate.lmsuseridentifier;
$$;

-- The reference's entry points, one per LMS.
CREATE OR REPLACE PROCEDURE lms.harmonize_lmsuser_canvas()
LANGUAGE plpgsql
AS $$ BEGIN CALL lms.harmonize_lmsusers('Canvas'); END $$;

CREATE OR REPLACE PROCEDURE lms.harmonize_lmsuser_google_classroom()
LANGUAGE plpgsql
AS $$ BEGIN CALL lms.harmonize_lmsusers('Google'); END $$;

CREATE OR REPLACE PROCEDURE lms.harmonize_lmsuser_schoology()
LANGUAGE plpgsql
AS $$ BEGIN CALL lms.harmonize_lmsusers('Schoology'); END $$;
