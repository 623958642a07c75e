# Kaplan-Meier, median follow-up, log-rank family
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
