-- Instalments of previous loans. Per instalment: share of the amount due that was paid
-- (empty when nothing was due), amount left unpaid, days paid late and days paid early (each
-- kept only when positive, else 0; empty when the payment date is unknown, unlike the kernel
-- which turned unknown dates into 0). Then statistics per applicant.
CREATE OR REPLACE TEMP TABLE _instalment_rows AS
SELECT *,
       CAST(AMT_PAYMENT AS DOUBLE) / NULLIF(AMT_INSTALMENT, 0) AS PAYMENT_PERC,
       CAST(AMT_INSTALMENT AS DOUBLE) - AMT_PAYMENT AS PAYMENT_DIFF,
       CASE WHEN DAYS_ENTRY_PAYMENT - DAYS_INSTALMENT > 0
            THEN CAST(DAYS_ENTRY_PAYMENT - DAYS_INSTALMENT AS DOUBLE)
            WHEN DAYS_ENTRY_PAYMENT - DAYS_INSTALMENT <= 0 THEN 0.0 END AS DPD,
       CASE WHEN DAYS_INSTALMENT - DAYS_ENTRY_PAYMENT > 0
            THEN CAST(DAYS_INSTALMENT - DAYS_ENTRY_PAYMENT AS DOUBLE)
            WHEN DAYS_INSTALMENT - DAYS_ENTRY_PAYMENT <= 0 THEN 0.0 END AS DBD
FROM installments_payments;

CREATE OR REPLACE TEMP TABLE _feat_instalments AS
SELECT h.SK_ID_CURR,
       {aggregates}
FROM _instalment_rows AS h
{joins}
GROUP BY h.SK_ID_CURR;
