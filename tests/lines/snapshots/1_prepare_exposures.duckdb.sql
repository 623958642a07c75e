SELECT
  "t23"."pid",
  "t23"."phase",
  "t23"."drug_id",
  "t23"."s",
  "t23"."en",
  "t23"."n_records",
  "t23"."island",
  "t23"."kid",
  "t7"."sub_fam",
  "t7"."maint",
  "t7"."addon_0",
  "t7"."req_0",
  "t7"."addon_1",
  "t7"."req_1"
FROM (
  SELECT
    "t21"."pid",
    "t21"."phase",
    "t21"."drug_id",
    "t21"."s",
    "t21"."en",
    "t21"."n_records",
    "t21"."island",
    (
      "t21"."pid" * 65536
    ) + "t21"."island" AS "kid"
  FROM (
    SELECT
      "t20".*
      EXCLUDE ("opens")
    FROM (
      SELECT
        "t19"."pid",
        "t19"."phase",
        "t19"."drug_id",
        "t19"."s",
        "t19"."en",
        "t19"."n_records",
        "t19"."opens",
        CAST(SUM("t19"."opens") OVER (
          PARTITION BY "t19"."pid"
          ORDER BY "t19"."phase" ASC, "t19"."s" ASC, "t19"."en" ASC, "t19"."drug_id" ASC
          ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS INT) AS "island"
      FROM (
        SELECT
          "t18"."pid",
          "t18"."phase",
          "t18"."drug_id",
          "t18"."s",
          "t18"."en",
          "t18"."n_records",
          CAST((
            MAX("t18"."en") OVER (
              PARTITION BY "t18"."pid"
              ORDER BY "t18"."phase" ASC, "t18"."s" ASC, "t18"."en" ASC, "t18"."drug_id" ASC
              ROWS BETWEEN UNBOUNDED PRECEDING AND 1 preceding
            ) IS NULL
          )
          OR (
            LAG("t18"."phase") OVER (
              PARTITION BY "t18"."pid"
              ORDER BY "t18"."phase" ASC, "t18"."s" ASC, "t18"."en" ASC, "t18"."drug_id" ASC
              ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
            ) <> "t18"."phase"
          )
          OR (
            (
              "t18"."s" - MAX("t18"."en") OVER (
                PARTITION BY "t18"."pid"
                ORDER BY "t18"."phase" ASC, "t18"."s" ASC, "t18"."en" ASC, "t18"."drug_id" ASC
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 preceding
              )
            ) > 180
          ) AS INT) AS "opens"
        FROM (
          SELECT
            "t17"."pid",
            "t17"."phase",
            "t17"."drug_id",
            "t17"."s",
            MAX("t17"."en") AS "en",
            CAST(COUNT("t17"."en") AS INT) AS "n_records"
          FROM (
            SELECT
              "t16"."s",
              "t16"."en",
              "t16"."drug_id",
              "t16"."pid",
              "t16"."met",
              CASE
                WHEN "t16"."met" IS NULL
                THEN 1
                WHEN "t16"."s" >= (
                  "t16"."met" - 0
                )
                THEN 1
                ELSE 0
              END AS "phase"
            FROM (
              SELECT
                "t15"."s",
                "t15"."en",
                "t15"."drug_id",
                "t4"."pid",
                "t10"."met"
              FROM (
                SELECT
                  "t13".*
                  EXCLUDE ("drug")
                FROM (
                  SELECT
                    "t12"."patient_id",
                    "t12"."drug",
                    "t12"."s",
                    "t12"."en",
                    "t8"."drug_id"
                  FROM (
                    SELECT
                      "t3"."patient_id",
                      "t3"."drug",
                      CAST(DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t3"."start_date") AS INT) AS "s",
                      CAST(GREATEST(
                        COALESCE(
                          DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t3"."end_date"),
                          DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t3"."start_date") + 0
                        ),
                        DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t3"."start_date")
                      ) AS INT) AS "en"
                    FROM "drug_exposures" AS "t3"
                    WHERE
                      "t3"."drug" IS NOT NULL AND "t3"."start_date" IS NOT NULL
                  ) AS "t12"
                  INNER JOIN (
                    SELECT
                      "t0"."drug",
                      "t0"."drug_id"
                    FROM "lw_drugs" AS "t0"
                    WHERE
                      "t0"."eligible"
                  ) AS "t8"
                    ON "t12"."drug" = "t8"."drug"
                ) AS "t13"
              ) AS "t15"
              INNER JOIN "lw_keys" AS "t4"
                ON "t15"."patient_id" = "t4"."patient_id"
              LEFT OUTER JOIN (
                SELECT
                  "t2"."patient_id",
                  DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t2"."metastatic_diagnosis_date") AS "met"
                FROM "patients" AS "t2"
              ) AS "t10"
                ON "t15"."patient_id" = "t10"."patient_id"
            ) AS "t16"
          ) AS "t17"
          GROUP BY
            1,
            2,
            3,
            4
        ) AS "t18"
      ) AS "t19"
    ) AS "t20"
  ) AS "t21"
) AS "t23"
INNER JOIN (
  SELECT
    "t0"."drug_id",
    "t0"."sub_fam",
    "t0"."maint",
    "t0"."addon_0",
    "t0"."req_0",
    "t0"."addon_1",
    "t0"."req_1"
  FROM "lw_drugs" AS "t0"
) AS "t7"
  ON "t23"."drug_id" = "t7"."drug_id"
