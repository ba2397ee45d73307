// The model's extension points: strategies (time split, service style, pressure behaviour),
// promotion policies, blame rules, order rules, network generators and market models. Each is a
// registry entry.
#pragma once

#include <Eigen/Dense>
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tenure/core/random.hpp"
#include "tenure/core/registry.hpp"
#include "tenure/model/params.hpp"

namespace tenure::model {

// --- strategies: three composable parts ------------------------------------------------
// A strategy decides what its manager does once per month (at each month's end, for the month
// ahead), when a quarter's urgency window opens, when the quarter closes and after each annual
// review, from a read-only
// view of the manager and the book (ManagerView). The model caches the decision in plain
// numbers that the hot paths read; nothing is called per client or per request. Each part's
// default decide() returns its constants, which is all the built-in strategies do.

// When a strategy is asked.
enum class DecisionMoment : std::uint8_t { Month, Urgency, QuarterEnd, Review };

// What a strategy may read about its manager. The book's numbers walk the book when asked
// (a strategy that does not ask does not pay for them).
class ManagerView {
 public:
  virtual ~ManagerView() = default;
  virtual DecisionMoment moment() const = 0;
  virtual double day() const = 0;
  virtual std::int64_t level() const = 0;
  virtual double quarter_new_business() const = 0;  // value won this quarter
  virtual double quota() const = 0;                 // value expected per quarter
  virtual double year_new_business() const = 0;     // value won since the last review
  virtual std::int64_t book_size() const = 0;       // clients owned
  virtual double book_value() const = 0;
  virtual double book_satisfaction() const = 0;     // mean satisfaction of the book (0 when empty)
  virtual std::int64_t open_requests() const = 0;   // requests of the book not yet answered
  virtual double days_to_review() const = 0;
  virtual std::int64_t promotions() const = 0;      // promotions so far
  virtual bool passed_over() const = 0;             // at the last promotion at the level below
  virtual std::size_t market_regime() const = 0;
  virtual const std::string& name() const = 0;      // the manager's
  virtual std::int64_t late_requests() const = 0;   // requests answered late so far
  virtual std::int64_t abandoned_requests() const = 0;  // requests whose client gave up waiting, so far
  // A 64-bit seed keyed by (run seed, replication, manager, day, moment, key) and by nothing
  // else: a strategy's own draws stay common to variants and independent of threads and of
  // other managers' calls.
  virtual std::uint64_t random_key(std::uint64_t key) const = 0;
  // Where the manager stood at the last review among the active managers of its level, by the
  // promotion rule's own score (PromotionPolicy::score): 0 the lowest, 1 the highest, the mean
  // rank for ties. NaN before the first review, or under a rule without a score (random,
  // alternating), where only promotions speak.
  virtual double review_rank() const = 0;
  // The hunt share of the manager the promotion rule scored highest at this manager's level at
  // the last review (what the organisation visibly rewards); NaN as review_rank.
  virtual double rewarded_share() const = 0;
};
const char* to_string(DecisionMoment m);

// A decision: the numbers the model caches for the hot paths.
struct Decision {
  double hunt_share = 0.5;            // time allocation: share of working time hunting
  double answer_probability = 1.0;    // service style: share of requests answered at all
  double care = 1.0;                  // service style: multiplies farming time
  bool panics = false;                // pressure: turns urgent when behind quota near quarter end
  double urgent_hunt_share = 0.5;     // pressure: hunting share while urgent
  double urgent_answer_factor = 1.0;  // pressure: multiplies the answer probability while urgent
  // A strategy's own state, kept per manager by the engine from one decision to the next (and
  // saved in snapshots): what it read here is what it left at its previous decision, 0 at first.
  std::array<double, 6> memory{};
};

// How a manager splits working time between hunting (prospects) and farming (the book).
class TimeAllocation {
 public:
  virtual ~TimeAllocation() = default;
  virtual double hunt_share() const = 0;
  virtual void decide(const ManagerView&, Decision& d) const { d.hunt_share = hunt_share(); }
};

// How a manager answers requests from the book.
class ServiceStyle {
 public:
  virtual ~ServiceStyle() = default;
  // Probability that a request is answered at all (the rest are ignored).
  virtual double answer_probability() const = 0;
  // Multiplies the manager's farming time given to requests and check-ins.
  virtual double care() const = 0;
  virtual void decide(const ManagerView&, Decision& d) const {
    d.answer_probability = answer_probability();
    d.care = care();
  }
};

// What a manager does when behind quota near quarter end.
class PressureBehaviour {
 public:
  virtual ~PressureBehaviour() = default;
  virtual bool panics() const = 0;
  virtual double urgent_hunt_share() const = 0;     // hunting share while urgent
  virtual double urgent_answer_factor() const = 0;  // multiplies answer probability
  virtual double rush_discount() const = 0;         // price given away on a rushed deal
  virtual double rush_fit_penalty() const = 0;      // satisfaction lost by a poorly fitted deal
  virtual double go_dark_penalty() const = 0;       // book satisfaction lost per urgent spell
  virtual void decide(const ManagerView&, Decision& d) const {
    d.panics = panics();
    d.urgent_hunt_share = urgent_hunt_share();
    d.urgent_answer_factor = urgent_answer_factor();
  }
};

using TimeRegistry = Registry<TimeAllocation>;
using ServiceRegistry = Registry<ServiceStyle>;
using PressureRegistry = Registry<PressureBehaviour>;
const TimeRegistry& time_allocations();
const ServiceRegistry& service_styles();
const PressureRegistry& pressure_behaviours();
// Strategies of one's own, added to the registries under new names (at start-up, before runs:
// the registries are shared by every world). Throws tenure::Error on a name already taken.
// `replace`: replace an entry of the same name (the caller makes sure it is one of its own).
void register_time_allocation(TimeRegistry::Entry entry, bool replace = false);
void register_service_style(ServiceRegistry::Entry entry, bool replace = false);
void register_pressure_behaviour(PressureRegistry::Entry entry, bool replace = false);

// --- promotion policies --------------------------------------------------------------

// What a policy sees of a candidate.
struct CandidateRecord {
  std::uint32_t manager;
  double new_business;    // value won in the review year
  double retained_value;  // value of the year's opening book still held at its end
  double total_value;     // book value now
  double competence;
  double managing = 1;    // managing skill (what a firm weighing it would assess)
};

class PromotionPolicy {
 public:
  virtual ~PromotionPolicy() = default;
  // Index into `candidates` of the one to promote. `round` counts promotions made so far.
  virtual std::size_t choose(std::span<const CandidateRecord> candidates, std::uint64_t round,
                             core::Stream& rng) const = 0;
  // What the rule rewards, as a number (higher is better), for rules that rank by one; NaN for
  // those that do not (random, alternating). Reviews rank managers by it (ManagerView::review_rank).
  virtual double score(const CandidateRecord&) const { return std::numeric_limits<double>::quiet_NaN(); }
  // True when choose() always picks the candidate of highest score() (ties: the first in the
  // candidates' order, by manager id) and draws nothing: a review then ranks each level once
  // and gives each vacancy the best left, instead of passing every candidate for each vacancy.
  virtual bool picks_highest_score() const { return false; }
};
using PolicyRegistry = Registry<PromotionPolicy>;
const PolicyRegistry& promotion_policies();
// A policy of one's own, as register_time_allocation (at start-up, before runs).
void register_promotion_policy(PolicyRegistry::Entry entry, bool replace = false);

// --- the organisation seen from above: blame rules and order rules ------------------------
// What a blame rule or an order rule may read: the managers (by id, departed ones included,
// as in managers.csv) and the day. Book values are the books' current values.
class OrganisationView {
 public:
  virtual ~OrganisationView() = default;
  virtual double day() const = 0;
  virtual std::size_t manager_count() const = 0;
  virtual const std::string& name(std::size_t i) const = 0;
  virtual bool active(std::size_t i) const = 0;
  virtual std::int64_t level(std::size_t i) const = 0;
  virtual std::int64_t book_size(std::size_t i) const = 0;  // clients owned
  virtual double book_value(std::size_t i) const = 0;
  virtual double year_new_business(std::size_t i) const = 0;  // since the last review
  virtual double quarter_new_business(std::size_t i) const = 0;
  virtual double competence(std::size_t i) const = 0;
  virtual double blamed_value(std::size_t i) const = 0;  // lost value blamed on them so far
  virtual std::size_t market_regime() const = 0;
};

// A lost account, as a blame rule sees it.
struct LostRecord {
  std::uint32_t account;
  double value;
  std::uint32_t causes;  // bit i: Cause i
  std::int64_t owner;    // -1: nobody's
};

// Whom the organisation blames for a lost account: a manager's id, or -1 (nobody). Called once
// per lost account.
class BlameRule {
 public:
  virtual ~BlameRule() = default;
  virtual std::int64_t blame(const LostRecord& lost, const OrganisationView& org, core::Stream& rng) const = 0;
};
using BlameRegistry = Registry<BlameRule>;
const BlameRegistry& blame_rules();
void register_blame_rule(BlameRegistry::Entry entry, bool replace = false);

// What an order rule may do, besides reading the organisation. Each action is one of the
// built-in orders', with its checks and its attribution factor (a support cut or a no-contact
// order switched off by attribution does nothing). Accounts: an id, or -1 for the largest
// client (as `account: largest`).
class OrganisationActions : public OrganisationView {
 public:
  virtual double support_staff() const = 0;  // support on duty, in full-time equivalents
  virtual double support_hired() const = 0;  // service.support_staff: what restore_support() gives back
  virtual std::int64_t clients() const = 0;   // clients served now
  virtual std::int64_t largest_client() const = 0;  // -1 when there is none
  virtual std::uint64_t random_key(std::uint64_t key) const = 0;  // keyed by run, replication, order, day, key
  virtual void cut_support(double fraction) = 0;  // of the support on duty now
  virtual void restore_support() = 0;             // back to service.support_staff
  virtual void reassign_book(std::int64_t manager) = 0;
  virtual void no_contact(std::int64_t account) = 0;
  virtual void lift_no_contact(std::int64_t account) = 0;
  virtual void recovery_meeting(std::int64_t account) = 0;
};

// A management order of one's own (`kind: rule`): called at the order's day (and every
// `every` after it), it looks at the organisation and acts through the handle.
class OrderRule {
 public:
  virtual ~OrderRule() = default;
  virtual void apply(OrganisationActions& org) const = 0;
};
using OrderRuleRegistry = Registry<OrderRule>;
const OrderRuleRegistry& order_rules();
void register_order_rule(OrderRuleRegistry::Entry entry, bool replace = false);

// --- people network --------------------------------------------------------------------

// Contact persons and who talks to whom, in compressed sparse row form (built with
// Boost.Graph generators). A complete graph is implicit: no edges are stored.
struct Network {
  bool complete = false;
  std::vector<std::uint64_t> offsets;  // size n + 1 when not complete
  std::vector<std::uint32_t> targets;
  std::size_t node_count = 0;
  // Accounts that arrived after the network was drawn know nobody yet.
  std::span<const std::uint32_t> neighbours(std::uint32_t v) const {
    if (v >= node_count) return {};
    return {targets.data() + offsets[v], targets.data() + offsets[v + 1]};
  }
  std::size_t edge_count() const { return targets.size() / 2; }
};

class NetworkGenerator {
 public:
  virtual ~NetworkGenerator() = default;
  virtual Network generate(std::size_t nodes, core::Stream& rng) const = 0;
};
using NetworkRegistry = Registry<NetworkGenerator>;
const NetworkRegistry& network_generators();

// --- market ------------------------------------------------------------------------------

class MarketModel {
 public:
  virtual ~MarketModel() = default;
  // The regime for the next month, given the current one.
  virtual std::size_t next(std::size_t current, const Eigen::MatrixXd& transition,
                           core::Stream& rng) const = 0;
};
using MarketRegistry = Registry<MarketModel>;
const MarketRegistry& market_models();

// Long-run share of months in each regime: the stationary distribution of the chain.
Eigen::VectorXd stationary_distribution(const Eigen::MatrixXd& transition);

}  // namespace tenure::model
