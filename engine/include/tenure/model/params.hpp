// Typed parameters of the account and career model: plain C++ values, already in days and
// per-day rates. The scenario layer fills them from YAML; the model never sees files.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tenure/core/params.hpp"

namespace tenure::model {

// A registry key with its parameters, as the scenario names it.
struct Component {
  std::string name;
  std::map<std::string, ParamValue> params;
};

// Factors that attribution can switch off one at a time (counterfactual runs).
enum class Factor : std::uint8_t {
  ManagerNeglect = 0,  // requests ignored by a neglectful manager
  SupportCut,          // support capacity cut by a management order
  Market,              // regime stress and scheduled shocks
  Competitor,          // competitors' poaching pressure
  QuarterEnd,          // quarter-end urgency (rushed deals, neglected book)
  ManagementOrder,     // no-contact orders
  ManagerExit,         // clients following a departing manager
};
inline constexpr int kFactorCount = 7;
const char* to_string(Factor f);

struct AccountParams {
  std::int64_t initial_active = 200;   // clients at the start, spread over the managers
  std::int64_t initial_prospects = 800;
  double value_log_mean = 13.8;        // log of value (about 1M) for a lognormal value
  double value_log_sd = 1.0;
  double margin = 0.01;                // margin earned on value per year
  double initial_satisfaction = 7.0;
  double satisfaction_sd = 1.0;
  double expectation = 7.0;            // what clients expect, 0 to 10
  double scar_cap = 1.0;               // sigma: each scar lowers the satisfaction ceiling
  double manager_loyalty_initial = 0.2;  // share of loyalty owned by the manager
  double prospect_arrival_rate = 0.0;  // new prospects entering the market per day
};

struct ServiceParams {
  double problem_rate = 4.0 / 365.25;  // problems per account per day (normal regime)
  double voice_probability = 1.0 / 27.0;  // a dissatisfied client voices a problem (TARP)
  double satisfied_threshold = 6.0;    // at or above, a client voices every problem
  double request_hours = 3.0;          // work to resolve one request
  double expected_response_days = 3.0; // answered later than this counts as late
  double support_share = 0.5;          // share of requests routed to support when it exists
  std::int64_t support_staff = 4;      // support servers
  double support_hours_per_week = 35.0;
  double adapt_rate = 0.3;             // alpha: how far satisfaction moves per encounter
  double loss_aversion = 2.0;          // kappa (Mittal, Ross and Baldasare 1998)
  double tenure_damping_years = 5.0;   // long-tenured clients move less (Bolton 1998)
  double late_penalty_per_day = 0.15;  // delivered quality lost per day late
  double ignore_penalty = 1.5;         // satisfaction lost when a request is ignored
  double silent_penalty = 0.4;         // satisfaction lost by an unvoiced problem
  double recovery_bonus = 0.5;         // first well-recovered failure (Maxham and Netemeyer 2002)
  double visit_hours = 2.0;            // a proactive check-in
  double visit_boost = 0.3;            // satisfaction gained per check-in, times farming skill
  double loyalty_gain = 0.01;          // manager-owned loyalty gained per check-in
  double loyalty_cap = 0.5;            // at most this share of loyalty is the manager's
  double deepening = 0.003;            // value growth per check-in (share of wallet)
  double promoter_threshold = 8.0;     // talks positively at or above
  double detractor_threshold = 4.0;    // talks negatively at or below
};

struct ChurnParams {
  double base_rate = 0.15 / 365.25;    // h0: about 15% annual attrition (retail banking)
  double satisfaction_weight = 0.45;   // bS
  double reference_satisfaction = 7.0; // Sref
  double scar_weight = 0.35;           // bk
  double market_weight = 0.8;          // bM
  double competitor_weight = 0.6;      // on competitor pressure x dissatisfaction
  double notice_min_days = 182.625;    // notice lag, uniform between min and max
  double notice_max_days = 365.25;
  double rushed_multiplier = 3.0;      // hazard multiplier for rushed deals, first year
  double referred_multiplier = 0.8;    // referred clients stay longer (Schmitt et al. 2011)
};

struct AcquisitionParams {
  double outreach_rate = 20.0 / 365.25;  // deals per day per full-time hunter at skill 1
  double bass_q = 0.38 / 365.25;        // imitation coefficient per day (Bass)
  double negative_weight = 2.0;         // negative word of mouth hits acquisition harder (East et al.)
  double referral_value_multiplier = 1.16;  // Schmitt, Skiera and Van den Bulte 2011
  double job_move_rate = 0.17 / 365.25;  // contact persons change employer (BLS tenure 4.1 y)
  double warm_lead_threshold = 7.0;      // a contact this satisfied brings the new employer
  double warm_lead_conversion = 0.3;
  double warm_lead_value_multiplier = 2.0;  // the new employer is often a bigger prospect
  double acquisition_cost_multiple = 5.0;   // cost of acquiring vs keeping (HBR: 5 to 25)
};

struct ConferenceParams {
  double start = 0;               // days
  double duration = 3;            // days
  std::int64_t prospects_met = 40;  // per manager at full hunting focus
  std::int64_t clients_met = 15;    // per manager at full farming focus
  double conversion = 0.15;       // per prospect met, times hunting skill
  double value_multiplier = 3.0;  // conference deals are large
  double relationship_boost = 1.0;
  double loyalty_boost = 0.1;
};

struct ManagerSpec {
  std::string name;
  Component time{"balanced", {}};
  Component service{"attentive", {}};
  Component pressure{"calm", {}};
  double hunting_skill = 1.0;
  double farming_skill = 1.0;
  double competence = 0.6;        // at the current level, 0 to 1
  double hours_per_week = 40.0;
  std::int64_t level = 0;
  double age_years = 40.0;
  double book_share = 1.0;        // relative share of the initial book
  std::int64_t count = 1;         // this many managers like this one
};

struct OrganisationParams {
  std::vector<std::int64_t> positions{20};  // positions per level, bottom first
  std::vector<double> responsibility{1.0};  // weight of each level in effectiveness
  Component promotion{"total_value", {}};
  std::string competence_on_promotion = "carried";  // carried | redrawn
  double competence_noise = 0.1;
  double dismissal_threshold = 0.2;  // competence below this at review: dismissed
  double retirement_age = 65.0;
  double exit_rate = 0.2 / 365.25;
  double passed_over_multiplier = 2.0;
  double quota = 2.0e6;             // new business value per manager per quarter
  double urgency_window_days = 21;  // last days of a quarter when pressure bites
  double handoff_penalty = 0.8;     // satisfaction lost when an account changes hands
  ManagerSpec hire{.name = "hire"};  // profile of outside hires at the bottom level
  std::string blame_rule = "last_owner";  // last_owner | weakest_performer
};

struct SupervisionParams {
  bool enabled = false;
  double interval_days = 30.4375;
  double satisfaction_threshold = 5.0;
  double open_request_days = 14.0;
  std::string action = "escalate";  // coach | reassign | escalate
  double recovery_boost = 1.0;
  double expectation_raise = 0.5;
  double save_probability = 0.3;    // a client under notice is won back by escalation
  double coach_days = 90.0;
};

struct Regime {
  std::string name;
  double acquisition = 1.0;  // multiplies outreach and word of mouth
  double demand = 1.0;       // multiplies problem rates
  double stress = 0.0;       // enters the churn hazard
  double competitor = 0.0;   // competitor pressure
};

struct Shock {
  double start = 0;       // days
  double duration = 365;  // days
  double severity = 0.6;  // 0 to 1
};

struct MarketParams {
  Component model{"fixed", {}};
  std::vector<Regime> regimes{{"normal", 1.0, 1.0, 0.0, 0.2}};
  Eigen::MatrixXd transition = Eigen::MatrixXd::Identity(1, 1);  // per month, rows sum to 1
  std::int64_t initial_regime = 0;
  std::vector<Shock> shocks;
};

struct Order {
  double at = 0;              // days
  std::string kind;           // cut_support | no_contact | lift_no_contact | reassign_book | recovery_meeting
  double fraction = 0;        // cut_support
  std::int64_t account = -1;  // no_contact, recovery_meeting, lift_no_contact (-1: the largest)
  std::int64_t manager = -1;  // reassign_book
};

struct NetworkParams {
  Component generator{"complete", {}};
};

struct ModelParams {
  double horizon_days = 3652.5;
  AccountParams accounts;
  ServiceParams service;
  ChurnParams churn;
  AcquisitionParams acquisition;
  std::vector<ConferenceParams> conferences;
  std::vector<ManagerSpec> managers;
  OrganisationParams organisation;
  SupervisionParams supervision;
  MarketParams market;
  std::vector<Order> orders;
  NetworkParams network;
  bool record_accounts = false;
  std::uint32_t factors_off = 0;  // bit i: Factor i switched off (counterfactuals)

  bool factor_on(Factor f) const { return !(factors_off & (1u << static_cast<int>(f))); }
};

}  // namespace tenure::model
