# Public API (one import block, kept sorted by ruff): Kaplan-Meier, median follow-up, log-rank
# family; tests for tables and groups, proportion CIs, standardised differences, Table 1.
from .concordance import ConcordanceResult, concordance  # noqa: E402, F401
from .contingency import ChiSquareResult, FisherExactResult, chi_square, fisher_exact  # noqa: E402, F401
from .cox import ChiSquareTest, CoxResult, cox  # noqa: E402, F401
from .cox_zph import ProportionalHazardsTest  # noqa: E402, F401
from .followup import FollowUpResult, median_follow_up  # noqa: E402, F401
from .km import KaplanMeierByResult, KaplanMeierResult, RMSTResult, kaplan_meier, kaplan_meier_by  # noqa: E402, F401
from .logrank import LogrankResult, logrank  # noqa: E402, F401
from .logrank_trend import (  # noqa: E402, F401
    LogrankTrendResult,
    PairwiseLogrankResult,
    logrank_trend,
    p_adjust,
    pairwise_logrank,
)
from .proportions import ProportionCI, proportion_ci  # noqa: E402, F401
from .rank_tests import (  # noqa: E402, F401
    KruskalWallisResult,
    MannWhitneyResult,
    TTestResult,
    kruskal_wallis,
    mann_whitney,
    t_test,
)
from .smd import StandardizedDifference, standardized_mean_difference  # noqa: E402, F401
from .table_one import TableOneResult, table_one  # noqa: E402, F401
from .timefix import timefix  # noqa: E402, F401
