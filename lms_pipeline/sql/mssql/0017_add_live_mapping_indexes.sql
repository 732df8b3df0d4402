-- The reference's mapping indexes filter on DeletedAt IS NOT NULL (bug B11); matching reads live rows.
CREATE INDEX IX_LMSUser_EdFiStudentId_Live ON lms.LMSUser (EdFiStudentId) WHERE DeletedAt IS NULL;
CREATE INDEX IX_LMSSection_EdFiSectionId_Live ON lms.LMSSection (EdFiSectionId) WHERE DeletedAt IS NULL;
-- Soft deletes and parent look-ups go by these foreign keys.
CREATE INDEX IX_Assignment_LMSSectionIdentifier ON lms.Assignment (LMSSectionIdentifier);
CREATE INDEX IX_AssignmentSubmission_AssignmentIdentifier ON lms.AssignmentSubmission (AssignmentIdentifier);
CREATE INDEX IX_LMSUserLMSSectionAssociation_Section ON lms.LMSUserLMSSectionAssociation (LMSSectionIdentifier, LMSUserIdentifier);
CREATE INDEX IX_LMSSectionActivity_LMSSectionIdentifier ON lms.LMSSectionActivity (LMSSectionIdentifier);
