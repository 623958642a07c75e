SELECT
  "t1"."patient_id",
  ROW_NUMBER() OVER (
    ORDER BY "t1"."patient_id" ASC
    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
  ) - 1 AS "pid"
FROM (
  SELECT DISTINCT
    "t0"."patient_id"
  FROM "drug_exposures" AS "t0"
) AS "t1"
