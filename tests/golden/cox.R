# Golden values for linewise.stats.cox (Cox proportional hazards) and cox.zph.
#
# Run from the repository root:   Rscript tests/golden/cox.R
# Writes tests/golden/data/cox.json with
#   * the data sets exactly as R used them (so Python reads R's data), and
#   * one record per fit: the R call as a string, the matching Python arguments, and
#     R's coefficients table, log likelihoods, Wald / LR / score tests, concordance,
#     counts, warnings and the cox.zph(transform = "km") table.
suppressPackageStartupMessages(library(survival))
library(jsonlite)

# ---------------------------------------------------------------------------------------
# Data sets (exported verbatim; event indicators recoded to 0/1 where R uses 1/2)
# ---------------------------------------------------------------------------------------
lung2 <- lung
lung2$status <- lung2$status - 1L                     # 1 = censored, 2 = dead  ->  0 / 1

vet <- veteran
vet$celltype <- as.character(vet$celltype)            # Python sees plain strings
# Tie-free copy of veteran: with no tied event times the Cox score test equals the
# log-rank (survdiff) statistic exactly, whatever the ties method.
vet$time_untied <- vet$time + seq_len(nrow(vet)) / 1000

rott <- rotterdam
rott$size <- as.character(rott$size)

gb <- gbsg
# Deterministic delayed entry (counting-process data): entry 0..180 days by pid, kept
# only when it precedes the exit time.
gb$entry <- (gb$pid %% 7) * 30
gb$wt_int <- 1 + gb$pid %% 3                          # integer case weights
gb$wt_frac <- 0.5 + (gb$pid %% 4) / 4                 # non-integer case weights
gb_entry <- gb[gb$entry < gb$rfstime, ]

hrt <- heart
hrt$transplant <- as.character(hrt$transplant)

# Separation: every event is in group x = 1, so the MLE of x is +infinity.
sep <- data.frame(
  time = c(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
  status = c(1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0),
  x = c(1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0),
  z = c(0.5, -1.2, 0.3, 2.0, -0.7, 1.1, 0.2, -0.4, 1.5, -2.1, 0.9, 0.0)
)

# Near-equal times: R's timefix (aeqSurv) treats 10 and 10 + 1e-10 as one time.
near <- data.frame(
  time = c(5, 10, 10 + 1e-10, 10, 15, 20, 20 - 1e-11, 25, 30, 35, 40, 45),
  status = c(1, 1, 1, 0, 1, 1, 1, 0, 1, 0, 1, 1),
  x = c(0.2, 1.3, -0.5, 0.8, 1.9, -1.1, 0.4, 0.0, -0.3, 1.2, 0.7, -0.9)
)

datasets <- list(lung = lung2, veteran = vet, rotterdam = rott, gbsg = gb,
                 gbsg_entry = gb_entry, heart = hrt, separation = sep, near_ties = near)

# ---------------------------------------------------------------------------------------
# Fits
# ---------------------------------------------------------------------------------------
# `python` holds the arguments of linewise.stats.cox() for the same model (formulaic needs
# backticks around names containing dots, e.g. `ph.ecog`).
capture_fit <- function(call_text) {
  warns <- character(0)
  fit <- withCallingHandlers(eval(parse(text = call_text)),
                             warning = function(w) {
                               warns <<- c(warns, conditionMessage(w))
                               invokeRestart("muffleWarning")
                             })
  list(fit = fit, warnings = warns)
}

# jsonlite writes Inf as null; keep it as the string "Inf" (Python float("Inf") reads it).
inf_ok <- function(x) {
  bad <- is.infinite(x)
  if (!any(bad)) return(x)
  y <- as.list(x)
  y[bad] <- ifelse(x[bad] > 0, "Inf", "-Inf")
  y
}

one <- function(name, data_name, call_text, py, zph = TRUE) {
  res <- capture_fit(call_text)
  fit <- res$fit
  s <- summary(fit)
  cf <- s$coefficients
  ci <- s$conf.int
  robust <- !is.null(fit$naive.var)
  out <- list(
    name = name,
    data = data_name,
    r_call = call_text,
    python = py,
    terms = rownames(cf),
    coef = unname(cf[, "coef"]),
    hr = inf_ok(unname(cf[, "exp(coef)"])),
    se = unname(if (robust) sqrt(diag(fit$naive.var)) else cf[, "se(coef)"]),
    robust_se = if (robust) unname(cf[, "robust se"]) else NULL,
    z = unname(cf[, "z"]),
    p = unname(cf[, "Pr(>|z|)"]),
    hr_lower = inf_ok(unname(ci[, 3])),
    hr_upper = inf_ok(unname(ci[, 4])),
    var = unname(fit$var),
    loglik = unname(fit$loglik),
    wald = list(statistic = unname(fit$wald.test), df = unname(s$waldtest["df"]),
                pvalue = unname(s$waldtest["pvalue"])),
    lr = list(statistic = unname(s$logtest["test"]), df = unname(s$logtest["df"]),
              pvalue = unname(s$logtest["pvalue"])),
    score = list(statistic = unname(s$sctest["test"]), df = unname(s$sctest["df"]),
                 pvalue = unname(s$sctest["pvalue"])),
    robust_score = if (!is.null(s$robscore))
      list(statistic = unname(s$robscore["test"]), df = unname(s$robscore["df"]),
           pvalue = unname(s$robscore["pvalue"])) else NULL,
    concordance = unname(fit$concordance["concordance"]),
    concordance_se = unname(fit$concordance["std"]),
    n = fit$n,
    n_events = fit$nevent,
    n_dropped = length(fit$na.action),
    iter = fit$iter,
    warnings = res$warnings
  )
  if (zph) {
    z <- cox.zph(fit, transform = "km")
    out$zph_call <- "cox.zph(fit, transform = \"km\")"
    out$zph <- list(terms = rownames(z$table), chisq = unname(z$table[, "chisq"]),
                    df = unname(z$table[, "df"]), p = unname(z$table[, "p"]))
  }
  out
}

py <- function(...) list(...)

fits <- list(
  one("lung_efron", "lung",
      "coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung2)",
      py(time = "time", event = "status", covariates = "age + sex + `ph.ecog`")),
  one("lung_breslow", "lung",
      "coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung2, ties = \"breslow\")",
      py(time = "time", event = "status", covariates = "age + sex + `ph.ecog`", ties = "breslow")),
  one("lung_strata", "lung",
      "coxph(Surv(time, status) ~ age + ph.ecog + wt.loss + strata(sex), data = lung2)",
      py(time = "time", event = "status", covariates = "age + `ph.ecog` + `wt.loss`", strata = "sex")),
  one("lung_robust", "lung",
      "coxph(Surv(time, status) ~ age + sex + ph.karno, data = lung2, robust = TRUE)",
      py(time = "time", event = "status", covariates = "age + sex + `ph.karno`", robust = TRUE)),
  one("lung_cluster", "lung",
      "coxph(Surv(time, status) ~ age + sex, data = lung2, cluster = inst)",
      py(time = "time", event = "status", covariates = "age + sex", cluster = "inst")),
  one("veteran_factor_default", "veteran",
      "coxph(Surv(time, status) ~ trt + karno + factor(celltype), data = vet)",
      py(time = "time", event = "status", covariates = "trt + karno + celltype")),
  one("veteran_factor_ref", "veteran",
      "coxph(Surv(time, status) ~ trt + karno + relevel(factor(celltype), ref = \"squamous\"), data = vet)",
      py(time = "time", event = "status",
         covariates = "trt + karno + C(celltype, contr.treatment(\"squamous\"))")),
  one("veteran_breslow_factor", "veteran",
      "coxph(Surv(time, status) ~ trt + age + relevel(factor(celltype), ref = \"large\"), data = vet, ties = \"breslow\")",
      py(time = "time", event = "status",
         covariates = "trt + age + C(celltype, contr.treatment(\"large\"))", ties = "breslow")),
  one("veteran_logrank", "veteran",
      "coxph(Surv(time_untied, status) ~ trt, data = vet)",
      py(time = "time_untied", event = "status", covariates = "trt")),
  one("rotterdam_efron", "rotterdam",
      "coxph(Surv(dtime, death) ~ age + meno + factor(size, levels = c(\"<=20\", \"20-50\", \">50\")) + grade + nodes + pgr + er + hormon + chemo, data = rott)",
      py(time = "dtime", event = "death",
         covariates = "age + meno + C(size, contr.treatment(\"<=20\")) + grade + nodes + pgr + er + hormon + chemo")),
  one("rotterdam_breslow_strata", "rotterdam",
      "coxph(Surv(rtime, recur) ~ age + nodes + pgr + hormon + strata(grade), data = rott, ties = \"breslow\")",
      py(time = "rtime", event = "recur", covariates = "age + nodes + pgr + hormon",
         strata = "grade", ties = "breslow")),
  one("gbsg_efron", "gbsg",
      "coxph(Surv(rfstime, status) ~ age + meno + size + grade + nodes + pgr + er + hormon, data = gb)",
      py(time = "rfstime", event = "status",
         covariates = "age + meno + size + grade + nodes + pgr + er + hormon")),
  one("gbsg_weights_int", "gbsg",
      "coxph(Surv(rfstime, status) ~ age + size + nodes + hormon, data = gb, weights = wt_int)",
      py(time = "rfstime", event = "status", covariates = "age + size + nodes + hormon",
         weights = "wt_int")),
  one("gbsg_weights_frac", "gbsg",
      "coxph(Surv(rfstime, status) ~ age + size + nodes + hormon, data = gb, weights = wt_frac)",
      py(time = "rfstime", event = "status", covariates = "age + size + nodes + hormon",
         weights = "wt_frac")),
  one("gbsg_weights_breslow_norobust", "gbsg",
      "coxph(Surv(rfstime, status) ~ age + size + nodes + hormon, data = gb, weights = wt_frac, ties = \"breslow\", robust = FALSE)",
      py(time = "rfstime", event = "status", covariates = "age + size + nodes + hormon",
         weights = "wt_frac", ties = "breslow", robust = FALSE)),
  one("gbsg_entry_efron", "gbsg_entry",
      "coxph(Surv(entry, rfstime, status) ~ age + size + nodes + hormon + pgr, data = gb_entry)",
      py(time = "rfstime", event = "status", entry = "entry",
         covariates = "age + size + nodes + hormon + pgr")),
  one("gbsg_entry_breslow_strata_weights", "gbsg_entry",
      "coxph(Surv(entry, rfstime, status) ~ age + size + nodes + pgr + strata(hormon), data = gb_entry, ties = \"breslow\", weights = wt_int)",
      py(time = "rfstime", event = "status", entry = "entry", covariates = "age + size + nodes + pgr",
         strata = "hormon", ties = "breslow", weights = "wt_int")),
  one("heart_counting", "heart",
      "coxph(Surv(start, stop, event) ~ age + year + surgery + transplant, data = hrt)",
      py(time = "stop", event = "event", entry = "start",
         covariates = "age + year + surgery + transplant")),
  one("heart_counting_cluster", "heart",
      "coxph(Surv(start, stop, event) ~ age + year + surgery + transplant, data = hrt, cluster = id)",
      py(time = "stop", event = "event", entry = "start",
         covariates = "age + year + surgery + transplant", cluster = "id")),
  one("separation", "separation",
      "coxph(Surv(time, status) ~ x + z, data = sep)",
      py(time = "time", event = "status", covariates = "x + z"), zph = FALSE),
  one("near_ties", "near_ties",
      "coxph(Surv(time, status) ~ x, data = near)",
      py(time = "time", event = "status", covariates = "x"))
)
names(fits) <- vapply(fits, function(f) f$name, "")

# Harrell's C directly (survival::concordance, timewt = "n"), with the matching Python call.
conc_case <- function(call_text, py) {
  cf <- eval(parse(text = call_text))
  cnt <- if (is.matrix(cf$count)) colSums(cf$count) else cf$count   # per-stratum rows
  list(r_call = call_text, python = py, concordance = unname(cf$concordance),
       std_err = unname(sqrt(cf$var)),
       counts = unname(cnt[c("concordant", "discordant", "tied.x")]))
}
concordance_cases <- list(
  conc_case("concordance(Surv(time, status) ~ karno, data = vet)",
            py(data = "veteran", time = "time", event = "status", score = "karno")),
  conc_case("concordance(Surv(time, status) ~ age + strata(sex), data = lung2, reverse = TRUE)",
            py(data = "lung", time = "time", event = "status", score = "age", strata = "sex",
               reverse = TRUE)),
  conc_case("concordance(Surv(entry, rfstime, status) ~ nodes, data = gb_entry, weights = wt_int, reverse = TRUE)",
            py(data = "gbsg_entry", time = "rfstime", event = "status", score = "nodes",
               entry = "entry", weights = "wt_int", reverse = TRUE))
)

logrank <- survdiff(Surv(time_untied, status) ~ trt, data = vet)

out <- list(
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  generated_by = "tests/golden/cox.R",
  datasets = datasets,
  fits = fits,
  concordance = concordance_cases,
  logrank = list(r_call = "survdiff(Surv(time_untied, status) ~ trt, data = vet)",
                 chisq = logrank$chisq)
)

dir.create("tests/golden/data", showWarnings = FALSE, recursive = TRUE)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", null = "null",
                  dataframe = "columns", matrix = "rowmajor", pretty = FALSE),
           "tests/golden/data/cox.json")
cat("wrote tests/golden/data/cox.json\n")
