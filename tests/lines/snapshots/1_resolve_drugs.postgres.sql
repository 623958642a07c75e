SELECT
  "t6"."patient_id",
  COALESCE("t6"."drug", "t6"."_syn_drug") AS "drug",
  "t6"."drug_source_value",
  "t6"."start_date",
  "t6"."end_date"
FROM (
  SELECT
    "t5"."patient_id",
    "t5"."drug",
    "t5"."drug_source_value",
    "t5"."start_date",
    "t5"."end_date",
    "t5"."_key",
    "t3"."key",
    "t3"."_syn_drug"
  FROM (
    SELECT
      "t0"."patient_id",
      "t0"."drug",
      "t0"."drug_source_value",
      "t0"."start_date",
      "t0"."end_date",
      TRIM(' 	
' FROM REGEXP_REPLACE(REPLACE(LOWER("t0"."drug_source_value"), '_', ' '), '\s+', ' ', 'g')) AS "_key"
    FROM "drug_exposures" AS "t0"
  ) AS "t5"
  LEFT OUTER JOIN (
    SELECT
      "t1"."key",
      "t1"."drug" AS "_syn_drug"
    FROM "lw_synonyms" AS "t1"
  ) AS "t3"
    ON "t5"."_key" = "t3"."key"
) AS "t6"
