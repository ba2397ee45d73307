// Typed parameters of the account and career model: plain C++ values, already in days and
// per-day rates. Beside each section's struct are its key records (type, unit, bounds, default,
// description, and the field each key sets) and its cross-field checks: the scenario layer walks
// these records to read YAML, to apply --set, to write the effective scenario, the JSON Schema
// and the key reference, and Python lists them; the model never sees files.
#pragma once

#include <Eigen/Dense>
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "tenure/core/params.hpp"
#include "tenure/core/time.hpp"

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

// --- named choices ------------------------------------------------------------------------
// Enums in the model, their names in files and outputs: one table each (EnumNames).
enum class OrderKind : std::uint8_t { CutSupport, NoContact, LiftNoContact, ReassignBook, RecoveryMeeting, Rule };
enum class SupervisionAction : std::uint8_t { Coach, Reassign, Escalate };
enum class CompetenceRule : std::uint8_t { Carried, Redrawn };
enum class DepartureReason : std::uint8_t { None, Quit, Dismissed, Retired };
enum class ServiceTime : std::uint8_t { Fixed, Exponential, Lognormal };
// How a drawn quantity spreads around its mean: a normal (truncated to its bounds) or a uniform
// of the same mean and standard deviation (half-width sd x sqrt 3).
enum class Spread : std::uint8_t { Normal, Uniform };

template <class E>
struct EnumNames;
template <>
struct EnumNames<OrderKind> {
  static constexpr std::array<std::string_view, 6> names{"cut_support", "no_contact", "lift_no_contact", "reassign_book",
                                                         "recovery_meeting", "rule"};
};
template <>
struct EnumNames<SupervisionAction> {
  static constexpr std::array<std::string_view, 3> names{"coach", "reassign", "escalate"};
};
template <>
struct EnumNames<CompetenceRule> {
  static constexpr std::array<std::string_view, 2> names{"carried", "redrawn"};
};
template <>
struct EnumNames<ServiceTime> {
  static constexpr std::array<std::string_view, 3> names{"fixed", "exponential", "lognormal"};
};
template <>
struct EnumNames<Spread> {
  static constexpr std::array<std::string_view, 2> names{"normal", "uniform"};
};
template <>
struct EnumNames<DepartureReason> {
  static constexpr std::array<std::string_view, 4> names{"", "quit", "dismissed", "retired"};
};
template <class E>
concept NamedEnum = requires { EnumNames<E>::names; };

template <NamedEnum E>
std::string_view name_of(E e) {
  const auto i = static_cast<std::size_t>(e);
  return i < EnumNames<E>::names.size() ? EnumNames<E>::names[i] : std::string_view("?");
}
template <NamedEnum E>
std::optional<E> enum_from(std::string_view text) {
  for (std::size_t i = 0; i < EnumNames<E>::names.size(); ++i)
    if (EnumNames<E>::names[i] == text) return static_cast<E>(i);
  return std::nullopt;
}
template <NamedEnum E>
std::vector<std::string> enum_choices() {
  std::vector<std::string> v;
  for (auto n : EnumNames<E>::names)
    if (!n.empty()) v.emplace_back(n);
  return v;
}

// --- key records --------------------------------------------------------------------------
// A key of a section: its record (spec.name is the key in YAML) and how it reads and writes its
// field of the section's struct T.
template <class T>
struct Key {
  ParamSpec spec;
  std::function<void(T&, const ParamValue&)> set;
  std::function<ParamValue(const T&)> get;
};

// The key of member `field`, its default taken from a default-constructed T.
template <class T, class M>
Key<T> key(M T::*field, ParamSpec spec) {
  Key<T> k;
  k.spec = std::move(spec);
  k.set = [field](T& t, const ParamValue& v) {
    if constexpr (std::is_same_v<M, double>)
      t.*field = std::holds_alternative<double>(v) ? std::get<double>(v) : static_cast<double>(std::get<std::int64_t>(v));
    else if constexpr (std::is_same_v<M, std::int64_t>) t.*field = std::get<std::int64_t>(v);
    else if constexpr (std::is_same_v<M, bool>) t.*field = std::get<bool>(v);
    else if constexpr (NamedEnum<M>) t.*field = enum_from<M>(std::get<std::string>(v)).value();  // checked as a choice
    else t.*field = std::get<std::string>(v);
  };
  k.get = [field](const T& t) -> ParamValue {
    if constexpr (NamedEnum<M>) return std::string(name_of(t.*field));
    else return t.*field;
  };
  k.spec.default_value = k.get(T{});
  return k;
}
// The key of an enum member: a choice among its names.
template <class T, NamedEnum M>
Key<T> key(M T::*field, std::string name, std::string description) {
  return key(field, choice_param(std::move(name), "", enum_choices<M>(), std::move(description)));
}

// Open upper bound of a record.
inline constexpr double kUnbounded = 1e300;
// A key every item must give (no default shown).
template <class T>
Key<T> required(Key<T> k) {
  k.spec.default_value = std::string();
  return k;
}
// A section's keys, in the order of the key reference. Specialised beside each struct.
template <class T>
const std::vector<Key<T>>& keys();

// Problems found by the cross-field checks, each starting with the key path it concerns.
using Problems = std::vector<std::string>;

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
template <>
inline const std::vector<Key<AccountParams>>& keys<AccountParams>() {
  using S = AccountParams;
  static const std::vector<Key<S>> k{
      key(&S::initial_active, int_param("initial_active", 0, "clients at the start", 0, 2e9)),
      key(&S::initial_prospects, int_param("initial_prospects", 0, "prospects at the start", 0, 2e9)),
      key(&S::value_log_mean, real_param("value_log_mean", 0, "log currency", "mean of log account value (lognormal)", -50, 50)),
      key(&S::value_log_sd, real_param("value_log_sd", 0, "log currency", "sd of log account value", 0, 10)),
      key(&S::margin, real_param("margin", 0, "share per year", "margin earned on value per year", 0, 10)),
      key(&S::initial_satisfaction, real_param("initial_satisfaction", 0, "points", "satisfaction of a new client (0-10)", 0, 10)),
      key(&S::satisfaction_sd, real_param("satisfaction_sd", 0, "points", "spread of initial satisfaction", 0, 10)),
      key(&S::expectation, real_param("expectation", 0, "points", "what clients expect (0-10)", 0, 10)),
      key(&S::scar_cap, real_param("scar_cap", 0, "points", "sigma: each scar lowers the satisfaction ceiling", 0, 10)),
      key(&S::manager_loyalty_initial, probability_param("manager_loyalty", 0, "share of a client's loyalty owned by the manager")),
      key(&S::prospect_arrival_rate, rate_param("prospect_arrival_rate", 0, "new prospects entering the market", 0, kUnbounded)),
  };
  return k;
}

struct ServiceParams {
  double problem_rate = 4.0 / 365.25;  // problems per account per day (normal regime)
  double voice_probability = 1.0 / 27.0;  // a dissatisfied client voices a problem (TARP)
  double satisfied_threshold = 6.0;    // at or above, a client voices every problem
  double request_hours = 3.0;          // work to resolve one request (the mean, when service times vary)
  ServiceTime service_time = ServiceTime::Fixed;  // how a request's work varies around request_hours
  double service_time_cv = 1.0;        // coefficient of variation of lognormal service times
  double expected_response_days = 3.0; // answered later than this counts as late
  // Mean patience of a waiting client (exponential; 0: nobody gives up). Two weeks: a request
  // left that long is, to the client, a request ignored (stated reason; see docs/model.md).
  double patience_days = 14.0;
  double support_share = 0.5;          // share of requests routed to support when it exists
  std::int64_t support_staff = 4;      // support servers
  double support_hours_per_week = 35.0;
  double adapt_rate = 0.3;             // alpha: how far satisfaction moves per encounter
  double loss_aversion = 2.0;          // kappa (Mittal, Ross and Baldasare 1998)
  double tenure_damping_years = 5.0;   // long-tenured clients move less (Bolton 1998)
  double late_penalty_per_day = 0.15;  // delivered quality lost per day late
  double ignore_penalty = 1.5;         // satisfaction lost when a request is ignored
  double silent_penalty = 0.4;         // satisfaction lost by an unvoiced problem
  // A first failure recovered well lifts satisfaction (Maxham and Netemeyer 2002), but not
  // repurchase (de Matos et al. 2007): satisfaction drives churn here, so 0 by default.
  double recovery_bonus = 0.0;
  double visit_hours = 2.0;            // a proactive check-in
  double visit_boost = 0.3;            // satisfaction gained per check-in, times farming skill
  double loyalty_gain = 0.01;          // manager-owned loyalty gained per check-in
  double loyalty_cap = 0.5;            // at most this share of loyalty is the manager's
  double deepening = 0.003;            // value growth per check-in (share of wallet)
  // Talks well at or above, badly at or below: the Net Promoter cut-offs on the 0-10 scale
  // (promoters 9-10, detractors 0-6; Reichheld 2003). In the calibrated baseline promoters then
  // outnumber detractors about 3.8 to 1 in normal months (East, Hammond and Lomax 2008: about
  // 3 to 1); with 8 and 4 it was 11 to 1.
  double promoter_threshold = 9.0;
  double detractor_threshold = 6.0;
};
template <>
inline const std::vector<Key<ServiceParams>>& keys<ServiceParams>() {
  using S = ServiceParams;
  static const std::vector<Key<S>> k{
      key(&S::problem_rate, rate_param("problem_rate", 0, "problems per account (normal regime)", 0, 1)),
      key(&S::voice_probability, probability_param("voice_probability", 0, "a dissatisfied client voices a problem (TARP: 1 in 27)")),
      key(&S::satisfied_threshold, real_param("satisfied_threshold", 0, "points", "at or above, every problem is voiced", 0, 10)),
      key(&S::request_hours, real_param("request_hours", 0, "hours", "work to resolve one request (the mean, when service times vary)", 0.01, 1000)),
      key(&S::service_time, "service_time",
          "how a request's work varies around request_hours: fixed, exponential (an M/M/c queue at support) or lognormal (service_time_cv)"),
      key(&S::service_time_cv, real_param("service_time_cv", 0, "", "coefficient of variation of lognormal service times", 0, 10)),
      key(&S::expected_response_days, duration_param("expected_response", 0, "answered later than this counts as late", 0, kUnbounded)),
      key(&S::patience_days, duration_param("patience", 0, "mean time a waiting client waits before giving up, unanswered (exponential; 0: never)", 0, kUnbounded)),
      key(&S::support_share, probability_param("support_share", 0, "share of requests routed to support staff")),
      key(&S::support_staff, int_param("support_staff", 0, "support servers", 0, 100000)),
      key(&S::support_hours_per_week, real_param("support_hours_per_week", 0, "hours/week", "hours each support server works", 0.1, 168)),
      key(&S::adapt_rate, probability_param("adapt_rate", 0, "alpha: how far satisfaction moves per encounter")),
      key(&S::loss_aversion, real_param("loss_aversion", 0, "", "kappa: losses weigh more than gains (Mittal et al. 1998)", 1, 10)),
      key(&S::tenure_damping_years, real_param("tenure_damping_years", 0, "years", "long-tenured clients move less (Bolton 1998)", 0.01, 1000)),
      key(&S::late_penalty_per_day, real_param("late_penalty_per_day", 0, "points/day", "quality lost per day late", 0, 10)),
      key(&S::ignore_penalty, real_param("ignore_penalty", 0, "points", "satisfaction lost when a request is ignored", 0, 10)),
      key(&S::silent_penalty, real_param("silent_penalty", 0, "points", "satisfaction lost by an unvoiced problem", 0, 10)),
      key(&S::recovery_bonus, real_param("recovery_bonus", 0, "points", "first well-recovered failure lifts satisfaction", 0, 10)),
      key(&S::visit_hours, real_param("visit_hours", 0, "hours", "a proactive check-in", 0.01, 1000)),
      key(&S::visit_boost, real_param("visit_boost", 0, "points", "satisfaction gained per check-in (x farming skill)", 0, 10)),
      key(&S::loyalty_gain, probability_param("loyalty_gain", 0, "manager-owned loyalty gained per check-in")),
      key(&S::loyalty_cap, probability_param("loyalty_cap", 0, "largest share of loyalty a manager can own (Palmatier et al. 2007)")),
      key(&S::deepening, real_param("deepening", 0, "share", "value growth per check-in (share of wallet)", 0, 1)),
      key(&S::promoter_threshold, real_param("promoter_threshold", 0, "points", "talks positively at or above", 0, 10)),
      key(&S::detractor_threshold, real_param("detractor_threshold", 0, "points", "talks negatively at or below", 0, 10)),
  };
  return k;
}

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
  // Referred clients stay longer (Schmitt et al. 2011), while their referrer stays a client (Van
  // den Bulte et al. 2018): the referral advantage, counted here only (not in value as well).
  // At a constant hazard h for everyone, a referred client's mean lifetime is 2 / ((m + 1) h):
  // m = 0.65 gives 1.21 times a non-referred client's, inside Schmitt et al.'s 1.16 to 1.25.
  double referred_multiplier = 0.65;
};
template <>
inline const std::vector<Key<ChurnParams>>& keys<ChurnParams>() {
  using S = ChurnParams;
  static const std::vector<Key<S>> k{
      key(&S::base_rate, rate_param("base_rate", 0, "h0: attrition at reference satisfaction (15%/yr, retail banking)", 0, 1)),
      key(&S::satisfaction_weight, real_param("satisfaction_weight", 0, "per point", "bS", 0, 10)),
      key(&S::reference_satisfaction, real_param("reference_satisfaction", 0, "points", "Sref", 0, 10)),
      key(&S::scar_weight, real_param("scar_weight", 0, "per scar", "bk", 0, 10)),
      key(&S::market_weight, real_param("market_weight", 0, "", "bM: weight of market stress", 0, 10)),
      key(&S::competitor_weight, real_param("competitor_weight", 0, "", "weight of competitor pressure", 0, 10)),
      key(&S::notice_min_days, duration_param("notice_min", 0, "shortest notice lag", 0, kUnbounded)),
      key(&S::notice_max_days, duration_param("notice_max", 0, "longest notice lag", 0, kUnbounded)),
      key(&S::rushed_multiplier, real_param("rushed_multiplier", 0, "", "hazard multiplier for rushed deals in their first year", 0, 100)),
      key(&S::referred_multiplier, real_param("referred_multiplier", 0, "", "hazard multiplier for referred clients while their referrer stays a client (Schmitt et al. 2011; Van den Bulte et al. 2018)", 0, 100)),
  };
  return k;
}

struct AcquisitionParams {
  double outreach_rate = 20.0 / 365.25;  // deals per day per full-time hunter at skill 1
  double bass_q = 0.38 / 365.25;        // imitation coefficient per day (Bass)
  double negative_weight = 2.0;         // negative word of mouth hits acquisition harder (East et al.)
  // Elasticity of a client's voice in its value: 0, one voice per client (East et al. 2008
  // count messages per person); 1, a client worth ten times the mean speaks for ten.
  double influence = 0.0;
  // A client who left unhappy (a detractor when it left) keeps talking badly this long: ex-clients
  // are a main source of negative word of mouth (East, Hammond and Wright 2007); a year, stated.
  double ex_client_voice_days = 365.25;
  // 1: the referral advantage is counted once, in churn (churn.referred_multiplier); a user
  // may add a margin advantage here.
  double referral_value_multiplier = 1.0;
  double job_move_rate = 0.17 / 365.25;  // contact persons change employer (BLS tenure 4.1 y)
  double warm_lead_threshold = 7.0;      // a contact this satisfied brings the new employer
  // A rare windfall: a satisfied contact who moves brings the new employer one time in ten, at
  // an ordinary account's value (stated reason: the contact is one voice at the new employer;
  // with contacts moving 0.17 a year this is about 1% of clients a year, a minor channel).
  double warm_lead_conversion = 0.1;
  double warm_lead_value_multiplier = 1.0;
  double acquisition_cost_multiple = 5.0;   // cost of acquiring vs keeping (HBR: 5 to 25)
};
template <>
inline const std::vector<Key<AcquisitionParams>>& keys<AcquisitionParams>() {
  using S = AcquisitionParams;
  static const std::vector<Key<S>> k{
      key(&S::outreach_rate, rate_param("outreach_rate", 0, "deals per full-time hunter at skill 1", 0, kUnbounded)),
      key(&S::bass_q, rate_param("bass_q", 0, "imitation coefficient (Bass; 0.38 per year)", 0, kUnbounded)),
      key(&S::negative_weight, real_param("negative_weight", 0, "", "how hard detractors damp acquisition", 0, 100)),
      key(&S::influence, real_param("influence", 0, "", "elasticity of a client's word of mouth in its value (0: one voice each; 1: in proportion to value)", 0, 3)),
      key(&S::ex_client_voice_days, duration_param("ex_client_voice", 0, "how long a client who left as a detractor keeps talking badly (0: not at all)", 0, kUnbounded)),
      key(&S::referral_value_multiplier, real_param("referral_value_multiplier", 0, "", "value multiplier of referred clients (1: their advantage is in churn only, counted once)", 0, 100)),
      key(&S::job_move_rate, rate_param("job_move_rate", 0, "contact persons changing employer (0.17 per year)", 0, 1)),
      key(&S::warm_lead_threshold, real_param("warm_lead_threshold", 0, "points", "a contact this satisfied brings the new employer", 0, 10)),
      key(&S::warm_lead_conversion, probability_param("warm_lead_conversion", 0, "a warm lead becomes a client")),
      key(&S::warm_lead_value_multiplier, real_param("warm_lead_value_multiplier", 0, "", "the new employer is a big prospect", 0, 1000)),
  };
  return k;
}

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
template <>
inline const std::vector<Key<ConferenceParams>>& keys<ConferenceParams>() {
  using S = ConferenceParams;
  static const std::vector<Key<S>> k{
      key(&S::start, duration_param("at", 0, "when the conference starts")),
      key(&S::duration, duration_param("duration", 0, "how long it lasts")),
      key(&S::prospects_met, int_param("prospects_met", 0, "prospects met per manager at full hunting focus", 0, 1e6)),
      key(&S::clients_met, int_param("clients_met", 0, "own clients met per manager at full farming focus", 0, 1e6)),
      key(&S::conversion, probability_param("conversion", 0, "a prospect met converts (times hunting skill)")),
      key(&S::value_multiplier, real_param("value_multiplier", 0, "", "conference deals are this many times a drawn value", 0, 1e6)),
      key(&S::relationship_boost, real_param("relationship_boost", 0, "points", "satisfaction gained by a client met (times farming skill)", 0, 10)),
      key(&S::loyalty_boost, probability_param("loyalty_boost", 0, "manager-owned loyalty gained by a client met")),
  };
  return k;
}

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
  // Spreads among the `count` managers (and among hires, for organisation.hire): 0, all alike.
  double competence_sd = 0;       // competence drawn around `competence` (bounded by organisation.competence_min/max)
  Spread competence_spread = Spread::Normal;
  double age_sd = 0;              // age drawn around `age` (normal, 16 to the retirement age)
  // Selling and managing are different traits (Benson, Li and Shue 2019): hunting skill spreads
  // by hunting_sd, managing skill by managing_sd, correlated by organisation.skill_correlation.
  double hunting_sd = 0;
  double managing_skill = 1.0;    // 1: an ordinary team leader
  double managing_sd = 0;
};
template <>
inline const std::vector<Key<ManagerSpec>>& keys<ManagerSpec>() {
  using S = ManagerSpec;
  static const std::vector<Key<S>> k{
      key(&S::name, text_param("name", "manager name (numbered when count > 1)")),
      key(&S::count, int_param("count", 1, "this many managers like this one", 1, 1e7)),
      key(&S::hunting_skill, real_param("hunting_skill", 1, "", "multiplies outreach and conference conversion", 0, 10)),
      key(&S::farming_skill, real_param("farming_skill", 1, "", "multiplies visit effect and service quality", 0, 10)),
      key(&S::competence, probability_param("competence", 0, "competence at the current level")),
      key(&S::hours_per_week, real_param("hours_per_week", 0, "hours/week", "working hours", 0, 168)),
      key(&S::level, int_param("level", 0, "career level (0 is the bottom)", 0, 100)),
      key(&S::age_years, real_param("age", 0, "years", "age at the start", 16, 120)),
      key(&S::book_share, real_param("book_share", 0, "", "relative share of the initial book", 0, 1e6)),
      key(&S::competence_sd, real_param("competence_sd", 0, "", "spread of competence among these managers (or hires): sd around competence, within organisation.competence_min..max", 0, 1)),
      key(&S::competence_spread, "competence_spread", "how competence spreads: normal (truncated) or uniform, of sd competence_sd"),
      key(&S::age_sd, real_param("age_sd", 0, "years", "spread of age among these managers (or hires): normal sd around age, 16 to the retirement age", 0, 50)),
      key(&S::hunting_sd, real_param("hunting_sd", 0, "", "spread of hunting skill among these managers (or hires): normal sd, at least 0", 0, 10)),
      key(&S::managing_skill, real_param("managing_skill", 1, "", "skill at leading a team (1: ordinary): coaching, follow-up of at-risk clients, the team's exits", 0, 10)),
      key(&S::managing_sd, real_param("managing_sd", 0, "", "spread of managing skill: normal sd, correlated with hunting skill by organisation.skill_correlation", 0, 10)),
  };
  return k;
}

struct OrganisationParams {
  std::vector<std::int64_t> positions{20};  // positions per level, bottom first
  std::vector<double> responsibility{1.0};  // weight of each level in effectiveness
  Component promotion{"total_value", {}};
  CompetenceRule competence_on_promotion = CompetenceRule::Carried;
  double competence_noise = 0.1;
  Spread competence_noise_spread = Spread::Normal;
  // A redrawn competence (Peter hypothesis): uniform on the whole range by default.
  double redraw_competence = 0.5;
  double redraw_competence_sd = 0.28867513459481287;  // 1 / sqrt(12): uniform on [0, 1]
  Spread redraw_spread = Spread::Uniform;
  double competence_min = 0, competence_max = 1;  // bounds of every drawn competence
  // Teams: every level above the bottom leads the level below it.
  double skill_correlation = 0.2;       // of selling (hunting) and managing skill; weak (Benson et al. 2019)
  double leading_hours_per_report = 3;  // hours a week a leader gives each report (a one-to-one and a pipeline review)
  double coaching = 0.25;               // share of a report's unanswered requests a leader of managing skill 1 gets answered
  double follow_up = 0.2;               // monthly chance a leader of managing skill 1 follows up a report's at-risk client
  double coaching_speed = 0.2;          // a report's requests take x (1 - speed (skill - 1)) of the time (0.5 to 1.5)
  double at_risk_satisfaction = 5.0;    // a client below this is at risk
  double team_exit_weight = 0.5;        // reports' exit hazard x exp(-w (leader's managing skill - 1))
  double promotion_handover = 1.0;      // share of a promoted manager's book handed to the level below
  // Share of an account's value lost when it changes hands (Shi et al. 2017: a customer's yearly
  // sales fall 13.2-17.6% after the salesperson leaves). Fitted: with the churn a hand-over
  // causes, a handed-over book's revenue in the next 12 months falls 14% (docs/validation.md).
  double handoff_value_loss = 0.13;
  double dismissal_threshold = 0.2;  // competence below this at review: dismissed
  double retirement_age = 65.0;
  double exit_rate = 0.2 / 365.25;
  double passed_over_multiplier = 2.0;
  double quota = 2.0e6;             // new business value per manager per quarter
  double urgency_window_days = 21;  // last days of a quarter when pressure bites
  double handoff_penalty = 0.8;     // satisfaction lost when an account changes hands
  ManagerSpec hire{.name = "hire", .competence_sd = 0.1};  // profile of outside hires at the bottom level
  Component blame{"last_owner", {}};  // whom the organisation blames for a lost account (a blame rule)
};
template <>
inline const std::vector<Key<OrganisationParams>>& keys<OrganisationParams>() {
  using S = OrganisationParams;
  static const std::vector<Key<S>> k{
      key(&S::competence_on_promotion, "competence_on_promotion", "carried over with noise, or redrawn at the new level (Peter hypothesis)"),
      key(&S::competence_noise, real_param("competence_noise", 0, "", "sd of competence change on promotion when carried", 0, 1)),
      key(&S::competence_noise_spread, "competence_noise_spread", "how the carried competence changes: normal, or uniform of sd competence_noise (Pluchino et al.: uniform)"),
      key(&S::redraw_competence, probability_param("redraw_competence", 0, "mean of a redrawn competence (Peter hypothesis)")),
      key(&S::redraw_competence_sd, real_param("redraw_competence_sd", 0, "", "sd of a redrawn competence", 0, 1)),
      key(&S::redraw_spread, "redraw_spread", "how a redrawn competence spreads: uniform (default: on the whole range) or normal (truncated)"),
      key(&S::competence_min, probability_param("competence_min", 0, "lowest competence a draw gives (a normal is truncated here)")),
      key(&S::competence_max, probability_param("competence_max", 0, "highest competence a draw gives")),
      key(&S::skill_correlation, real_param("skill_correlation", 0, "", "correlation of selling (hunting) and managing skill among drawn managers (Benson et al. 2019: weak)", -1, 1)),
      key(&S::leading_hours_per_report, real_param("leading_hours_per_report", 0, "hours/week", "a leader's hours per report, taken from selling (at most 90% of the hours)", 0, 168)),
      key(&S::coaching, probability_param("coaching", 0, "share of a report's unanswered requests a leader of managing skill 1 gets answered (times the skill, at most 1)")),
      key(&S::coaching_speed, real_param("coaching_speed", 0, "", "response times: a report's requests take (1 - coaching_speed x (leader's managing skill - 1)) of the time, within 0.5 to 1.5", 0, 1)),
      key(&S::follow_up, probability_param("follow_up", 0, "monthly chance a leader of managing skill 1 visits a report's at-risk client (times the skill, at most 1)")),
      key(&S::at_risk_satisfaction, real_param("at_risk_satisfaction", 0, "points", "a client below this satisfaction is at risk (followed up by the owner's leader)", 0, 10)),
      key(&S::team_exit_weight, real_param("team_exit_weight", 0, "", "reports' exit hazard x exp(-w (leader's managing skill - 1))", 0, 10)),
      key(&S::promotion_handover, probability_param("promotion_handover", 0, "share of a promoted manager's book handed over to the level below")),
      key(&S::handoff_value_loss, probability_param("handoff_value_loss", 0, "share of an account's value lost when it changes hands (Shi et al. 2017, with the churn a hand-over causes)")),
      key(&S::dismissal_threshold, probability_param("dismissal_threshold", 0, "competence below this at review: dismissed")),
      key(&S::retirement_age, real_param("retirement_age", 0, "years", "age of retirement", 16, 120)),
      key(&S::exit_rate, rate_param("exit_rate", 0, "managers quitting (0.2 per year)", 0, 1)),
      key(&S::passed_over_multiplier, real_param("passed_over_multiplier", 0, "", "exit hazard multiplier after being passed over", 0, 100)),
      key(&S::quota, real_param("quota", 0, "currency/quarter", "new business expected per manager per quarter", 0, kUnbounded)),
      key(&S::urgency_window_days, duration_param("urgency_window", 0, "last part of a quarter when pressure bites", 0, 91)),
      key(&S::handoff_penalty, real_param("handoff_penalty", 0, "points", "satisfaction lost when an account changes hands", 0, 10)),
  };
  return k;
}

struct SupervisionParams {
  bool enabled = false;
  double interval_days = 30.4375;
  double satisfaction_threshold = 5.0;
  double open_request_days = 14.0;
  SupervisionAction action = SupervisionAction::Escalate;
  double recovery_boost = 1.0;
  double expectation_raise = 0.5;
  double save_probability = 0.3;    // a notice is won back (once per notice, at the first checkpoint that sees it)
  double coach_days = 90.0;
};
template <>
inline const std::vector<Key<SupervisionParams>>& keys<SupervisionParams>() {
  using S = SupervisionParams;
  static const std::vector<Key<S>> k{
      key(&S::enabled, bool_param("enabled", false, "periodic checkpoints audit accounts and act")),
      key(&S::interval_days, duration_param("interval", 0, "time between checkpoints", 1, kUnbounded)),
      key(&S::satisfaction_threshold, real_param("satisfaction_threshold", 0, "points", "accounts below this are flagged", 0, 10)),
      key(&S::action, "action", "what a checkpoint does about a flagged account"),
      key(&S::recovery_boost, real_param("recovery_boost", 0, "points", "satisfaction gained by a recovery meeting", 0, 10)),
      key(&S::expectation_raise, real_param("expectation_raise", 0, "points", "a recovery meeting raises expectations", 0, 10)),
      key(&S::save_probability, probability_param("save_probability", 0, "a notice is won back, once per notice (at the first checkpoint that sees it)")),
      key(&S::coach_days, duration_param("coach_days", 0, "how long coaching lasts", 0, kUnbounded)),
  };
  return k;
}

struct Regime {
  std::string name;
  double acquisition = 1.0;  // multiplies outreach and word of mouth
  double demand = 1.0;       // multiplies problem rates
  double stress = 0.0;       // enters the churn hazard
  double competitor = 0.0;   // competitor pressure
};
template <>
inline const std::vector<Key<Regime>>& keys<Regime>() {
  using S = Regime;
  static const std::vector<Key<S>> k{
      key(&S::name, text_param("name", "regime name")),
      key(&S::acquisition, real_param("acquisition", 0, "", "multiplies outreach and word of mouth", 0, 100)),
      key(&S::demand, real_param("demand", 0, "", "multiplies request rates", 0, 100)),
      key(&S::stress, real_param("stress", 0, "", "enters the churn hazard", -10, 10)),
      key(&S::competitor, real_param("competitor", 0, "", "competitor pressure", 0, 10)),
  };
  return k;
}

struct Shock {
  double start = 0;       // days
  double duration = 365;  // days
  double severity = 0.6;  // 0 to 1
};
template <>
inline const std::vector<Key<Shock>>& keys<Shock>() {
  using S = Shock;
  static const std::vector<Key<S>> k{
      key(&S::start, duration_param("at", 0, "when the shock starts")),
      key(&S::duration, duration_param("duration", 0, "how long it lasts")),
      key(&S::severity, probability_param("severity", 0, "0 to 1: added to stress, scales demand and acquisition")),
  };
  return k;
}

struct MarketParams {
  Component model{"fixed", {}};
  std::vector<Regime> regimes{{"normal", 1.0, 1.0, 0.0, 0.2}};
  Eigen::MatrixXd transition = Eigen::MatrixXd::Identity(1, 1);  // per month, rows sum to 1
  std::int64_t initial_regime = 0;
  std::vector<Shock> shocks;
};
template <>
inline const std::vector<Key<MarketParams>>& keys<MarketParams>() {
  using S = MarketParams;
  static const std::vector<Key<S>> k{
      key(&S::initial_regime, int_param("initial_regime", 0, "index of the starting regime", 0, 100)),
  };
  return k;
}

struct Order {
  double at = 0;              // days
  OrderKind kind = OrderKind::CutSupport;
  double fraction = 0;        // cut_support
  std::int64_t account = -1;  // no_contact, recovery_meeting, lift_no_contact (-1: the largest)
  std::int64_t manager = -1;  // reassign_book
  double every = 0;           // days between repeats (0: given once)
  Component rule{};           // kind rule: an order rule (components.hpp) and its parameters
};
template <>
inline const std::vector<Key<Order>>& keys<Order>() {
  using S = Order;
  static const std::vector<Key<S>> k{
      key(&S::at, duration_param("at", 0, "when the order is given")),
      required(key(&S::kind, "kind", "what management orders")),
      key(&S::fraction, probability_param("fraction", 0, "cut_support: share of support staff cut")),
      key(&S::manager, int_param("manager", -1, "reassign_book: index of the manager whose book is handed over", -1, 1e7)),
      key(&S::every, duration_param("every", 0, "given again this long after each time, to the horizon (0: once; else at least a day)")),
  };
  return k;
}

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
  bool record_managers = false;
  std::uint32_t factors_off = 0;  // bit i: Factor i switched off (counterfactuals)

  bool factor_on(Factor f) const { return !(factors_off & (1u << static_cast<int>(f))); }
};
// Its own scalar keys (the sections' keys follow, by path: parameter_keys()).
template <>
inline const std::vector<Key<ModelParams>>& keys<ModelParams>() {
  using S = ModelParams;
  static const std::vector<Key<S>> k{
      key(&S::horizon_days, duration_param("horizon", 0, "how long to simulate (up to 5,000 years: organisation-only runs such as Pluchino et al.'s)", 1.0, 5000 * calendar::kDaysPerYear)),
      key(&S::record_accounts, bool_param("record_accounts", false, "write per-account rows and histories (off for large runs)")),
      key(&S::record_managers, bool_param("record_managers", false, "write each manager's book at each month's end (manager_months.csv; off for large runs)")),
  };
  return k;
}

// Every scalar key of a scenario, by path ("churn.base_rate"), in the order of the key
// reference: the walk the scenario layer makes to read and write files.
const std::vector<Key<ModelParams>>& parameter_keys();

// The same team with one spec per manager: a spec of count n becomes n specs of count 1, named
// as the world names them ("peer-1", "peer-2", ...). The same world, draws and results, but a
// lever can be set for one manager (the workshop's room seats one trainee per manager).
ModelParams one_spec_per_manager(const ModelParams& p);

// Cross-field checks, section by section (params.cpp): each problem starts with its key path.
void check(const ModelParams& p, Problems& problems);

}  // namespace tenure::model
