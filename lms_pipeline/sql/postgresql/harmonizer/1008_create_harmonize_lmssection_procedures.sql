-- Links the live sections of one LMS to Ed-Fi sections (rules: lms.lmssection_section_candidate).
-- A link to a section that no longer exists is cleared first, so that the section is matched again. Any other
-- link is kept, as in the reference: setting EdFiSectionId by hand is how a district overrides a match. A
-- section with several candidates stays unlinked and is listed in lmsx.ambiguous_lmssection_matches.
CREATE OR REPLACE PROCEDURE lms.harmonize_lmssections(_sourcesystem VARCHAR(255))
LANGUAGE sql
-- No JIT: the expression joins inflate the estimates past its thresholds, and compiling then takes longer than
-- the work.
SET jit = off
AS $$
    UPDATE lms.lmssection ls
    SET edfisectionid = NULL
    WHERE ls.sourcesystem = _sourcesystem
      AND ls.edfisectionid IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM edfi.section es WHERE es.id = ls.edfisectionid);

    UPDATE lms.lmssection ls
    SET edfisectionid = only_candidate.edfisectionid
    FROM (
        SELECT lmssectionidentifier, (array_agg(edfisectionid))[1] AS edfisectionid
        FROM lms.lmssection_section_candidate
        WHERE sourcesystem = _sourcesystem
        GROUP BY lmssectionidentifier
        HAVING count(*) = 1
    ) only_candidate
    WHERE ls.lmssectionidentifier = only_candidate.lmssectionidentifier;
$$;

-- The reference's entry points, one per LMS.
CREATE OR REPLACE PROCEDURE lms.harmonize_lmssection_canvas()
LANGUAGE plpgsql
AS $$ BEGIN CALL lms.harmonize_lmssections('Canvas'); END $$;

CREATE OR REPLACE PROCEDURE lms.harmonize_lmssection_google_classroom()
LANGUAGE plpgsql
AS $$ BEGIN CALL lms.harmonize_lmssections('Google'); END $$;

CREATE OR REPLACE PROCEDURE lms.harmonize_lmssection_schoology()
LANGUAGE plpgsql
AS $$ BEGIN CALL lms.harmonize_lmssections('Schoology'); END $$;
