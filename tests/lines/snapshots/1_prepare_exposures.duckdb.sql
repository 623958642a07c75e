SELECT
  (
    "t15"."pid" * 65536
  ) + CAST(SUM("t15"."opens") OVER (
    PARTITION BY "t15"."pid"
    ORDER BY "t15"."phase" ASC, "t15"."s" ASC, "t15"."drug_id" ASC
    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
  ) AS INT) AS "kid",
  "t15"."pid",
  CAST(SUM("t15"."opens") OVER (
    PARTITION BY "t15"."pid"
    ORDER BY "t15"."phase" ASC, "t15"."s" ASC, "t15"."drug_id" ASC
    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
  ) AS INT) AS "island",
  "t15"."phase",
  "t15"."drug_id",
  "t15"."s",
  "t15"."en",
  CAST(COALESCE(
    LEAD("t15"."rn") OVER (
      PARTITION BY "t15"."pid"
      ORDER BY "t15"."phase" ASC, "t15"."s" ASC, "t15"."drug_id" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ),
    "t15"."n_all"
  ) - "t15"."rn" AS INT) AS "n_records"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t13"."pid",
      "t13"."drug_id",
      "t13"."s",
      "t13"."en",
      "t13"."phase",
      ROW_NUMBER() OVER (
        PARTITION BY "t13"."pid"
        ORDER BY "t13"."phase" ASC, "t13"."s" ASC, "t13"."drug_id" ASC, "t13"."en" DESC
        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
      ) - 1 AS "rn",
      COUNT("t13"."pid") OVER (PARTITION BY "t13"."pid" ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS "n_all",
      COALESCE(
        (
          LAG("t13"."s") OVER (
            PARTITION BY "t13"."pid"
            ORDER BY "t13"."phase" ASC, "t13"."s" ASC, "t13"."drug_id" ASC, "t13"."en" DESC
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
          ) <> "t13"."s"
        )
        OR (
          LAG("t13"."drug_id") OVER (
            PARTITION BY "t13"."pid"
            ORDER BY "t13"."phase" ASC, "t13"."s" ASC, "t13"."drug_id" ASC, "t13"."en" DESC
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
          ) <> "t13"."drug_id"
        ),
        TRUE
      ) AS "first",
      CAST((
        MAX("t13"."en") OVER (
          PARTITION BY "t13"."pid"
          ORDER BY "t13"."phase" ASC, "t13"."s" ASC, "t13"."drug_id" ASC, "t13"."en" DESC
          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 preceding
        ) IS NULL
      )
      OR (
        LAG("t13"."phase") OVER (
          PARTITION BY "t13"."pid"
          ORDER BY "t13"."phase" ASC, "t13"."s" ASC, "t13"."drug_id" ASC, "t13"."en" DESC
          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
        ) <> "t13"."phase"
      )
      OR (
        (
          "t13"."s" - MAX("t13"."en") OVER (
            PARTITION BY "t13"."pid"
            ORDER BY "t13"."phase" ASC, "t13"."s" ASC, "t13"."drug_id" ASC, "t13"."en" DESC
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 preceding
          )
        ) > 180
      ) AS INT) AS "opens"
    FROM (
      SELECT
        "t4"."pid",
        "t8"."drug_id",
        "t12"."s",
        "t12"."en",
        CASE
          WHEN "t10"."met" IS NULL
          THEN 1
          WHEN "t12"."s" >= (
            "t10"."met" - 0
          )
          THEN 1
          ELSE 0
        END AS "phase"
      FROM (
        SELECT
          "t0"."patient_id",
          "t0"."drug",
          CAST(DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t0"."start_date") AS INT) AS "s",
          CAST(GREATEST(
            COALESCE(
              DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t0"."end_date"),
              DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t0"."start_date") + 0
            ),
            DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t0"."start_date")
          ) AS INT) AS "en"
        FROM "drug_exposures" AS "t0"
        WHERE
          "t0"."drug" IS NOT NULL AND "t0"."start_date" IS NOT NULL
      ) AS "t12"
      INNER JOIN (
        SELECT
          "t2"."drug",
          "t2"."drug_id"
        FROM "lw_drugs" AS "t2"
        WHERE
          "t2"."eligible"
      ) AS "t8"
        ON "t12"."drug" = "t8"."drug"
      INNER JOIN "lw_keys" AS "t4"
        ON "t12"."patient_id" = "t4"."patient_id"
      LEFT OUTER JOIN (
        SELECT
          "t5"."pid",
          DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t6"."metastatic_diagnosis_date") AS "met"
        FROM "patients" AS "t6"
        INNER JOIN "lw_keys" AS "t5"
          ON "t6"."patient_id" = "t5"."patient_id"
      ) AS "t10"
        ON "t4"."pid" = "t10"."pid"
    ) AS "t13"
  ) AS "t14"
  WHERE
    "t14"."first"
) AS "t15"
