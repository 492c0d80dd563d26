-- Previous applications at Home Credit. The five DAYS_ dates hold 365243 where there is no
-- date: that code becomes an empty value. APP_CREDIT_PERC compares the amount asked for with
-- the amount granted (empty when nothing was granted). Then per applicant: statistics over all,
-- approved and refused applications, and the share of applications in each learned category.
CREATE OR REPLACE TEMP TABLE _previous_rows AS
SELECT * REPLACE (
           CASE WHEN DAYS_FIRST_DRAWING = 365243 THEN NULL ELSE DAYS_FIRST_DRAWING END
               AS DAYS_FIRST_DRAWING,
           CASE WHEN DAYS_FIRST_DUE = 365243 THEN NULL ELSE DAYS_FIRST_DUE END
               AS DAYS_FIRST_DUE,
           CASE WHEN DAYS_LAST_DUE_1ST_VERSION = 365243 THEN NULL ELSE DAYS_LAST_DUE_1ST_VERSION END
               AS DAYS_LAST_DUE_1ST_VERSION,
           CASE WHEN DAYS_LAST_DUE = 365243 THEN NULL ELSE DAYS_LAST_DUE END
               AS DAYS_LAST_DUE,
           CASE WHEN DAYS_TERMINATION = 365243 THEN NULL ELSE DAYS_TERMINATION END
               AS DAYS_TERMINATION
       ),
       CAST(AMT_APPLICATION AS DOUBLE) / NULLIF(AMT_CREDIT, 0) AS APP_CREDIT_PERC
FROM previous_application;

CREATE OR REPLACE TEMP TABLE _feat_previous AS
SELECT h.SK_ID_CURR,
       {aggregates}
FROM _previous_rows AS h
{joins}
GROUP BY h.SK_ID_CURR;
