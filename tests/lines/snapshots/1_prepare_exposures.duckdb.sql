SELECT
  (
    "t18"."pid" * 65536
  ) + "t18"."island" AS "kid",
  "t18"."pid",
  "t18"."island",
  "t18"."phase",
  "t18"."drug_id",
  "t18"."s",
  "t18"."en",
  "t18"."n_records"
FROM (
  SELECT
    "t17"."pid",
    "t17"."drug_id",
    "t17"."s",
    "t17"."en",
    "t17"."n_records",
    "t17"."phase",
    "t17"."opens",
    CAST(SUM("t17"."opens") OVER (
      PARTITION BY "t17"."pid"
      ORDER BY "t17"."phase" ASC, "t17"."s" ASC, "t17"."drug_id" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS INT) AS "island"
  FROM (
    SELECT
      "t16"."pid",
      "t16"."drug_id",
      "t16"."s",
      "t16"."en",
      "t16"."n_records",
      "t16"."phase",
      CAST((
        MAX("t16"."en") OVER (
          PARTITION BY "t16"."pid"
          ORDER BY "t16"."phase" ASC, "t16"."s" ASC, "t16"."drug_id" ASC
          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 preceding
        ) IS NULL
      )
      OR (
        LAG("t16"."phase") OVER (
          PARTITION BY "t16"."pid"
          ORDER BY "t16"."phase" ASC, "t16"."s" ASC, "t16"."drug_id" ASC
          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
        ) <> "t16"."phase"
      )
      OR (
        (
          "t16"."s" - MAX("t16"."en") OVER (
            PARTITION BY "t16"."pid"
            ORDER BY "t16"."phase" ASC, "t16"."s" ASC, "t16"."drug_id" ASC
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 preceding
          )
        ) > 180
      ) AS INT) AS "opens"
    FROM (
      SELECT
        "t15"."pid",
        "t15"."drug_id",
        "t15"."s",
        "t15"."en",
        "t15"."n_records",
        CASE
          WHEN "t10"."met" IS NULL
          THEN 1
          WHEN "t15"."s" >= (
            "t10"."met" - 0
          )
          THEN 1
          ELSE 0
        END AS "phase"
      FROM (
        SELECT
          "t13"."pid",
          "t13"."drug_id",
          "t13"."s",
          MAX("t13"."en") AS "en",
          CAST(COUNT("t13"."en") AS INT) AS "n_records"
        FROM (
          SELECT
            "t5"."pid",
            "t8"."drug_id",
            "t12"."s",
            "t12"."en"
          FROM (
            SELECT
              "t1"."patient_id",
              "t1"."drug",
              CAST(DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t1"."start_date") AS INT) AS "s",
              CAST(GREATEST(
                COALESCE(
                  DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t1"."end_date"),
                  DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t1"."start_date") + 0
                ),
                DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t1"."start_date")
              ) AS INT) AS "en"
            FROM "drug_exposures" AS "t1"
            WHERE
              "t1"."drug" IS NOT NULL AND "t1"."start_date" IS NOT NULL
          ) AS "t12"
          INNER JOIN (
            SELECT
              "t3"."drug",
              "t3"."drug_id"
            FROM "lw_drugs" AS "t3"
            WHERE
              "t3"."eligible"
          ) AS "t8"
            ON "t12"."drug" = "t8"."drug"
          INNER JOIN "lw_keys" AS "t5"
            ON "t12"."patient_id" = "t5"."patient_id"
        ) AS "t13"
        GROUP BY
          1,
          2,
          3
      ) AS "t15"
      LEFT OUTER JOIN (
        SELECT
          "t6"."pid",
          DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t4"."metastatic_diagnosis_date") AS "met"
        FROM "patients" AS "t4"
        INNER JOIN "lw_keys" AS "t6"
          ON "t4"."patient_id" = "t6"."patient_id"
      ) AS "t10"
        ON "t15"."pid" = "t10"."pid"
    ) AS "t16"
  ) AS "t17"
) AS "t18"
