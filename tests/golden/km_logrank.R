# Golden values for linewise.stats Kaplan-Meier, median follow-up and log-rank tests.
#
# Run from the repository root:   Rscript tests/golden/km_logrank.R
# Writes tests/golden/data/km_logrank.json. The data every case uses is exported alongside the
# results (section "datasets") so the Python tests read exactly the numbers R used; data values
# are rounded in R before use so that the 15 significant digits jsonlite writes represent them
# exactly. Every block records the R call that produced it (field "call").
#
# Sources of the values:
#   Kaplan-Meier table      summary(survfit(...), censored = TRUE)
#   median + CI, rmean      survival:::survmean(fit, rmean = tau)   (what print.survfit prints)
#   quantiles + CI          quantile(fit, probs = c(0.25, 0.5, 0.75))
#   survival at times       summary(fit, times = times, extend = TRUE)
#   log-rank                survdiff(...)  (obs, exp, var, chisq)
#   delayed-entry log-rank  coxph(Surv(entry, time, status) ~ factor(group), ties = "breslow")
#                           score test (no tied event times), and a direct R computation of the
#                           counting-process log-rank (tied event times) written out below
#   trend test              (sum s (O - E))^2 / s' V s from survdiff's obs/exp/var
#   pairwise log-rank       survdiff on each pair of groups + p.adjust (as survminer does)

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

out <- list(
  meta = list(
    r_version = R.version.string,
    survival_version = as.character(packageVersion("survival")),
    jsonlite_version = as.character(packageVersion("jsonlite")),
    script = "tests/golden/km_logrank.R"
  )
)

# ---------------------------------------------------------------------------------------------
# Data sets (time, status 0/1, optional group, strata, entry, weights)
# ---------------------------------------------------------------------------------------------
lung_d <- subset(lung, !is.na(ph.ecog))
mg <- subset(mgus2, futime > 0)
set.seed(20240601)
untied_n <- 120
untied_entry <- round(runif(untied_n, 0, 2), 6)
untied_time <- round(untied_entry + rexp(untied_n, 1 / 3), 6)
untied_status <- rbinom(untied_n, 1, 0.75)
untied_group <- sample(c("a", "b", "c"), untied_n, replace = TRUE)
stopifnot(!anyDuplicated(untied_time), !any(untied_time %in% untied_entry))

# Study A-like small cohort: PFS in months, delayed entry for some patients (enrolled after the
# start of T-DM1), three line groups; the 4th+ line group's upper CI never reaches 0.5.
study_a <- data.frame(
  time = c(4.8, 1.2, 7.7, 12.2, 3.0, 2.8, 9.1, 5.5, 15.0, 2.0, 6.3, 8.8, 4.2, 3.3,
           2.3, 4.2, 6.0, 10.4, 1.8, 4.0, 3.1, 5.2, 7.0, 2.5),
  status = c(1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 1, 0, 1, 1,
             1, 1, 0, 0, 1, 1, 1, 0, 0, 1),
  line = c(rep("l2", 9), rep("l3", 7), rep("l4", 8)),
  entry = c(0, 0, 0.5, 0, 0, 0, 1.0, 0, 0, 0, 0, 0.3, 0, 0,
            0, 0, 0, 0, 0.2, 0, 0, 0, 0.1, 0)
)

ds <- list(
  lung = list(time = lung_d$time, status = as.integer(lung_d$status == 2),
              sex = lung_d$sex, ph_ecog = lung_d$ph.ecog),
  veteran = list(time = veteran$time, status = veteran$status, trt = veteran$trt,
                 celltype = as.character(veteran$celltype), prior = veteran$prior),
  rotterdam = list(time = rotterdam$rtime, status = rotterdam$recur,
                   size = as.integer(rotterdam$size), meno = rotterdam$meno,
                   hormon = rotterdam$hormon),
  gbsg = list(time = gbsg$rfstime, status = gbsg$status, grade = gbsg$grade,
              hormon = gbsg$hormon, meno = gbsg$meno),
  mgus2_age = list(entry = mg$age, time = round(mg$age + mg$futime / 12, 4),
                   status = mg$death, sex = as.character(mg$sex)),
  untied_entry = list(entry = untied_entry, time = untied_time, status = untied_status,
                      group = untied_group),
  study_a = as.list(study_a),
  all_censored = list(time = c(2, 5, 5, 8, 11, 13), status = c(0, 0, 0, 0, 0, 0)),
  ties_everywhere = list(time = c(1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 4, 5, 5, 5),
                         status = c(1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 1, 1),
                         group = c(1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1)),
  # S = 7/8 * 6/7 * 5/6 * 4/5 = 0.5 at t = 4, flat until the next event at t = 7:
  # median (4 + 7) / 2 = 5.5
  half_flat = list(time = c(1, 2, 3, 4, 5, 6, 7, 8), status = c(1, 1, 1, 1, 0, 0, 1, 0)),
  # S reaches 0.5 at t = 2 and stays there to the end: print gives 2, quantile gives (2 + 4) / 2
  half_last = list(time = c(1, 2, 3, 4), status = c(1, 1, 0, 0)),
  # a group with one member and a group without events
  small_groups = list(time = c(3, 5, 7, 2, 4, 6, 8, 9, 10, 1, 11, 12),
                      status = c(1, 1, 0, 1, 1, 1, 0, 1, 0, 1, 0, 0),
                      group = c("a", "a", "a", "b", "b", "b", "b", "b", "b", "c", "d", "d")),
  weighted = list(time = c(1, 2, 2, 3, 4, 4, 5, 6, 7, 8, 9, 10),
                  status = c(1, 0, 1, 1, 1, 0, 1, 0, 1, 1, 0, 1),
                  wint = c(1, 2, 1, 3, 1, 1, 2, 1, 1, 2, 1, 1),
                  wfrac = c(0.5, 1.25, 2.0, 0.75, 1.5, 1.0, 0.25, 2.5, 1.0, 0.8, 1.2, 0.6)),
  # near-equal times that R's aeqSurv (timefix) merges
  near_equal = list(time = c(1, 1.0000000001, 2, 2.00000000000001, 3, 3.5, 4, 4.000000001),
                    status = c(1, 1, 1, 0, 1, 1, 0, 1),
                    group = c(1, 2, 1, 2, 1, 2, 1, 2)),
  time_zero = list(time = c(0, 0, 1, 2, 3, 3, 4), status = c(1, 0, 1, 1, 0, 1, 0))
)
# Small random data sets (ties, heavy censoring, curves ending at 0 or flat): many chances for
# the median / quantile rules' edge cases (S exactly at 0.5, limits that rise, NA limits).
set.seed(31)
n_random <- 40
for (i in seq_len(n_random)) {
  n <- sample(3:25, 1)
  ds[[sprintf("random_%02d", i)]] <- list(
    time = sample(1:8, n, replace = TRUE) * sample(c(1, 0.5), 1),
    status = rbinom(n, 1, runif(1, 0.3, 1)),
    group = sample(c("x", "y"), n, replace = TRUE)
  )
}
out$datasets <- ds

# ---------------------------------------------------------------------------------------------
# Kaplan-Meier
# ---------------------------------------------------------------------------------------------
conf_types <- c("log", "log-log", "plain")
probs <- c(0.25, 0.5, 0.75)

one_curve <- function(z, times, tau) {
  s <- summary(z, censored = TRUE)
  q <- quantile(z, probs = probs)
  m <- survival:::survmean(z, rmean = tau)$matrix
  at <- summary(z, times = times, extend = TRUE)
  list(
    table = list(time = s$time, n_risk = s$n.risk, n_event = s$n.event,
                 n_censor = s$n.censor, survival = s$surv, std_err = s$std.err,
                 lower = s$lower, upper = s$upper),
    n = unname(m["records"]), events = unname(m["events"]),
    median = unname(m["median"]), median_lower = unname(m[8]), median_upper = unname(m[9]),
    rmean = unname(m["rmean"]), rmean_se = unname(m["se(rmean)"]),
    quantile = list(p = probs, quantile = unname(q$quantile), lower = unname(q$lower),
                    upper = unname(q$upper)),
    at = list(time = at$time, n_risk = at$n.risk, n_event = at$n.event,
              n_censor = at$n.censor, survival = at$surv, std_err = at$std.err,
              lower = at$lower, upper = at$upper)
  )
}

km_case <- function(name, data, formula_txt, times, tau, group = NULL, entry = FALSE,
                    weights = NULL, robust = NULL, conf_level = 0.95) {
  d <- as.data.frame(ds[[data]][c("time", "status", if (entry) "entry", group, weights)])
  if (!is.null(group)) d$g <- factor(d[[group]])
  if (!is.null(weights)) d$w <- d[[weights]]
  f <- as.formula(formula_txt)
  res <- lapply(conf_types, function(ct) {
    args <- list(formula = f, data = d, conf.type = ct, conf.int = conf_level)
    if (!is.null(weights)) args$weights <- d$w
    if (!is.null(robust)) args$robust <- robust
    fit <- do.call(survfit, args)
    if (is.null(fit$strata)) {
      list(curves = list(one_curve(fit, times, tau)), levels = list())
    } else {
      list(curves = lapply(seq_along(fit$strata), function(i) one_curve(fit[i], times, tau)),
           levels = levels(d$g))
    }
  })
  names(res) <- conf_types
  call <- sprintf("survfit(%s, conf.type = <type>, conf.int = %s%s%s)", formula_txt, conf_level,
                  if (!is.null(weights)) sprintf(", weights = %s", weights) else "",
                  if (!is.null(robust)) sprintf(", robust = %s", robust) else "")
  list(name = name, data = data, call = call, group = group, entry = entry, weights = weights,
       conf_level = conf_level, times = times, tau = tau, levels = res[[1]]$levels,
       by_conf_type = lapply(res, function(r) r$curves))
}

out$km <- list(
  km_case("lung", "lung", "Surv(time, status) ~ 1", c(0, 100, 365, 500, 730, 1100), 730),
  km_case("lung_sex", "lung", "Surv(time, status) ~ g", c(0, 100, 365, 730), 730, group = "sex"),
  km_case("lung_ecog", "lung", "Surv(time, status) ~ g", c(50, 200, 400), 400,
          group = "ph_ecog"),
  km_case("lung_90", "lung", "Surv(time, status) ~ 1", c(100, 365), 500, conf_level = 0.9),
  km_case("veteran_celltype", "veteran", "Surv(time, status) ~ g", c(30, 90, 180, 365), 365,
          group = "celltype"),
  km_case("rotterdam_size", "rotterdam", "Surv(time, status) ~ g", c(365, 1826, 3652), 3652,
          group = "size"),
  km_case("gbsg_grade", "gbsg", "Surv(time, status) ~ g", c(365, 1095, 1825), 1825,
          group = "grade"),
  km_case("mgus2_age_entry", "mgus2_age", "Surv(entry, time, status) ~ g",
          c(60, 70, 80, 90), 90, group = "sex", entry = TRUE),
  km_case("study_a_entry", "study_a", "Surv(entry, time, status) ~ g", c(1, 3, 6, 12), 12,
          group = "line", entry = TRUE),
  km_case("study_a", "study_a", "Surv(time, status) ~ g", c(1, 3, 6, 12), 12, group = "line"),
  km_case("study_a_all", "study_a", "Surv(time, status) ~ 1", c(1, 3, 6, 12), 12),
  km_case("all_censored", "all_censored", "Surv(time, status) ~ 1", c(0, 5, 13), 10),
  km_case("ties_everywhere", "ties_everywhere", "Surv(time, status) ~ 1", c(1, 2.5, 5), 5),
  km_case("ties_everywhere_group", "ties_everywhere", "Surv(time, status) ~ g", c(1, 2.5, 5),
          5, group = "group"),
  km_case("half_flat", "half_flat", "Surv(time, status) ~ 1", c(2, 4, 6, 8), 8),
  km_case("half_last", "half_last", "Surv(time, status) ~ 1", c(2, 4), 4),
  km_case("small_groups", "small_groups", "Surv(time, status) ~ g", c(2, 6, 12), 10,
          group = "group"),
  km_case("weighted_int", "weighted", "Surv(time, status) ~ 1", c(2, 5, 10), 8,
          weights = "wint"),
  km_case("weighted_frac", "weighted", "Surv(time, status) ~ 1", c(2, 5, 10), 8,
          weights = "wfrac", robust = FALSE),
  km_case("near_equal", "near_equal", "Surv(time, status) ~ 1", c(1, 2, 4), 4),
  km_case("time_zero", "time_zero", "Surv(time, status) ~ 1", c(0, 2, 4), 4)
)
out$km <- c(out$km, lapply(seq_len(n_random), function(i) {
  nm <- sprintf("random_%02d", i)
  km_case(nm, nm, "Surv(time, status) ~ 1", c(1, 3, 5), 6)
}))

# ---------------------------------------------------------------------------------------------
# Median follow-up: reverse Kaplan-Meier (Schemper & Smith 1996) and observed times
# ---------------------------------------------------------------------------------------------
followup_case <- function(name, data, conf_type = "log") {
  d <- as.data.frame(ds[[data]][c("time", "status")])
  fit <- survfit(Surv(time, 1 - status) ~ 1, data = d, conf.type = conf_type)
  m <- survival:::survmean(fit, rmean = "none")$matrix
  list(name = name, data = data, conf_type = conf_type,
       call = sprintf("survfit(Surv(time, 1 - status) ~ 1, conf.type = '%s'); median(time); range(time)",
                      conf_type),
       reverse_median = unname(m["median"]), reverse_lower = unname(m[6]),
       reverse_upper = unname(m[7]), observed_median = median(d$time),
       minimum = min(d$time), maximum = max(d$time))
}
out$followup <- list(
  followup_case("lung", "lung"),
  followup_case("gbsg", "gbsg"),
  followup_case("gbsg_loglog", "gbsg", "log-log"),
  followup_case("study_a", "study_a"),
  followup_case("ties_everywhere", "ties_everywhere")
)

# ---------------------------------------------------------------------------------------------
# Log-rank (survdiff)
# ---------------------------------------------------------------------------------------------
survdiff_case <- function(name, data, group, strata = NULL, rho = 0) {
  d <- as.data.frame(ds[[data]][c("time", "status", group, strata)])
  d$g <- factor(d[[group]])
  f_txt <- if (is.null(strata)) "Surv(time, status) ~ g" else
    sprintf("Surv(time, status) ~ g + strata(%s)", strata)
  sd <- survdiff(as.formula(f_txt), data = d, rho = rho)
  obs <- as.matrix(sd$obs)
  ex <- as.matrix(sd$exp)
  list(name = name, data = data, group = group, strata = strata, rho = rho,
       call = sprintf("survdiff(%s, rho = %s)", f_txt, rho),
       levels = levels(d$g), statistic = sd$chisq,
       df = sum(rowSums(ex) > 0) - 1,
       pvalue = pchisq(sd$chisq, sum(rowSums(ex) > 0) - 1, lower.tail = FALSE),
       observed = unname(rowSums(obs)), expected = unname(rowSums(ex)),
       observed_by_stratum = unname(lapply(seq_len(ncol(obs)), function(j) obs[, j])),
       expected_by_stratum = unname(lapply(seq_len(ncol(ex)), function(j) ex[, j])),
       variance = unname(lapply(seq_len(nrow(sd$var)), function(i) sd$var[i, ])),
       n = unname(as.vector(sd$n)))
}
out$logrank <- list(
  survdiff_case("lung_sex", "lung", "sex"),
  survdiff_case("lung_sex_rho1", "lung", "sex", rho = 1),
  survdiff_case("lung_sex_rho05", "lung", "sex", rho = 0.5),
  survdiff_case("lung_ecog", "lung", "ph_ecog"),
  survdiff_case("lung_sex_by_ecog", "lung", "sex", strata = "ph_ecog"),
  survdiff_case("lung_sex_by_ecog_rho1", "lung", "sex", strata = "ph_ecog", rho = 1),
  survdiff_case("veteran_celltype", "veteran", "celltype"),
  survdiff_case("veteran_celltype_by_trt", "veteran", "celltype", strata = "trt"),
  survdiff_case("veteran_trt_rho1", "veteran", "trt", rho = 1),
  survdiff_case("rotterdam_size_by_meno", "rotterdam", "size", strata = "meno"),
  survdiff_case("rotterdam_hormon", "rotterdam", "hormon"),
  survdiff_case("gbsg_hormon", "gbsg", "hormon"),
  survdiff_case("gbsg_grade_by_meno_rho1", "gbsg", "grade", strata = "meno", rho = 1),
  survdiff_case("study_a_line", "study_a", "line"),
  survdiff_case("ties_everywhere", "ties_everywhere", "group"),
  survdiff_case("ties_everywhere_rho1", "ties_everywhere", "group", rho = 1),
  survdiff_case("small_groups", "small_groups", "group"),
  survdiff_case("near_equal", "near_equal", "group")
)
out$logrank <- c(out$logrank, unlist(lapply(seq_len(n_random), function(i) {
  nm <- sprintf("random_%02d", i)
  if (length(unique(ds[[nm]]$group)) < 2) return(list())
  list(survdiff_case(nm, nm, "group"), survdiff_case(paste0(nm, "_rho1"), nm, "group", rho = 1))
}), recursive = FALSE))

# Delayed entry, no tied event times: the log-rank equals coxph's score test (Breslow = exact
# hypergeometric variance when one event per time).
cox_entry_case <- function(name, data) {
  d <- as.data.frame(ds[[data]][c("entry", "time", "status", "group")])
  fit <- coxph(Surv(entry, time, status) ~ factor(group), data = d, ties = "breslow")
  list(name = name, data = data,
       call = "coxph(Surv(entry, time, status) ~ factor(group), ties = 'breslow')$score",
       levels = sort(unique(d$group)), statistic = unname(fit$score),
       df = length(fit$coefficients),
       pvalue = pchisq(unname(fit$score), length(fit$coefficients), lower.tail = FALSE))
}

# Delayed entry with tied event times: counting-process log-rank computed directly in R
# (risk set at t = {entry < t <= time}; hypergeometric variance as survdiff; G-rho weight from
# the left-continuous pooled Kaplan-Meier with delayed entry, survfit(Surv(entry, time, status) ~ 1)).
manual_entry_logrank <- function(name, data, group, rho = 0) {
  d <- as.data.frame(ds[[data]][c("entry", "time", "status", group)])
  g <- factor(d[[group]])
  lev <- levels(g)
  k <- length(lev)
  ut <- sort(unique(d$time[d$status == 1]))
  pooled <- survfit(Surv(entry, time, status) ~ 1, data = d)
  s_left <- sapply(ut, function(t) {
    i <- which(pooled$time < t)
    if (length(i) == 0) 1 else pooled$surv[max(i)]
  })
  w <- s_left^rho
  O <- E <- numeric(k)
  V <- matrix(0, k, k)
  for (i in seq_along(ut)) {
    t <- ut[i]
    atrisk <- d$entry < t & d$time >= t
    nj <- as.numeric(table(factor(g[atrisk], levels = lev)))
    dj <- as.numeric(table(factor(g[atrisk & d$time == t & d$status == 1], levels = lev)))
    n <- sum(nj)
    dd <- sum(dj)
    O <- O + w[i] * dj
    E <- E + w[i] * dd * nj / n
    if (n > 1) V <- V + w[i]^2 * dd * (n - dd) / (n * (n - 1)) * (diag(nj) - outer(nj, nj) / n)
  }
  u <- (O - E)[-1]
  stat <- sum(solve(V[-1, -1, drop = FALSE], u) * u)
  list(name = name, data = data, group = group, rho = rho,
       call = "direct R computation over event times (see manual_entry_logrank)",
       levels = lev, statistic = stat, df = k - 1,
       pvalue = pchisq(stat, k - 1, lower.tail = FALSE), observed = O, expected = E,
       variance = unname(lapply(seq_len(k), function(i) V[i, ])))
}
out$logrank_entry <- list(
  c(cox_entry_case("untied_entry", "untied_entry"), list(group = "group", rho = 0)),
  manual_entry_logrank("untied_entry_manual", "untied_entry", "group"),
  manual_entry_logrank("mgus2_age_sex", "mgus2_age", "sex"),
  manual_entry_logrank("mgus2_age_sex_rho1", "mgus2_age", "sex", rho = 1),
  manual_entry_logrank("study_a_entry", "study_a", "line")
)

# ---------------------------------------------------------------------------------------------
# Trend test: (sum s (O - E))^2 / s' V s from survdiff's obs / exp / var
# ---------------------------------------------------------------------------------------------
trend_case <- function(name, data, group, scores = NULL, strata = NULL) {
  d <- as.data.frame(ds[[data]][c("time", "status", group, strata)])
  d$g <- factor(d[[group]])
  f_txt <- if (is.null(strata)) "Surv(time, status) ~ g" else
    sprintf("Surv(time, status) ~ g + strata(%s)", strata)
  sd <- survdiff(as.formula(f_txt), data = d)
  s <- if (is.null(scores)) seq_along(levels(d$g)) else scores
  o_e <- rowSums(as.matrix(sd$obs)) - rowSums(as.matrix(sd$exp))
  stat <- sum(s * o_e)^2 / drop(t(s) %*% sd$var %*% s)
  list(name = name, data = data, group = group, strata = strata, scores = s,
       call = sprintf("sd <- survdiff(%s); (sum(s * (O - E)))^2 / (s' sd$var s)", f_txt),
       levels = levels(d$g), statistic = stat, df = 1,
       pvalue = pchisq(stat, 1, lower.tail = FALSE))
}
out$trend <- list(
  trend_case("gbsg_grade", "gbsg", "grade"),
  trend_case("gbsg_grade_by_meno", "gbsg", "grade", strata = "meno"),
  trend_case("rotterdam_size", "rotterdam", "size"),
  trend_case("lung_ecog", "lung", "ph_ecog"),
  trend_case("lung_ecog_scores", "lung", "ph_ecog", scores = c(0, 1, 2, 4)),
  trend_case("study_a_line", "study_a", "line", scores = c(2, 3, 4))
)

# ---------------------------------------------------------------------------------------------
# Pairwise log-rank: survdiff on each pair + p.adjust (survminer::pairwise_survdiff)
# ---------------------------------------------------------------------------------------------
pairwise_case <- function(name, data, group, method) {
  d <- as.data.frame(ds[[data]][c("time", "status", group)])
  d$g <- factor(d[[group]])
  lev <- levels(d$g)
  pairs <- combn(seq_along(lev), 2)
  rows <- lapply(seq_len(ncol(pairs)), function(j) {
    a <- lev[pairs[1, j]]
    b <- lev[pairs[2, j]]
    sub <- d[d$g %in% c(a, b), ]
    sub$g <- factor(sub$g)
    sd <- survdiff(Surv(time, status) ~ g, data = sub)
    c(a = pairs[1, j] - 1, b = pairs[2, j] - 1, chisq = sd$chisq,
      p = pchisq(sd$chisq, 1, lower.tail = FALSE))
  })
  m <- do.call(rbind, rows)
  list(name = name, data = data, group = group, method = method,
       call = sprintf("survdiff on each pair, p.adjust(p, method = '%s')", method),
       levels = lev, index1 = m[, "a"], index2 = m[, "b"], statistic = unname(m[, "chisq"]),
       pvalue = unname(m[, "p"]), p_adjusted = p.adjust(m[, "p"], method = method))
}
out$pairwise <- list(
  pairwise_case("veteran_celltype_holm", "veteran", "celltype", "holm"),
  pairwise_case("veteran_celltype_bonferroni", "veteran", "celltype", "bonferroni"),
  pairwise_case("veteran_celltype_none", "veteran", "celltype", "none"),
  pairwise_case("lung_ecog_holm", "lung", "ph_ecog", "holm"),
  pairwise_case("study_a_line_holm", "study_a", "line", "holm")
)

# ---------------------------------------------------------------------------------------------
# timefix (aeqSurv) applied to the raw times
# ---------------------------------------------------------------------------------------------
ne <- ds$near_equal
out$timefix <- list(
  list(name = "near_equal", call = "aeqSurv(Surv(time, status))[, 1]",
       input = ne$time, output = unname(aeqSurv(Surv(ne$time, ne$status))[, 1])),
  list(name = "untied_entry", call = "aeqSurv(Surv(entry, time, status))",
       input_entry = ds$untied_entry$entry, input = ds$untied_entry$time,
       output_entry = unname(aeqSurv(Surv(ds$untied_entry$entry, ds$untied_entry$time,
                                          ds$untied_entry$status))[, 1]),
       output = unname(aeqSurv(Surv(ds$untied_entry$entry, ds$untied_entry$time,
                                    ds$untied_entry$status))[, 2]))
)

dir.create("tests/golden/data", showWarnings = FALSE, recursive = TRUE)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", null = "null", pretty = FALSE),
           "tests/golden/data/km_logrank.json")
cat("wrote tests/golden/data/km_logrank.json\n")
