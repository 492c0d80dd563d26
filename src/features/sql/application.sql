-- Application features, one row per applicant of either application file. TARGET is never
-- selected. DAYS_EMPLOYED holds 365243 for people without a job (pensioners, unemployed): that
-- code becomes an empty value and the flag DAYS_EMPLOYED_ANOM. Ratios divide by NULLIF(x, 0) so
-- that a zero denominator gives an empty value, never an infinity.
CREATE OR REPLACE TEMP TABLE _feat_application AS
WITH app AS (
    SELECT {columns} FROM application_train
    UNION ALL
    SELECT {columns} FROM application_test
),
cleaned AS (
    SELECT * REPLACE (
               CASE WHEN DAYS_EMPLOYED = 365243 THEN NULL ELSE DAYS_EMPLOYED END AS DAYS_EMPLOYED
           ),
           CASE WHEN DAYS_EMPLOYED = 365243 THEN 1.0
                WHEN DAYS_EMPLOYED IS NULL THEN NULL
                ELSE 0.0 END AS DAYS_EMPLOYED_ANOM
    FROM app
)
SELECT h.SK_ID_CURR,
       {raw},
       h.DAYS_EMPLOYED_ANOM,
       CAST(h.DAYS_EMPLOYED AS DOUBLE) / NULLIF(h.DAYS_BIRTH, 0) AS DAYS_EMPLOYED_PERC,
       CAST(h.AMT_INCOME_TOTAL AS DOUBLE) / NULLIF(h.AMT_CREDIT, 0) AS INCOME_CREDIT_PERC,
       CAST(h.AMT_INCOME_TOTAL AS DOUBLE) / NULLIF(h.CNT_FAM_MEMBERS, 0) AS INCOME_PER_PERSON,
       CAST(h.AMT_ANNUITY AS DOUBLE) / NULLIF(h.AMT_INCOME_TOTAL, 0) AS ANNUITY_INCOME_PERC,
       CAST(h.AMT_ANNUITY AS DOUBLE) / NULLIF(h.AMT_CREDIT, 0) AS PAYMENT_RATE{encoded}
FROM cleaned AS h
{joins};
