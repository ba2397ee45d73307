// The built-in registry entries: strategies, promotion policies, blame rules, network
// generators and market models. Each entry names its parameters with their types, units and bounds.
#include "tenure/model/components.hpp"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <boost/graph/small_world_generator.hpp>
#include <numeric>
#include <utility>

namespace tenure::model {

const char* to_string(Factor f) {
  switch (f) {
    case Factor::ManagerNeglect: return "manager_neglect";
    case Factor::SupportCut: return "support_cut";
    case Factor::Market: return "market";
    case Factor::Competitor: return "competitor";
    case Factor::QuarterEnd: return "quarter_end";
    case Factor::ManagementOrder: return "management_order";
    case Factor::ManagerExit: return "manager_exit";
  }
  return "?";
}

const char* to_string(DecisionMoment m) {
  switch (m) {
    case DecisionMoment::Month: return "month";
    case DecisionMoment::Urgency: return "urgency";
    case DecisionMoment::QuarterEnd: return "quarter_end";
    case DecisionMoment::Review: return "review";
  }
  return "?";
}

namespace {

// --- strategies ----------------------------------------------------------------------------

struct FixedShare : TimeAllocation {
  double share;
  explicit FixedShare(double s) : share(s) {}
  double hunt_share() const override { return share; }
};

void add_time(TimeRegistry& r, const std::string& name, double share, const std::string& what) {
  r.add({name, what,
         {probability_param("hunt_share", share, "share of working time spent hunting prospects")},
         [](const ParamSet& p) -> std::unique_ptr<TimeAllocation> {
           return std::make_unique<FixedShare>(p.real("hunt_share"));
         }});
}

// A manager who learns what the organisation rewards (docs/model.md, "Learning managers"), in
// two ways. By its own trials, a perturbation learner (the simplest policy-gradient rule): each
// review year it hunts at its learned share plus or minus `exploration` (a keyed coin), and at
// the review moves the learned share toward the side it tried by `learning_rate` times how much
// better it stood than it usually does (its rank among its level's peers by the promotion
// rule's score, against a running mean of its ranks; under a rule with no score, random or
// alternating, promotions are the reward: 1 promoted, 0 passed over, 0.5 otherwise). And by
// imitation: it moves `imitation` of the way toward the share of the peer the rule scored
// highest. Managers start from `hunt_share` spread by `spread` (a keyed normal draw). State,
// in Decision::memory: the learned share, the side tried (+1 or -1), the mean reward, the
// reviews seen, the promotions seen.
struct Adaptive : TimeAllocation {
  double start, spread, rate, imitation, explore, memory_weight;
  Adaptive(double s, double sd, double r, double i, double e, double w)
      : start(s), spread(sd), rate(r), imitation(i), explore(e), memory_weight(w) {}
  double hunt_share() const override { return start; }
  void decide(const ManagerView& v, Decision& d) const override {
    auto& [learned, side, baseline, reviews, promoted, unused] = d.memory;
    const auto coin = [&] {
      return (core::mix64(v.random_key(0x1ea5)) >> 63) ? 1.0 : -1.0;  // a keyed fair coin
    };
    if (side == 0) {  // the first decision
      core::Stream g(core::StreamKey{v.random_key(0x57a7), 0, 0, 0});
      learned = std::clamp(start + spread * std::sqrt(-2.0 * std::log(1.0 - g.uniform01())) *
                                       std::cos(6.283185307179586 * g.uniform01()),
                           0.0, 1.0);
      side = coin();
    }
    if (v.moment() == DecisionMoment::Review) {
      const double rank = v.review_rank();
      const bool up = static_cast<double>(v.promotions()) > promoted;
      promoted = static_cast<double>(v.promotions());
      const double reward = !std::isnan(rank) ? rank : up ? 1.0 : v.passed_over() ? 0.0 : 0.5;
      if (reviews > 0) learned += rate * (reward - baseline) * side;
      if (!std::isnan(v.rewarded_share())) learned += imitation * (v.rewarded_share() - learned);
      learned = std::clamp(learned, 0.0, 1.0);
      baseline = reviews > 0 ? baseline + memory_weight * (reward - baseline) : reward;
      reviews += 1;
      side = coin();
    }
    d.hunt_share = std::clamp(learned + explore * side, 0.0, 1.0);
  }
};

struct Service : ServiceStyle {
  double answer, care_;
  Service(double a, double c) : answer(a), care_(c) {}
  double answer_probability() const override { return answer; }
  double care() const override { return care_; }
};

void add_service(ServiceRegistry& r, const std::string& name, double answer, double care,
                 const std::string& what) {
  r.add({name, what,
         {probability_param("answer_probability", answer, "share of requests answered at all"),
          real_param("care", care, "", "multiplies farming time given to the book", 0.0, 2.0)},
         [](const ParamSet& p) -> std::unique_ptr<ServiceStyle> {
           return std::make_unique<Service>(p.real("answer_probability"), p.real("care"));
         }});
}

struct Pressure : PressureBehaviour {
  bool panic;
  double hunt, answer, discount, fit, dark;
  double urgent_hunt_share() const override { return hunt; }
  bool panics() const override { return panic; }
  double urgent_answer_factor() const override { return answer; }
  double rush_discount() const override { return discount; }
  double rush_fit_penalty() const override { return fit; }
  double go_dark_penalty() const override { return dark; }
};

// --- promotion policies ----------------------------------------------------------------

using Metric = double (*)(const CandidateRecord&);

// The measures a policy can rank by, by name (the `metric` parameter).
struct NamedMetric {
  const char* name;
  Metric metric;
};
constexpr NamedMetric kMetrics[] = {
    {"total_value", [](const CandidateRecord& c) { return c.new_business + c.retained_value; }},
    {"new_business", [](const CandidateRecord& c) { return c.new_business; }},
    {"retained_value", [](const CandidateRecord& c) { return c.retained_value; }},
    {"book_value", [](const CandidateRecord& c) { return c.total_value; }},
    {"competence", [](const CandidateRecord& c) { return c.competence; }},
    {"managing_skill", [](const CandidateRecord& c) { return c.managing; }},
};
std::vector<std::string> metric_names() {
  std::vector<std::string> v;
  for (const auto& m : kMetrics) v.emplace_back(m.name);
  return v;
}
Metric metric_named(const std::string& name) {
  for (const auto& m : kMetrics)
    if (name == m.name) return m.metric;
  return kMetrics[0].metric;  // unreachable: the parameter is a checked choice
}
ParamSpec metric_param(const std::string& def) {
  return choice_param("metric", def, metric_names(),
                      "what candidates are ranked by: total_value (new business + retained value), new_business, "
                      "retained_value, book_value, competence (at the current level) or managing_skill");
}

// The best or the worst by a metric; ties go to the lowest manager id.
struct ByMetric : PromotionPolicy {
  Metric metric;
  bool best;
  ByMetric(Metric m, bool b) : metric(m), best(b) {}
  std::size_t choose(std::span<const CandidateRecord> c, std::uint64_t,
                     core::Stream&) const override {
    std::size_t pick = 0;
    for (std::size_t i = 1; i < c.size(); ++i) {
      const double a = metric(c[i]), b = metric(c[pick]);
      if (best ? a > b : a < b) pick = i;
    }
    return pick;
  }
  double score(const CandidateRecord& c) const override { return best ? metric(c) : -metric(c); }
  bool picks_highest_score() const override { return true; }
};

struct Composite : PromotionPolicy {
  double w_new, w_retained;
  Composite(double a, double b) : w_new(a), w_retained(b) {}
  std::size_t choose(std::span<const CandidateRecord> c, std::uint64_t,
                     core::Stream&) const override {
    std::size_t pick = 0;
    double best = -1e300;
    for (std::size_t i = 0; i < c.size(); ++i) {
      const double s = w_new * c[i].new_business + w_retained * c[i].retained_value;
      if (s > best) best = s, pick = i;
    }
    return pick;
  }
  double score(const CandidateRecord& c) const override { return w_new * c.new_business + w_retained * c.retained_value; }
  bool picks_highest_score() const override { return true; }
};

struct RandomPick : PromotionPolicy {
  std::size_t choose(std::span<const CandidateRecord> c, std::uint64_t,
                     core::Stream& rng) const override {
    return std::min(c.size() - 1, static_cast<std::size_t>(rng.uniform01() * static_cast<double>(c.size())));
  }
};

// Pluchino, Rapisarda and Garofalo (2010): the best and the worst by a metric, in turn, or
// (coin) each chosen by a fair coin ("random alternated").
struct Alternating : PromotionPolicy {
  ByMetric best, worst;
  bool coin;
  Alternating(Metric m, bool c) : best(m, true), worst(m, false), coin(c) {}
  std::size_t choose(std::span<const CandidateRecord> c, std::uint64_t round,
                     core::Stream& rng) const override {
    const bool take_best = coin ? rng.uniform01() < 0.5 : round % 2 == 0;
    return take_best ? best.choose(c, round, rng) : worst.choose(c, round, rng);
  }
};

void add_metric_policy(PolicyRegistry& r, const std::string& name, Metric m, bool best,
                       const std::string& what) {
  r.add({name, what, {}, [m, best](const ParamSet&) -> std::unique_ptr<PromotionPolicy> {
           return std::make_unique<ByMetric>(m, best);
         }});
}

// --- networks ----------------------------------------------------------------------------

using Edges = std::vector<std::pair<std::uint32_t, std::uint32_t>>;

// Both directions of every edge, as a Boost CSR graph, copied into the model's flat form.
Network to_network(std::size_t n, const Edges& undirected) {
  Edges directed;
  directed.reserve(undirected.size() * 2);
  for (auto [u, v] : undirected) {
    if (u == v) continue;
    directed.emplace_back(u, v);
    directed.emplace_back(v, u);
  }
  using Csr = boost::compressed_sparse_row_graph<boost::directedS, boost::no_property,
                                                 boost::no_property, boost::no_property,
                                                 std::uint32_t, std::uint64_t>;
  Csr g(boost::edges_are_unsorted_multi_pass, directed.begin(), directed.end(),
        static_cast<std::uint32_t>(n));
  Network net;
  net.node_count = n;
  net.offsets.assign(g.m_forward.m_rowstart.begin(), g.m_forward.m_rowstart.end());
  net.targets.assign(g.m_forward.m_column.begin(), g.m_forward.m_column.end());
  return net;
}

struct Complete : NetworkGenerator {
  Network generate(std::size_t nodes, core::Stream&) const override {
    Network n;
    n.complete = true;
    n.node_count = nodes;
    return n;
  }
};

struct SmallWorld : NetworkGenerator {
  std::size_t k;
  double p;
  SmallWorld(std::size_t k_, double p_) : k(k_), p(p_) {}
  Network generate(std::size_t nodes, core::Stream& rng) const override {
    using G = boost::adjacency_list<>;
    using SWIter = boost::small_world_iterator<core::Stream, G>;
    Edges e;
    if (nodes > k) {
      for (SWIter it(rng, nodes, k, p), end; it != end; ++it)
        e.emplace_back(static_cast<std::uint32_t>(it->first), static_cast<std::uint32_t>(it->second));
    }
    return to_network(nodes, e);
  }
};

// Barabasi-Albert preferential attachment: each new node links to m existing nodes chosen
// with probability proportional to degree.
struct ScaleFree : NetworkGenerator {
  std::size_t m;
  explicit ScaleFree(std::size_t m_) : m(m_) {}
  Network generate(std::size_t nodes, core::Stream& rng) const override {
    Edges e;
    std::vector<std::uint32_t> ends;  // every edge end: sampling it is degree-proportional
    const std::size_t seed = std::min(nodes, m + 1);
    for (std::uint32_t u = 0; u < seed; ++u)
      for (std::uint32_t v = u + 1; v < seed; ++v) {
        e.emplace_back(u, v);
        ends.push_back(u), ends.push_back(v);
      }
    std::vector<std::uint32_t> chosen;
    for (std::size_t v = seed; v < nodes; ++v) {
      chosen.clear();
      while (chosen.size() < m) {
        const auto u = ends[static_cast<std::size_t>(rng.uniform01() * static_cast<double>(ends.size()))];
        if (std::find(chosen.begin(), chosen.end(), u) == chosen.end()) chosen.push_back(u);
      }
      for (auto u : chosen) {
        e.emplace_back(static_cast<std::uint32_t>(v), u);
        ends.push_back(static_cast<std::uint32_t>(v)), ends.push_back(u);
      }
    }
    return to_network(nodes, e);
  }
};

// --- market ------------------------------------------------------------------------------

struct Fixed : MarketModel {
  std::size_t next(std::size_t current, const Eigen::MatrixXd&, core::Stream&) const override {
    return current;
  }
};

struct Markov : MarketModel {
  std::size_t next(std::size_t current, const Eigen::MatrixXd& P,
                   core::Stream& rng) const override {
    double u = rng.uniform01();
    const auto row = static_cast<Eigen::Index>(current);
    for (Eigen::Index j = 0; j < P.cols(); ++j) {
      u -= P(row, j);
      if (u < 0) return static_cast<std::size_t>(j);
    }
    return static_cast<std::size_t>(P.cols() - 1);
  }
};

}  // namespace

static TimeRegistry& time_registry() {
  static TimeRegistry registry = [] {
    TimeRegistry r("time allocation");
    add_time(r, "hunter", 0.8, "chases new clients; little time for the book");
    add_time(r, "farmer", 0.2, "deepens existing relationships; little outreach");
    add_time(r, "balanced", 0.5, "splits time evenly between prospects and the book");
    r.add({"adaptive",
           "learns its hunt share from what the promotion rule rewards: tries a little more or less each year and keeps "
           "what ranked it higher among its peers at the review",
           {probability_param("hunt_share", 0.5, "the share it starts from (the mean, with spread)"),
            real_param("spread", 0.15, "", "standard deviation of the starting share across managers", 0.0, 1.0),
            real_param("learning_rate", 0.5, "", "how far a year's better (or worse) standing moves the share", 0.0, 10.0),
            probability_param("imitation", 0.3, "share of the way it moves each review toward the share of the peer the rule scored highest"),
            real_param("exploration", 0.1, "", "how much more or less than its learned share it hunts each year, to learn", 0.0, 0.5),
            probability_param("memory_weight", 0.3, "weight of the latest review in the usual standing it compares against")},
           [](const ParamSet& p) -> std::unique_ptr<TimeAllocation> {
             return std::make_unique<Adaptive>(p.real("hunt_share"), p.real("spread"), p.real("learning_rate"),
                                               p.real("imitation"), p.real("exploration"), p.real("memory_weight"));
           }});
    return r;
  }();
  return registry;
}
const TimeRegistry& time_allocations() { return time_registry(); }
void register_time_allocation(TimeRegistry::Entry entry, bool replace) { time_registry().add(std::move(entry), replace); }

static ServiceRegistry& service_registry() {
  static ServiceRegistry registry = [] {
    ServiceRegistry r("service style");
    add_service(r, "attentive", 0.98, 1.0, "answers nearly every request, visits the book");
    add_service(r, "neglectful", 0.4, 0.3, "ignores many requests ('it's the market')");
    return r;
  }();
  return registry;
}
const ServiceRegistry& service_styles() { return service_registry(); }
void register_service_style(ServiceRegistry::Entry entry, bool replace) { service_registry().add(std::move(entry), replace); }

static PressureRegistry& pressure_registry() {
  static PressureRegistry registry = [] {
    PressureRegistry r("pressure behaviour");
    r.add({"calm", "keeps the usual time split and service near quarter end", {},
           [](const ParamSet&) -> std::unique_ptr<PressureBehaviour> {
             auto p = std::make_unique<Pressure>();
             p->panic = false, p->hunt = 0, p->answer = 1, p->discount = 0, p->fit = 0, p->dark = 0;
             return p;
           }});
    r.add({"urgent",
           "behind quota near quarter end: rushes deals, cuts corners, neglects the book",
           {probability_param("hunt_share", 0.95, "hunting share while urgent"),
            probability_param("answer_factor", 0.5, "multiplies the answer probability while urgent"),
            probability_param("rush_discount", 0.07, "price given away on a rushed deal (Larkin 2014: 6-8%)"),
            real_param("fit_penalty", 2.5, "points", "satisfaction lost by a poorly fitted rushed deal", 0.0, 10.0),
            real_param("go_dark_penalty", 1.0, "points", "satisfaction the book loses per urgent spell", 0.0, 10.0)},
           [](const ParamSet& ps) -> std::unique_ptr<PressureBehaviour> {
             auto p = std::make_unique<Pressure>();
             p->panic = true;
             p->hunt = ps.real("hunt_share");
             p->answer = ps.real("answer_factor");
             p->discount = ps.real("rush_discount");
             p->fit = ps.real("fit_penalty");
             p->dark = ps.real("go_dark_penalty");
             return p;
           }});
    return r;
  }();
  return registry;
}
const PressureRegistry& pressure_behaviours() { return pressure_registry(); }
void register_pressure_behaviour(PressureRegistry::Entry entry, bool replace) {
  pressure_registry().add(std::move(entry), replace);
}

static PolicyRegistry& policy_registry() {
  static PolicyRegistry registry = [] {
    PolicyRegistry r("promotion policy");
    add_metric_policy(r, "new_business", [](const CandidateRecord& c) { return c.new_business; },
                      true, "promotes the candidate who won the most new business this year");
    add_metric_policy(r, "retained_value", [](const CandidateRecord& c) { return c.retained_value; },
                      true, "promotes the candidate who kept the most of the opening book");
    add_metric_policy(r, "total_value",
                      [](const CandidateRecord& c) { return c.new_business + c.retained_value; }, true,
                      "promotes by new business plus retained value");
    add_metric_policy(r, "competence", [](const CandidateRecord& c) { return c.competence; }, true,
                      "promotes the most competent at the current level");
    r.add({"best", "promotes the best candidate by a metric (Pluchino et al.'s 'best' with metric: competence)",
           {metric_param("total_value")},
           [](const ParamSet& p) -> std::unique_ptr<PromotionPolicy> {
             return std::make_unique<ByMetric>(metric_named(p.text("metric")), true);
           }});
    r.add({"worst", "promotes the weakest candidate by a metric (by total value: a control; Pluchino et al.'s 'worst' with metric: competence)",
           {metric_param("total_value")},
           [](const ParamSet& p) -> std::unique_ptr<PromotionPolicy> {
             return std::make_unique<ByMetric>(metric_named(p.text("metric")), false);
           }});
    r.add({"composite", "weighted sum of new business and retained value",
           {real_param("new_business_weight", 0.5, "", "weight of new business", 0.0, 1e6),
            real_param("retained_weight", 0.5, "", "weight of retained value", 0.0, 1e6)},
           [](const ParamSet& p) -> std::unique_ptr<PromotionPolicy> {
             return std::make_unique<Composite>(p.real("new_business_weight"), p.real("retained_weight"));
           }});
    r.add({"random", "promotes a candidate chosen at random", {},
           [](const ParamSet&) -> std::unique_ptr<PromotionPolicy> { return std::make_unique<RandomPick>(); }});
    r.add({"alternating", "the best and the worst by a metric, in turn or by a fair coin (Pluchino et al. 2010)",
           {metric_param("total_value"),
            bool_param("coin", false, "choose best or worst by a fair coin at each promotion (Pluchino et al.'s random alternation) rather than in turn")},
           [](const ParamSet& p) -> std::unique_ptr<PromotionPolicy> {
             return std::make_unique<Alternating>(metric_named(p.text("metric")), p.boolean("coin"));
           }});
    return r;
  }();
  return registry;
}
const PolicyRegistry& promotion_policies() { return policy_registry(); }
void register_promotion_policy(PolicyRegistry::Entry entry, bool replace) { policy_registry().add(std::move(entry), replace); }

// --- blame rules and order rules ------------------------------------------------------------

static BlameRegistry& blame_registry() {
  static BlameRegistry registry = [] {
    BlameRegistry r("blame rule");
    struct LastOwner : BlameRule {
      std::int64_t blame(const LostRecord& lost, const OrganisationView&, core::Stream&) const override { return lost.owner; }
    };
    // The active manager with the lowest new business in the year plus book value (the first
    // in id order among equals).
    struct WeakestPerformer : BlameRule {
      std::int64_t blame(const LostRecord&, const OrganisationView& org, core::Stream&) const override {
        std::int64_t worst = -1;
        double w = 1e300;
        for (std::size_t i = 0; i < org.manager_count(); ++i) {
          if (!org.active(i)) continue;
          const double score = org.year_new_business(i) + org.book_value(i);
          if (score < w) w = score, worst = static_cast<std::int64_t>(i);
        }
        return worst;
      }
    };
    r.add({"last_owner", "the manager who owned the lost client", {},
           [](const ParamSet&) -> std::unique_ptr<BlameRule> { return std::make_unique<LastOwner>(); }});
    r.add({"weakest_performer", "the active manager with the lowest new business in the year plus book value", {},
           [](const ParamSet&) -> std::unique_ptr<BlameRule> { return std::make_unique<WeakestPerformer>(); }});
    return r;
  }();
  return registry;
}
const BlameRegistry& blame_rules() { return blame_registry(); }
void register_blame_rule(BlameRegistry::Entry entry, bool replace) { blame_registry().add(std::move(entry), replace); }

// No built-in order rules: the built-in orders are the other kinds. Users add their own (in
// C++ here or through register_order_rule, or in Python: docs/extending.md).
static OrderRuleRegistry& order_rule_registry() {
  static OrderRuleRegistry registry("order rule");
  return registry;
}
const OrderRuleRegistry& order_rules() { return order_rule_registry(); }
void register_order_rule(OrderRuleRegistry::Entry entry, bool replace) { order_rule_registry().add(std::move(entry), replace); }

const NetworkRegistry& network_generators() {
  static const NetworkRegistry registry = [] {
    NetworkRegistry r("network generator");
    r.add({"complete", "everyone can talk to everyone (well-mixed Bass diffusion); no edges stored", {},
           [](const ParamSet&) -> std::unique_ptr<NetworkGenerator> { return std::make_unique<Complete>(); }});
    r.add({"small_world", "Watts-Strogatz ring lattice with rewiring (Boost.Graph)",
           {int_param("k", 6, "neighbours per node in the ring", 2, 1000),
            probability_param("rewire", 0.1, "probability of rewiring each edge")},
           [](const ParamSet& p) -> std::unique_ptr<NetworkGenerator> {
             return std::make_unique<SmallWorld>(static_cast<std::size_t>(p.integer("k")), p.real("rewire"));
           }});
    r.add({"scale_free", "Barabasi-Albert preferential attachment",
           {int_param("m", 3, "edges each new node brings", 1, 1000)},
           [](const ParamSet& p) -> std::unique_ptr<NetworkGenerator> {
             return std::make_unique<ScaleFree>(static_cast<std::size_t>(p.integer("m")));
           }});
    return r;
  }();
  return registry;
}

const MarketRegistry& market_models() {
  static const MarketRegistry registry = [] {
    MarketRegistry r("market model");
    r.add({"fixed", "the market stays in its initial regime (shocks still apply)", {},
           [](const ParamSet&) -> std::unique_ptr<MarketModel> { return std::make_unique<Fixed>(); }});
    r.add({"markov", "regimes follow a Markov chain with a monthly transition matrix", {},
           [](const ParamSet&) -> std::unique_ptr<MarketModel> { return std::make_unique<Markov>(); }});
    return r;
  }();
  return registry;
}

Eigen::VectorXd stationary_distribution(const Eigen::MatrixXd& P) {
  // Solve pi (P - I) = 0 with sum(pi) = 1, as a least-squares system.
  const auto n = P.rows();
  Eigen::MatrixXd A(n + 1, n);
  A.topRows(n) = (P - Eigen::MatrixXd::Identity(n, n)).transpose();
  A.row(n).setOnes();
  Eigen::VectorXd b = Eigen::VectorXd::Zero(n + 1);
  b(n) = 1.0;
  return A.colPivHouseholderQr().solve(b);
}

}  // namespace tenure::model
