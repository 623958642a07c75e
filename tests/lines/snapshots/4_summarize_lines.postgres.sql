SELECT
  "t23"."patient_id",
  "t23"."line_seq",
  CASE
    WHEN "t23"."phase" = 'metastatic'
    THEN "t23"."phase_seq"
    ELSE CAST(NULL AS INT)
  END AS "line_number",
  CASE
    WHEN "t23"."phase" = 'metastatic'
    THEN 'metastatic'
    WHEN (
      "t23"."surgery" IS NOT NULL
    ) AND (
      "t23"."s" < "t23"."surgery"
    )
    THEN 'neoadjuvant'
    ELSE 'adjuvant'
  END AS "setting",
  "t23"."phase",
  "t23"."island",
  "t23"."k",
  CAST(CAST(MAKE_DATE(1970, 1, 1) + MAKE_INTERVAL(days => CAST("t23"."s" AS INT)) AS TIMESTAMP) AS DATE) AS "start_date",
  CAST(CAST(MAKE_DATE(1970, 1, 1) + MAKE_INTERVAL(
    days => CAST(CASE
      WHEN "t23"."next_s" IS NOT NULL
      THEN LEAST("t23"."en", "t23"."next_s" - 1)
      ELSE "t23"."en"
    END AS INT)
  ) AS TIMESTAMP) AS DATE) AS "end_date",
  "t23"."agents",
  "t23"."drugs_given",
  "t23"."substitutes",
  "t23"."add_ons",
  ARRAY(SELECT
    __ibis_param_drug__
  FROM UNNEST("t23"."agents") AS __ibis_param_drug__
  WHERE
    NOT (
      COALESCE(
        CAST("t23"."prev_given" AS VARCHAR[]) @> ARRAY[CAST(__ibis_param_drug__ AS VARCHAR)],
        FALSE
      )
    )) AS "new_agents",
  "t23"."n_exposures",
  COALESCE(
    (
      "t23"."induction_end" IS NOT NULL
    )
    AND (
      "t23"."maint_end" IS NOT NULL
    )
    AND (
      (
        "t23"."maint_end" - "t23"."induction_end"
      ) > 42
    ),
    FALSE
  ) AS "maintenance",
  CASE
    WHEN (
      "t23"."induction_end" IS NOT NULL
    )
    AND (
      "t23"."maint_end" IS NOT NULL
    )
    AND (
      (
        "t23"."maint_end" - "t23"."induction_end"
      ) > 42
    )
    THEN CAST(CAST(MAKE_DATE(1970, 1, 1) + MAKE_INTERVAL(days => CAST("t23"."induction_end" + 1 AS INT)) AS TIMESTAMP) AS DATE)
    ELSE CAST(NULL AS DATE)
  END AS "maintenance_start",
  (
    ROW_NUMBER() OVER (
      PARTITION BY "t23"."patient_id", "t23"."regimen_key"
      ORDER BY "t23"."phase_rank" ASC, "t23"."s" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ) - 1
  ) > 0 AS "rechallenge",
  CASE
    WHEN "t23"."k" > 1
    THEN 'new_drug'
    WHEN "t23"."island" <> "t23"."first_island"
    THEN 'after_gap'
    WHEN "t23"."phase" = 'metastatic'
    THEN 'first_metastatic'
    ELSE 'first_early'
  END AS "start_rule",
  CASE
    WHEN "t23"."next_island" = "t23"."island"
    THEN 'new_drug'
    WHEN "t23"."next_phase" = "t23"."phase"
    THEN 'gap'
    WHEN NOT (
      "t23"."phase" = 'metastatic'
    )
    AND (
      "t23"."met" IS NOT NULL
    )
    AND (
      (
        "t23"."met" - "t23"."en"
      ) <= 180
    )
    THEN 'metastatic_diagnosis'
    WHEN NOT (
      "t23"."phase" = 'metastatic'
    ) AND (
      "t23"."met" IS NOT NULL
    )
    THEN 'gap'
    WHEN (
      "t23"."death" IS NOT NULL
    )
    AND (
      (
        "t23"."death" - "t23"."en"
      ) <= 180
    )
    THEN 'death'
    WHEN (
      "t23"."last_contact" IS NOT NULL
    )
    AND (
      (
        "t23"."last_contact" - "t23"."en"
      ) > 180
    )
    THEN 'gap'
    ELSE 'end_of_data'
  END AS "end_rule",
  CAST(CAST(MAKE_DATE(1970, 1, 1) + MAKE_INTERVAL(days => CAST("t23"."next_s" AS INT)) AS TIMESTAMP) AS DATE) AS "next_start_date"
FROM (
  SELECT
    "t22"."kid",
    "t22"."k",
    "t22"."pid",
    "t22"."island",
    "t22"."phase",
    "t22"."s",
    "t22"."en",
    "t22"."agents",
    "t22"."drugs_given",
    "t22"."substitutes",
    "t22"."add_ons",
    "t22"."n_exposures",
    "t22"."induction_end",
    "t22"."maint_end",
    "t22"."patient_id",
    "t22"."met",
    "t22"."surgery",
    "t22"."death",
    "t22"."last_contact",
    "t22"."phase_rank",
    "t22"."line_seq",
    "t22"."phase_seq",
    "t22"."next_s",
    "t22"."next_phase",
    "t22"."next_island",
    "t22"."prev_given",
    "t22"."first_island",
    ARRAY_TO_STRING(
      NULLIF(
        CAST(ARRAY(SELECT
          x
        FROM UNNEST("t22"."agents") AS x
        ORDER BY
          x NULLS FIRST) AS VARCHAR[]),
        CAST(ARRAY[] AS VARCHAR[])
      ),
      ' + '
    ) AS "regimen_key"
  FROM (
    SELECT
      "t21"."kid",
      "t21"."k",
      "t21"."pid",
      "t21"."island",
      "t21"."phase",
      "t21"."s",
      "t21"."en",
      "t21"."agents",
      "t21"."drugs_given",
      "t21"."substitutes",
      "t21"."add_ons",
      "t21"."n_exposures",
      "t21"."induction_end",
      "t21"."maint_end",
      "t21"."patient_id",
      "t21"."met",
      "t21"."surgery",
      "t21"."death",
      "t21"."last_contact",
      "t21"."phase_rank",
      CAST((
        ROW_NUMBER() OVER (
          PARTITION BY "t21"."patient_id"
          ORDER BY "t21"."phase_rank" ASC, "t21"."s" ASC, "t21"."island" ASC, "t21"."k" ASC
          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
        ) - 1
      ) + 1 AS INT) AS "line_seq",
      CAST((
        ROW_NUMBER() OVER (
          PARTITION BY "t21"."patient_id", "t21"."phase"
          ORDER BY "t21"."s" ASC, "t21"."island" ASC, "t21"."k" ASC
          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
        ) - 1
      ) + 1 AS INT) AS "phase_seq",
      LEAD("t21"."s") OVER (
        PARTITION BY "t21"."patient_id"
        ORDER BY "t21"."phase_rank" ASC, "t21"."s" ASC, "t21"."island" ASC, "t21"."k" ASC
        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
      ) AS "next_s",
      LEAD("t21"."phase") OVER (
        PARTITION BY "t21"."patient_id"
        ORDER BY "t21"."phase_rank" ASC, "t21"."s" ASC, "t21"."island" ASC, "t21"."k" ASC
        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
      ) AS "next_phase",
      LEAD("t21"."island") OVER (
        PARTITION BY "t21"."patient_id"
        ORDER BY "t21"."phase_rank" ASC, "t21"."s" ASC, "t21"."island" ASC, "t21"."k" ASC
        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
      ) AS "next_island",
      LAG("t21"."drugs_given") OVER (
        PARTITION BY "t21"."patient_id"
        ORDER BY "t21"."phase_rank" ASC, "t21"."s" ASC, "t21"."island" ASC, "t21"."k" ASC
        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
      ) AS "prev_given",
      MIN("t21"."island") OVER (
        PARTITION BY "t21"."patient_id", "t21"."phase"
        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
      ) AS "first_island"
    FROM (
      SELECT
        "t20"."kid",
        "t20"."k",
        "t20"."pid",
        "t20"."island",
        "t20"."phase",
        "t20"."s",
        "t20"."en",
        "t20"."agents",
        "t20"."drugs_given",
        "t20"."substitutes",
        "t20"."add_ons",
        "t20"."n_exposures",
        "t20"."induction_end",
        "t20"."maint_end",
        "t20"."patient_id",
        "t20"."met",
        "t20"."surgery",
        "t20"."death",
        "t20"."last_contact",
        CASE WHEN "t20"."phase" = 'early' THEN 0 ELSE 1 END AS "phase_rank"
      FROM (
        SELECT
          "t19"."kid",
          "t19"."k",
          "t19"."pid",
          "t19"."island",
          "t19"."phase",
          "t19"."s",
          "t19"."en",
          "t19"."agents",
          "t19"."drugs_given",
          "t19"."substitutes",
          "t19"."add_ons",
          "t19"."n_exposures",
          "t19"."induction_end",
          "t19"."maint_end",
          "t19"."patient_id",
          "t19"."met",
          "t19"."surgery",
          "t19"."death",
          "t19"."last_contact"
        FROM (
          SELECT
            "t18"."kid",
            "t18"."k",
            "t18"."pid",
            "t18"."island",
            "t18"."phase",
            "t18"."s",
            "t18"."en",
            "t18"."agents",
            "t18"."drugs_given",
            "t18"."substitutes",
            "t18"."add_ons",
            "t18"."n_exposures",
            "t18"."induction_end",
            "t18"."maint_end",
            "t4"."patient_id",
            "t9"."patient_id" AS "patient_id_right",
            "t9"."met",
            "t9"."surgery",
            "t9"."death",
            "t9"."last_contact"
          FROM (
            SELECT
              "t16"."kid",
              "t16"."k",
              MAX("t16"."pid") AS "pid",
              MAX("t16"."island") AS "island",
              CASE WHEN MAX("t16"."phase_id") = 1 THEN 'metastatic' ELSE 'early' END AS "phase",
              MIN("t16"."first_s") AS "s",
              MAX("t16"."last_en") AS "en",
              COALESCE(
                ARRAY(SELECT
                  CAST(JSONB_EXTRACT_PATH(TO_JSONB(__ibis_param_x__), 'f2') AS VARCHAR)
                FROM UNNEST(ARRAY(SELECT
                  x
                FROM UNNEST(ARRAY_AGG(ROW(CAST("t16"."first_s" AS INT), CAST("t16"."drug" AS VARCHAR))) FILTER(WHERE
                  ROW(CAST("t16"."first_s" AS INT), CAST("t16"."drug" AS VARCHAR)) IS NOT NULL
                  AND "t16"."in_reg")) AS x
                ORDER BY
                  x NULLS FIRST)) AS __ibis_param_x__),
                ARRAY[]
              ) AS "agents",
              COALESCE(
                ARRAY(SELECT
                  CAST(JSONB_EXTRACT_PATH(TO_JSONB(__ibis_param_x__), 'f2') AS VARCHAR)
                FROM UNNEST(ARRAY(SELECT
                  x
                FROM UNNEST(ARRAY_AGG(ROW(CAST("t16"."first_s" AS INT), CAST("t16"."drug" AS VARCHAR))) FILTER(WHERE
                  ROW(CAST("t16"."first_s" AS INT), CAST("t16"."drug" AS VARCHAR)) IS NOT NULL
                  AND TRUE)) AS x
                ORDER BY
                  x NULLS FIRST)) AS __ibis_param_x__),
                ARRAY[]
              ) AS "drugs_given",
              COALESCE(
                ARRAY(SELECT
                  CAST(JSONB_EXTRACT_PATH(TO_JSONB(__ibis_param_x__), 'f2') AS VARCHAR)
                FROM UNNEST(ARRAY(SELECT
                  x
                FROM UNNEST(ARRAY_AGG(ROW(CAST("t16"."first_s" AS INT), CAST("t16"."drug" AS VARCHAR))) FILTER(WHERE
                  ROW(CAST("t16"."first_s" AS INT), CAST("t16"."drug" AS VARCHAR)) IS NOT NULL
                  AND "t16"."is_sub")) AS x
                ORDER BY
                  x NULLS FIRST)) AS __ibis_param_x__),
                ARRAY[]
              ) AS "substitutes",
              COALESCE(
                ARRAY(SELECT
                  CAST(JSONB_EXTRACT_PATH(TO_JSONB(__ibis_param_x__), 'f2') AS VARCHAR)
                FROM UNNEST(ARRAY(SELECT
                  x
                FROM UNNEST(ARRAY_AGG(ROW(CAST("t16"."first_s" AS INT), CAST("t16"."drug" AS VARCHAR))) FILTER(WHERE
                  ROW(CAST("t16"."first_s" AS INT), CAST("t16"."drug" AS VARCHAR)) IS NOT NULL
                  AND NOT (
                    "t16"."in_reg"
                  )
                  AND NOT (
                    "t16"."is_sub"
                  ))) AS x
                ORDER BY
                  x NULLS FIRST)) AS __ibis_param_x__),
                ARRAY[]
              ) AS "add_ons",
              SUM("t16"."n") AS "n_exposures",
              MAX("t16"."last_en") FILTER(WHERE
                "t16"."in_reg" AND NOT (
                  "t16"."maint"
                )) AS "induction_end",
              MAX("t16"."last_en") FILTER(WHERE
                "t16"."maint") AS "maint_end"
            FROM (
              SELECT
                "t15"."kid",
                "t15"."k",
                "t15"."drug_id",
                "t15"."pid",
                "t15"."island",
                "t15"."phase_id",
                "t15"."first_s",
                "t15"."last_en",
                "t15"."n",
                "t15"."in_reg",
                "t15"."drug",
                "t15"."sub_fam",
                "t15"."maint",
                "t15"."fam_in_reg",
                NOT (
                  "t15"."in_reg"
                ) AND COALESCE("t15"."fam_in_reg", FALSE) AS "is_sub"
              FROM (
                SELECT
                  "t10"."kid",
                  "t10"."k",
                  "t10"."drug_id",
                  "t10"."pid",
                  "t10"."island",
                  "t10"."phase_id",
                  "t10"."first_s",
                  "t10"."last_en",
                  "t10"."n",
                  "t10"."in_reg",
                  "t8"."drug",
                  "t8"."sub_fam",
                  "t8"."maint",
                  "t14"."fam_in_reg"
                FROM (
                  SELECT
                    "t2"."kid",
                    "t2"."k",
                    "t2"."drug_id",
                    MAX("t2"."pid") AS "pid",
                    MAX("t2"."island") AS "island",
                    MAX("t2"."phase") AS "phase_id",
                    MIN("t2"."s") AS "first_s",
                    MAX("t2"."en") AS "last_en",
                    SUM("t2"."n_records") AS "n",
                    BOOL_OR("t2"."in_window") AS "in_reg"
                  FROM "lw_assigned" AS "t2"
                  GROUP BY
                    1,
                    2,
                    3
                ) AS "t10"
                INNER JOIN (
                  SELECT
                    "t3"."drug_id",
                    "t3"."drug",
                    "t3"."sub_fam",
                    "t3"."maint"
                  FROM "lw_drugs" AS "t3"
                ) AS "t8"
                  ON "t10"."drug_id" = "t8"."drug_id"
                LEFT OUTER JOIN (
                  SELECT
                    "t12"."kid",
                    "t12"."k",
                    "t12"."sub_fam",
                    TRUE AS "fam_in_reg"
                  FROM (
                    SELECT DISTINCT
                      "t11"."kid",
                      "t11"."k",
                      "t11"."sub_fam"
                    FROM (
                      SELECT
                        "t10"."kid",
                        "t10"."k",
                        "t10"."drug_id",
                        "t10"."pid",
                        "t10"."island",
                        "t10"."phase_id",
                        "t10"."first_s",
                        "t10"."last_en",
                        "t10"."n",
                        "t10"."in_reg",
                        "t8"."drug",
                        "t8"."sub_fam",
                        "t8"."maint"
                      FROM (
                        SELECT
                          "t2"."kid",
                          "t2"."k",
                          "t2"."drug_id",
                          MAX("t2"."pid") AS "pid",
                          MAX("t2"."island") AS "island",
                          MAX("t2"."phase") AS "phase_id",
                          MIN("t2"."s") AS "first_s",
                          MAX("t2"."en") AS "last_en",
                          SUM("t2"."n_records") AS "n",
                          BOOL_OR("t2"."in_window") AS "in_reg"
                        FROM "lw_assigned" AS "t2"
                        GROUP BY
                          1,
                          2,
                          3
                      ) AS "t10"
                      INNER JOIN (
                        SELECT
                          "t3"."drug_id",
                          "t3"."drug",
                          "t3"."sub_fam",
                          "t3"."maint"
                        FROM "lw_drugs" AS "t3"
                      ) AS "t8"
                        ON "t10"."drug_id" = "t8"."drug_id"
                    ) AS "t11"
                    WHERE
                      "t11"."in_reg" AND "t11"."sub_fam" IS NOT NULL
                  ) AS "t12"
                ) AS "t14"
                  ON "t10"."kid" = "t14"."kid"
                  AND "t10"."k" = "t14"."k"
                  AND "t8"."sub_fam" = "t14"."sub_fam"
              ) AS "t15"
            ) AS "t16"
            GROUP BY
              1,
              2
          ) AS "t18"
          INNER JOIN "lw_keys" AS "t4"
            ON "t18"."pid" = "t4"."pid"
          LEFT OUTER JOIN (
            SELECT
              "t1"."patient_id",
              CAST(EXTRACT(epoch FROM CAST("t1"."metastatic_diagnosis_date" AS TIMESTAMP) - CAST(MAKE_DATE(CAST(1970 AS INT), CAST(1 AS INT), CAST(1 AS INT)) AS TIMESTAMP)) / 86400 AS BIGINT) AS "met",
              CAST(EXTRACT(epoch FROM CAST("t1"."surgery_date" AS TIMESTAMP) - CAST(MAKE_DATE(CAST(1970 AS INT), CAST(1 AS INT), CAST(1 AS INT)) AS TIMESTAMP)) / 86400 AS BIGINT) AS "surgery",
              CAST(EXTRACT(epoch FROM CAST("t1"."death_date" AS TIMESTAMP) - CAST(MAKE_DATE(CAST(1970 AS INT), CAST(1 AS INT), CAST(1 AS INT)) AS TIMESTAMP)) / 86400 AS BIGINT) AS "death",
              CAST(EXTRACT(epoch FROM CAST("t1"."last_contact_date" AS TIMESTAMP) - CAST(MAKE_DATE(CAST(1970 AS INT), CAST(1 AS INT), CAST(1 AS INT)) AS TIMESTAMP)) / 86400 AS BIGINT) AS "last_contact"
            FROM "patients" AS "t1"
          ) AS "t9"
            ON "t4"."patient_id" = "t9"."patient_id"
        ) AS "t19"
      ) AS "t20"
    ) AS "t21"
  ) AS "t22"
) AS "t23"
