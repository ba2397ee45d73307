#include "tenure/model/description.hpp"

namespace tenure::model {

const std::vector<ParameterSource>& parameter_sources() {
  static const std::vector<ParameterSource> rows = {
      {{"service.voice_probability"}, "1/27", "source", "TARP / Goodman: about 1 in 27 dissatisfied clients voice a problem"},
      {{"service.loss_aversion"}, "2", "source", "Mittal, Ross and Baldasare 1998 (losses weigh about twice gains)"},
      {{"service.tenure_damping_years"}, "5", "stated", "Bolton 1998 finds long-tenured clients move less; the scale is ours"},
      {{"service.recovery_bonus"}, "0", "source", "de Matos et al. 2007: recovery lifts satisfaction, not repurchase"},
      {{"service.loyalty_cap"}, "0.5", "source", "Palmatier, Scheer and Steenkamp 2007: part of loyalty is to the person"},
      {{"service.promoter_threshold", "service.detractor_threshold"}, "9, 6", "source / fitted",
       "Net Promoter cut-offs (Reichheld 2003); give 3.8:1 in the baseline (East et al. about 3:1)"},
      {{"service.patience"}, "14 days", "stated", "a request left two weeks is, to the client, one ignored"},
      {{"service.problem_rate"}, "4 a year", "stated", "a request a quarter per client; `baseline` fits 3 a year"},
      {{"service.request_hours", "service.visit_hours"}, "3, 2", "stated", "a request's and a check-in's work, in hours"},
      {{"service.expected_response"}, "3 days", "stated", "clients expect an answer within the working week"},
      {{"service.support_share", "service.support_staff", "service.support_hours_per_week"}, "0.5, 4, 35", "stated",
       "half the requests to a support desk of four full-time staff"},
      {{"service.service_time", "service.service_time_cv", "service.satisfied_threshold"}, "fixed, 1, 6", "stated",
       "a request takes its hours (M/D/c unless a distribution is chosen); a client at or above 6 voices every problem"},
      {{"service.adapt_rate", "service.late_penalty_per_day", "service.ignore_penalty", "service.silent_penalty",
        "service.visit_boost", "service.loyalty_gain", "service.deepening"},
       "0.3, 0.15, 1.5, 0.4, 0.3, 0.01, 0.003", "stated",
       "the satisfaction scale's step sizes; together with churn they are fitted in `baseline` to attrition near 15%"},
      {{"churn.base_rate"}, "15% a year", "source",
       "retail and private banking attrition (at the reference satisfaction); `baseline` fits 8% so that realised "
       "attrition, with scars and competitors, lands near 15%"},
      {{"churn.satisfaction_weight", "churn.reference_satisfaction", "churn.scar_weight", "churn.market_weight",
        "churn.competitor_weight"},
       "0.45, 7, 0.35, 0.8, 0.6", "stated", "the hazard's log-linear weights; checked only through the attrition anchor"},
      {{"churn.notice_min", "churn.notice_max"}, "6, 12 months", "stated",
       "yearly contracts give notice up to a year ahead (the story's \"about a year later\")"},
      {{"churn.rushed_multiplier"}, "3", "stated",
       "a deal that fits poorly churns early (Kim et al. 2019 find acquisition incentives bring worse customers; the size is ours)"},
      {{"churn.referred_multiplier"}, "0.65", "fitted",
       "referred lifetime 1.16 to 1.25 times (Schmitt et al. 2011), while the referrer stays (Van den Bulte et al. 2018)"},
      {{"acquisition.outreach_rate"}, "20 a year per full-time hunter", "stated", "a hunter closes a new client every two to three weeks"},
      {{"acquisition.bass_q"}, "0.38 a year", "source",
       "Sultan, Farley and Lehmann 1990 (Bass q); `baseline` states 0.2 for a mature market"},
      {{"acquisition.negative_weight"}, "2", "stated", "East et al. 2008: negative messages weigh more; the size is ours"},
      {{"acquisition.influence"}, "0", "source", "East et al. count messages per person"},
      {{"acquisition.ex_client_voice"}, "a year", "stated",
       "former clients are a main source of negative word of mouth (East, Hammond and Wright 2007); the length is ours"},
      {{"acquisition.referral_value_multiplier"}, "1", "source", "the advantage is counted once, in churn (Schmitt et al.)"},
      {{"acquisition.job_move_rate"}, "0.17 a year", "source", "BLS median job tenure 4.1 years"},
      {{"acquisition.warm_lead_threshold", "acquisition.warm_lead_conversion", "acquisition.warm_lead_value_multiplier"},
       "7, 0.1, 1", "stated", "a rare windfall: one moved contact in ten brings the new employer"},
      {{"accounts.value_log_mean", "accounts.value_log_sd", "accounts.margin"}, "13.8, 1, 1%", "stated",
       "account values around a million, lognormal; a 1% yearly margin on value"},
      {{"accounts.initial_satisfaction", "accounts.expectation", "accounts.satisfaction_sd"}, "7, 7, 1", "stated",
       "the 0-10 scale's middle-upper point; clients start as satisfied as they expect"},
      {{"accounts.manager_loyalty"}, "0.2", "stated", "a fifth of a new client's loyalty is to the person (below the 0.5 cap)"},
      {{"accounts.initial_active", "accounts.initial_prospects", "accounts.prospect_arrival_rate", "accounts.scar_cap"},
       "(per scenario)", "stated", "the size of the book and the market a scenario describes; a scar lowers the ceiling of satisfaction"},
      {{"organisation.exit_rate"}, "20% a year", "source",
       "sales-force turnover 20 to 34% a year (Learning International 1989; AMA 2019), with dismissals and retirements on top"},
      {{"organisation.passed_over_multiplier"}, "2", "stated", "being passed over doubles the wish to leave"},
      {{"organisation.handoff_penalty"}, "0.8 points", "stated", "a new face costs goodwill"},
      {{"organisation.handoff_value_loss"}, "13%", "fitted", "Shi et al. 2017: 13.2 to 17.6% of yearly sales lost after an exit"},
      {{"organisation.skill_correlation"}, "0.2", "source", "Benson, Li and Shue 2019: sales a weak predictor of managerial quality"},
      {{"organisation.leading_hours_per_report", "organisation.coaching", "organisation.coaching_speed", "organisation.follow_up",
        "organisation.at_risk_satisfaction", "organisation.team_exit_weight"},
       "3 h, 0.25, 0.2, 0.2, 5, 0.5", "stated",
       "a weekly one-to-one and pipeline review; a good leader gets a quarter of the missed requests answered and answers "
       "sped up, follows up a fifth of the at-risk clients a month, and keeps people (\"people leave managers\")"},
      {{"organisation.promotion_handover"}, "all", "stated", "a leader leads instead of selling to the old book"},
      {{"organisation.competence_*", "organisation.redraw_*", "organisation.dismissal_threshold", "organisation.retirement_age"},
       "(as listed)", "source / stated",
       "Pluchino et al. 2010's forms (normal or uniform, carried or redrawn); the defaults' sizes are ours, "
       "`scenarios/peter_principle.yaml` sets the paper's"},
      {{"organisation.quota", "organisation.urgency_window"}, "2M a quarter, 21 days", "stated",
       "the last three weeks of a quarter (Oyer 1998: effort bunches at the period's end)"},
      {{"organisation.blame_rule"}, "last_owner", "stated", "the rule the stories name: the last manager of a lost client is blamed"},
      {{"supervision.*"}, "off; monthly; 5; escalate; 1; 0.5; 0.3; 90 days", "stated",
       "a monthly checkpoint that escalates clients below 5 and wins back 30% of notices, once each"},
      {{"market.initial_regime", "horizon", "record_accounts"}, "(per scenario)", "stated",
       "where the market starts, how long a run lasts and whether accounts are recorded are a scenario's choices"},
  };
  return rows;
}

const ParameterSource* source_of(const std::string& key) {
  for (const auto& r : parameter_sources())
    for (const auto& k : r.keys) {
      if (k == key) return &r;
      if (!k.empty() && k.back() == '*' && key.rfind(k.substr(0, k.size() - 1), 0) == 0) return &r;
    }
  return nullptr;
}

const std::vector<MechanismRecord>& mechanisms() {
  static const std::vector<MechanismRecord> rows = {
      {"Requests and service", "requests.hpp",
       "continuous time: each problem at its moment (kProblem), each answer when it is done (kServiceDone)",
       "Clients meet problems; one at or above the satisfied threshold voices each as a request, one below it only "
       "some (the rest stay silent); requests are answered by the owner "
       "(with the owner's answer probability and the leader's coaching) or the support desk (servers with hours); "
       "waiting clients may give up; an answer on time restores satisfaction, a late one or none costs it, and a "
       "silent problem erodes it until a visit finds it.",
       {"service.problem_rate", "service.voice_probability", "service.satisfied_threshold", "service.request_hours",
        "service.service_time", "service.service_time_cv", "service.expected_response", "service.patience",
        "service.support_share", "service.support_staff", "service.support_hours_per_week", "service.adapt_rate",
        "service.loss_aversion", "service.tenure_damping_years", "service.late_penalty_per_day", "service.ignore_penalty",
        "service.silent_penalty", "service.recovery_bonus"}},
      {"Care (farming)", "care.hpp", "the month's pass, for every client",
       "Each client is visited with a chance set by the owner's farming hours against the book (and the leader's "
       "follow-up for at-risk clients); a visit clears silent problems, lifts satisfaction and loyalty and deepens value.",
       {"service.visit_hours", "service.visit_boost", "service.loyalty_gain", "service.loyalty_cap", "service.deepening"}},
      {"Churn", "churn.hpp", "the month's pass, for every client; a notice ends at its day (kChurn)",
       "A monthly hazard, log-linear in the gap to the reference satisfaction, scars, market stress and competitors "
       "(times the rushed and referred multipliers), decides who gives notice; the client leaves when the notice ends.",
       {"churn."}},
      {"Job moves", "job_moves.hpp", "the month's pass, for every client",
       "Contact persons change employer; a satisfied one may bring the new employer as a warm lead.",
       {"acquisition.job_move_rate", "acquisition.warm_lead_threshold", "acquisition.warm_lead_conversion",
        "acquisition.warm_lead_value_multiplier"}},
      {"Acquisition", "acquisition.hpp", "after the pass, walking the month in continuous time",
       "New prospects arrive; each converts at a hazard from hunters' outreach (shared over the pool) and from word of "
       "mouth (promoters over the population, damped by detractors), the referral going to the promoter's manager.",
       {"accounts.prospect_arrival_rate", "acquisition.outreach_rate", "acquisition.bass_q", "acquisition.negative_weight",
        "acquisition.influence", "acquisition.ex_client_voice", "acquisition.referral_value_multiplier",
        "service.promoter_threshold", "service.detractor_threshold"}},
      {"Careers", "careers.hpp", "after acquisition each month (exits, teams); the yearly review (kReview)",
       "Managers quit (more when passed over, less under a good leader), retire or are dismissed; books are handed over "
       "with a loss; the review fills vacancies top-down by the promotion policy and hires at the bottom; leaders coach "
       "their teams and spend time leading; the blame rule charges lost value to a manager.",
       {"organisation.exit_rate", "organisation.passed_over_multiplier", "organisation.handoff_penalty",
        "organisation.handoff_value_loss", "organisation.promotion_handover", "organisation.skill_correlation",
        "organisation.leading_hours_per_report", "organisation.coaching", "organisation.coaching_speed",
        "organisation.follow_up", "organisation.at_risk_satisfaction", "organisation.team_exit_weight",
        "organisation.competence_on_promotion", "organisation.competence_noise", "organisation.competence_noise_spread",
        "organisation.redraw_competence", "organisation.redraw_competence_sd", "organisation.redraw_spread",
        "organisation.competence_min", "organisation.competence_max", "organisation.dismissal_threshold",
        "organisation.retirement_age", "organisation.blame_rule"}},
      {"Market", "market.hpp", "after the month's row: the next regime, and any shock",
       "A Markov chain of regimes moves acquisition, demand, stress and competitors month by month; scheduled shocks add "
       "stress for their duration.",
       {"market.initial_regime"}},
      {"Quarter ends", "quarters.hpp", "before each quarter end (kUrgency) and at it (kQuarterEnd)",
       "Managers who panic and are behind quota turn urgent: more hunting, fewer answers, rushed deals with a discount, "
       "and their books go dark.",
       {"organisation.quota", "organisation.urgency_window"}},
      {"Conferences", "conferences.hpp", "at each conference's day (kConference)",
       "Managers meet prospects in proportion to their hunting and clients in proportion to their farming.", {}},
      {"Supervision", "supervision.hpp", "at each checkpoint (kSupervision)",
       "Checkpoints find unhappy clients and escalate, coach or raise expectations; a notice may be won back once.",
       {"supervision."}},
      {"Management orders", "orders.hpp", "at each order's day (kOrder)",
       "Orders change the organisation: cut support, reassign a book, forbid contact with a client.", {}},
  };
  return rows;
}

}  // namespace tenure::model
