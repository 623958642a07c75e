WITH "t6" AS (
  SELECT
    "t3"."pid",
    "t3"."phase",
    "t3"."drug_id",
    "t3"."s",
    "t3"."en",
    "t3"."n_records",
    "t3"."island",
    "t3"."kid",
    "t3"."sub_fam",
    "t3"."maint",
    "t3"."addon_0",
    "t3"."req_0",
    "t3"."addon_1",
    "t3"."req_1",
    "t4"."L"
  FROM "lw_prepared" AS "t3"
  INNER JOIN "lw_current" AS "t4"
    ON "t3"."kid" = "t4"."kid"
), "t12" AS (
  SELECT DISTINCT
    "t7"."kid",
    "t7"."drug_id"
  FROM "t6" AS "t7"
  WHERE
    "t7"."s" >= "t7"."L" AND "t7"."s" <= (
      "t7"."L" + 28
    )
), "t19" AS (
  SELECT
    "t13"."pid",
    "t13"."phase",
    "t13"."drug_id",
    "t13"."s",
    "t13"."en",
    "t13"."n_records",
    "t13"."island",
    "t13"."kid",
    "t13"."sub_fam",
    "t13"."maint",
    "t13"."addon_0",
    "t13"."req_0",
    "t13"."addon_1",
    "t13"."req_1",
    "t13"."L"
  FROM (
    SELECT
      *
    FROM "t6" AS "t7"
    WHERE
      "t7"."s" >= "t7"."L" AND "t7"."s" > (
        "t7"."L" + 28
      )
  ) AS "t13"
  ANTI JOIN "t12" AS "t16"
    ON "t13"."kid" = "t16"."kid" AND "t13"."drug_id" = "t16"."drug_id"
  ANTI JOIN (
    SELECT DISTINCT
      "t7"."kid",
      "t7"."sub_fam"
    FROM "t6" AS "t7"
    WHERE
      "t7"."s" >= "t7"."L"
      AND "t7"."s" <= (
        "t7"."L" + 28
      )
      AND "t7"."sub_fam" IS NOT NULL
  ) AS "t14"
    ON "t13"."kid" = "t14"."kid" AND "t13"."sub_fam" = "t14"."sub_fam"
), "t24" AS (
  SELECT
    "t22"."kid",
    MIN("t22"."s") AS "first_plain"
  FROM (
    SELECT
      "t20"."pid",
      "t20"."phase",
      "t20"."drug_id",
      "t20"."s",
      "t20"."en",
      "t20"."n_records",
      "t20"."island",
      "t20"."kid",
      "t20"."sub_fam",
      "t20"."maint",
      "t20"."addon_0",
      "t20"."req_0",
      "t20"."addon_1",
      "t20"."req_1",
      "t20"."L",
      "t20"."addon_0" OR "t20"."addon_1" AS "is_addon"
    FROM "t19" AS "t20"
    WHERE
      NOT (
        "t20"."addon_0" OR "t20"."addon_1"
      )
  ) AS "t22"
  GROUP BY
    1
), "t28" AS (
  SELECT
    "t23"."pid",
    "t23"."phase",
    "t23"."drug_id",
    "t23"."s",
    "t23"."en",
    "t23"."n_records",
    "t23"."island",
    "t23"."kid",
    "t23"."sub_fam",
    "t23"."maint",
    "t23"."addon_0",
    "t23"."req_0",
    "t23"."addon_1",
    "t23"."req_1",
    "t23"."L",
    "t23"."is_addon",
    "t27"."kid" AS "kid_right",
    "t27"."first_plain"
  FROM (
    SELECT
      "t20"."pid",
      "t20"."phase",
      "t20"."drug_id",
      "t20"."s",
      "t20"."en",
      "t20"."n_records",
      "t20"."island",
      "t20"."kid",
      "t20"."sub_fam",
      "t20"."maint",
      "t20"."addon_0",
      "t20"."req_0",
      "t20"."addon_1",
      "t20"."req_1",
      "t20"."L",
      "t20"."addon_0" OR "t20"."addon_1" AS "is_addon"
    FROM "t19" AS "t20"
    WHERE
      "t20"."addon_0" OR "t20"."addon_1"
  ) AS "t23"
  LEFT OUTER JOIN "t24" AS "t27"
    ON "t23"."kid" = "t27"."kid"
), "t43" AS (
  SELECT
    "t32"."kid",
    "t32"."pid",
    "t32"."L",
    "t32"."s",
    "t32"."drug_id",
    "t38"."exempt",
    "t42"."progressed"
  FROM (
    SELECT
      "t29"."kid",
      "t29"."pid",
      "t29"."L",
      "t29"."s",
      "t29"."drug_id"
    FROM "t28" AS "t29"
    WHERE
      (
        "t29"."first_plain" IS NULL
      ) OR (
        "t29"."s" < "t29"."first_plain"
      )
  ) AS "t32"
  INNER JOIN (
    SELECT
      "t36"."kid",
      "t36"."s",
      "t36"."drug_id",
      "t36"."exempt"
    FROM (
      SELECT
        "t35"."pid",
        "t35"."phase",
        "t35"."drug_id",
        "t35"."s",
        "t35"."en",
        "t35"."n_records",
        "t35"."island",
        "t35"."kid",
        "t35"."sub_fam",
        "t35"."maint",
        "t35"."addon_0",
        "t35"."req_0",
        "t35"."addon_1",
        "t35"."req_1",
        "t35"."L",
        "t35"."in_reg",
        COALESCE(
          "t35"."addon_0"
          AND BOOL_OR(CAST("t35"."req_0" AND (
            "t35"."s" <= (
              "t35"."L" + 28
            )
          ) AS BOOLEAN)) OVER (PARTITION BY "t35"."kid" ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
          AND (
            (
              MAX(
                CASE
                  WHEN "t35"."in_reg" AND NOT (
                    "t35"."maint"
                  )
                  THEN "t35"."en"
                  ELSE CAST(NULL AS INT)
                END
              ) OVER (
                PARTITION BY "t35"."kid"
                ORDER BY "t35"."s" ASC
                RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
              ) IS NOT NULL
            )
            AND (
              MAX(
                CASE
                  WHEN "t35"."in_reg" AND NOT (
                    "t35"."maint"
                  )
                  THEN "t35"."en"
                  ELSE CAST(NULL AS INT)
                END
              ) OVER (
                PARTITION BY "t35"."kid"
                ORDER BY "t35"."s" ASC
                RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
              ) < "t35"."s"
            )
            AND NOT (
              BOOL_OR(CAST("t35"."in_reg" AND NOT (
                "t35"."maint"
              ) AS BOOLEAN)) OVER (
                PARTITION BY "t35"."kid"
                ORDER BY "t35"."s" ASC
                RANGE BETWEEN CURRENT ROW AND CURRENT ROW
              )
            )
            AND (
              MAX(
                CASE WHEN "t35"."in_reg" AND "t35"."maint" THEN "t35"."s" ELSE CAST(NULL AS INT) END
              ) OVER (
                PARTITION BY "t35"."kid"
                ORDER BY "t35"."s" ASC
                RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
              ) > MAX(
                CASE
                  WHEN "t35"."in_reg" AND NOT (
                    "t35"."maint"
                  )
                  THEN "t35"."en"
                  ELSE CAST(NULL AS INT)
                END
              ) OVER (
                PARTITION BY "t35"."kid"
                ORDER BY "t35"."s" ASC
                RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
              )
            )
          )
          AND (
            (
              MAX(CASE WHEN "t35"."req_0" THEN "t35"."s" ELSE CAST(NULL AS INT) END) OVER (
                PARTITION BY "t35"."kid"
                ORDER BY "t35"."s" ASC
                RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
              ) >= (
                "t35"."s" - 28
              )
            )
            AND (
              MIN(CASE WHEN "t35"."req_0" THEN "t35"."s" ELSE CAST(NULL AS INT) END) OVER (
                PARTITION BY "t35"."kid"
                ORDER BY "t35"."s" ASC
                RANGE BETWEEN 1 following AND UNBOUNDED FOLLOWING
              ) <= (
                "t35"."s" + 28
              )
            )
          ),
          FALSE
        )
        OR COALESCE(
          "t35"."addon_1"
          AND BOOL_OR(CAST("t35"."req_1" AND (
            "t35"."s" <= (
              "t35"."L" + 28
            )
          ) AS BOOLEAN)) OVER (PARTITION BY "t35"."kid" ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING),
          FALSE
        ) AS "exempt"
      FROM (
        SELECT
          "t34"."pid",
          "t34"."phase",
          "t34"."drug_id",
          "t34"."s",
          "t34"."en",
          "t34"."n_records",
          "t34"."island",
          "t34"."kid",
          "t34"."sub_fam",
          "t34"."maint",
          "t34"."addon_0",
          "t34"."req_0",
          "t34"."addon_1",
          "t34"."req_1",
          "t34"."L",
          COALESCE("t34"."in_reg", FALSE) AS "in_reg"
        FROM (
          SELECT
            "t9"."pid",
            "t9"."phase",
            "t9"."drug_id",
            "t9"."s",
            "t9"."en",
            "t9"."n_records",
            "t9"."island",
            "t9"."kid",
            "t9"."sub_fam",
            "t9"."maint",
            "t9"."addon_0",
            "t9"."req_0",
            "t9"."addon_1",
            "t9"."req_1",
            "t9"."L",
            "t18"."in_reg"
          FROM (
            SELECT
              *
            FROM "t6" AS "t7"
            WHERE
              "t7"."s" >= "t7"."L"
          ) AS "t9"
          SEMI JOIN (
            SELECT DISTINCT
              "t29"."kid"
            FROM "t28" AS "t29"
            WHERE
              (
                "t29"."first_plain" IS NULL
              ) OR (
                "t29"."s" < "t29"."first_plain"
              )
          ) AS "t33"
            ON "t9"."kid" = "t33"."kid"
          LEFT OUTER JOIN (
            SELECT
              "t15"."kid",
              "t15"."drug_id",
              TRUE AS "in_reg"
            FROM "t12" AS "t15"
          ) AS "t18"
            ON "t9"."kid" = "t18"."kid" AND "t9"."drug_id" = "t18"."drug_id"
        ) AS "t34"
      ) AS "t35"
    ) AS "t36"
  ) AS "t38"
    ON "t32"."kid" = "t38"."kid"
    AND "t32"."s" = "t38"."s"
    AND "t32"."drug_id" = "t38"."drug_id"
  LEFT OUTER JOIN (
    SELECT
      "t40"."kid",
      "t40"."s",
      "t40"."drug_id",
      TRUE AS "progressed"
    FROM (
      SELECT DISTINCT
        *
      FROM (
        SELECT
          "t32"."kid",
          "t32"."s",
          "t32"."drug_id"
        FROM (
          SELECT
            "t29"."kid",
            "t29"."pid",
            "t29"."L",
            "t29"."s",
            "t29"."drug_id"
          FROM "t28" AS "t29"
          WHERE
            (
              "t29"."first_plain" IS NULL
            ) OR (
              "t29"."s" < "t29"."first_plain"
            )
        ) AS "t32"
        INNER JOIN (
          SELECT
            "t36"."kid",
            "t36"."s",
            "t36"."drug_id",
            "t36"."exempt"
          FROM (
            SELECT
              "t35"."pid",
              "t35"."phase",
              "t35"."drug_id",
              "t35"."s",
              "t35"."en",
              "t35"."n_records",
              "t35"."island",
              "t35"."kid",
              "t35"."sub_fam",
              "t35"."maint",
              "t35"."addon_0",
              "t35"."req_0",
              "t35"."addon_1",
              "t35"."req_1",
              "t35"."L",
              "t35"."in_reg",
              COALESCE(
                "t35"."addon_0"
                AND BOOL_OR(CAST("t35"."req_0" AND (
                  "t35"."s" <= (
                    "t35"."L" + 28
                  )
                ) AS BOOLEAN)) OVER (PARTITION BY "t35"."kid" ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
                AND (
                  (
                    MAX(
                      CASE
                        WHEN "t35"."in_reg" AND NOT (
                          "t35"."maint"
                        )
                        THEN "t35"."en"
                        ELSE CAST(NULL AS INT)
                      END
                    ) OVER (
                      PARTITION BY "t35"."kid"
                      ORDER BY "t35"."s" ASC
                      RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                    ) IS NOT NULL
                  )
                  AND (
                    MAX(
                      CASE
                        WHEN "t35"."in_reg" AND NOT (
                          "t35"."maint"
                        )
                        THEN "t35"."en"
                        ELSE CAST(NULL AS INT)
                      END
                    ) OVER (
                      PARTITION BY "t35"."kid"
                      ORDER BY "t35"."s" ASC
                      RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                    ) < "t35"."s"
                  )
                  AND NOT (
                    BOOL_OR(CAST("t35"."in_reg" AND NOT (
                      "t35"."maint"
                    ) AS BOOLEAN)) OVER (
                      PARTITION BY "t35"."kid"
                      ORDER BY "t35"."s" ASC
                      RANGE BETWEEN CURRENT ROW AND CURRENT ROW
                    )
                  )
                  AND (
                    MAX(
                      CASE WHEN "t35"."in_reg" AND "t35"."maint" THEN "t35"."s" ELSE CAST(NULL AS INT) END
                    ) OVER (
                      PARTITION BY "t35"."kid"
                      ORDER BY "t35"."s" ASC
                      RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                    ) > MAX(
                      CASE
                        WHEN "t35"."in_reg" AND NOT (
                          "t35"."maint"
                        )
                        THEN "t35"."en"
                        ELSE CAST(NULL AS INT)
                      END
                    ) OVER (
                      PARTITION BY "t35"."kid"
                      ORDER BY "t35"."s" ASC
                      RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                    )
                  )
                )
                AND (
                  (
                    MAX(CASE WHEN "t35"."req_0" THEN "t35"."s" ELSE CAST(NULL AS INT) END) OVER (
                      PARTITION BY "t35"."kid"
                      ORDER BY "t35"."s" ASC
                      RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                    ) >= (
                      "t35"."s" - 28
                    )
                  )
                  AND (
                    MIN(CASE WHEN "t35"."req_0" THEN "t35"."s" ELSE CAST(NULL AS INT) END) OVER (
                      PARTITION BY "t35"."kid"
                      ORDER BY "t35"."s" ASC
                      RANGE BETWEEN 1 following AND UNBOUNDED FOLLOWING
                    ) <= (
                      "t35"."s" + 28
                    )
                  )
                ),
                FALSE
              )
              OR COALESCE(
                "t35"."addon_1"
                AND BOOL_OR(CAST("t35"."req_1" AND (
                  "t35"."s" <= (
                    "t35"."L" + 28
                  )
                ) AS BOOLEAN)) OVER (PARTITION BY "t35"."kid" ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING),
                FALSE
              ) AS "exempt"
            FROM (
              SELECT
                "t34"."pid",
                "t34"."phase",
                "t34"."drug_id",
                "t34"."s",
                "t34"."en",
                "t34"."n_records",
                "t34"."island",
                "t34"."kid",
                "t34"."sub_fam",
                "t34"."maint",
                "t34"."addon_0",
                "t34"."req_0",
                "t34"."addon_1",
                "t34"."req_1",
                "t34"."L",
                COALESCE("t34"."in_reg", FALSE) AS "in_reg"
              FROM (
                SELECT
                  "t9"."pid",
                  "t9"."phase",
                  "t9"."drug_id",
                  "t9"."s",
                  "t9"."en",
                  "t9"."n_records",
                  "t9"."island",
                  "t9"."kid",
                  "t9"."sub_fam",
                  "t9"."maint",
                  "t9"."addon_0",
                  "t9"."req_0",
                  "t9"."addon_1",
                  "t9"."req_1",
                  "t9"."L",
                  "t18"."in_reg"
                FROM (
                  SELECT
                    *
                  FROM "t6" AS "t7"
                  WHERE
                    "t7"."s" >= "t7"."L"
                ) AS "t9"
                SEMI JOIN (
                  SELECT DISTINCT
                    "t29"."kid"
                  FROM "t28" AS "t29"
                  WHERE
                    (
                      "t29"."first_plain" IS NULL
                    ) OR (
                      "t29"."s" < "t29"."first_plain"
                    )
                ) AS "t33"
                  ON "t9"."kid" = "t33"."kid"
                LEFT OUTER JOIN (
                  SELECT
                    "t15"."kid",
                    "t15"."drug_id",
                    TRUE AS "in_reg"
                  FROM "t12" AS "t15"
                ) AS "t18"
                  ON "t9"."kid" = "t18"."kid" AND "t9"."drug_id" = "t18"."drug_id"
              ) AS "t34"
            ) AS "t35"
          ) AS "t36"
        ) AS "t38"
          ON "t32"."kid" = "t38"."kid"
          AND "t32"."s" = "t38"."s"
          AND "t32"."drug_id" = "t38"."drug_id"
        INNER JOIN "lw_progressions" AS "t5"
          ON "t32"."pid" = "t5"."pid" AND "t5"."p" > "t32"."L" AND "t5"."p" <= "t32"."s"
      ) AS "t39"
    ) AS "t40"
  ) AS "t42"
    ON "t32"."kid" = "t42"."kid"
    AND "t32"."s" = "t42"."s"
    AND "t32"."drug_id" = "t42"."drug_id"
)
SELECT
  COALESCE("t26"."kid", "t53"."kid") AS "kid",
  LEAST(
    COALESCE("t26"."first_plain", "t53"."first_addon"),
    COALESCE("t53"."first_addon", "t26"."first_plain")
  ) AS "L"
FROM "t24" AS "t26"
FULL OUTER JOIN (
  SELECT
    "t51"."kid",
    MIN("t51"."s") AS "first_addon"
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "t47"."kid",
        "t47"."pid",
        "t47"."L",
        "t47"."s",
        "t47"."drug_id",
        "t47"."exempt",
        "t47"."progressed",
        "t49"."kid" AS "kid_right",
        "t49"."drug_id" AS "drug_id_right",
        "t49"."joined_from"
      FROM (
        SELECT
          "t44"."kid",
          "t44"."pid",
          "t44"."L",
          "t44"."s",
          "t44"."drug_id",
          "t44"."exempt" AND NOT (
            COALESCE("t44"."progressed", FALSE)
          ) AS "exempt",
          "t44"."progressed"
        FROM "t43" AS "t44"
      ) AS "t47"
      LEFT OUTER JOIN (
        SELECT
          "t46"."kid",
          "t46"."drug_id",
          MIN("t46"."s") AS "joined_from"
        FROM (
          SELECT
            "t44"."kid",
            "t44"."pid",
            "t44"."L",
            "t44"."s",
            "t44"."drug_id",
            "t44"."exempt" AND NOT (
              COALESCE("t44"."progressed", FALSE)
            ) AS "exempt",
            "t44"."progressed"
          FROM "t43" AS "t44"
          WHERE
            "t44"."exempt" AND NOT (
              COALESCE("t44"."progressed", FALSE)
            )
        ) AS "t46"
        GROUP BY
          1,
          2
      ) AS "t49"
        ON "t47"."kid" = "t49"."kid" AND "t47"."drug_id" = "t49"."drug_id"
    ) AS "t50"
    WHERE
      NOT (
        "t50"."exempt"
      )
      AND (
        (
          "t50"."joined_from" IS NULL
        ) OR (
          "t50"."s" < "t50"."joined_from"
        )
      )
  ) AS "t51"
  GROUP BY
    1
) AS "t53"
  ON "t26"."kid" = "t53"."kid"
