// The declarations of every output column (columns.hpp).
#include "tenure/output/columns.hpp"

#include "tenure/core/error.hpp"

namespace tenure::output {

namespace {

using K = Column::Kind;
using model::AccountEvent;
using model::AccountRow;
using model::LostAccount;
using model::ManagerRow;
using model::ManagerMonth;
using model::MonthRow;
using model::RunResult;

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

template <class Row, class F>
ColumnSpec<Row> col(std::string name, K kind, std::string unit, std::string label, std::string description, F f) {
  return {std::move(name), kind, std::move(unit), std::move(label), std::move(description),
          [f](const Row& r, const RunResult& run) -> Cell {
            if constexpr (std::is_invocable_v<F, const Row&, const RunResult&>) return f(r, run);
            else return f(r);
          }};
}
// Shorthands for the common kinds.
template <class Row, class F>
ColumnSpec<Row> real(std::string name, std::string unit, std::string label, std::string description, F f) {
  return col<Row>(std::move(name), K::Real, std::move(unit), std::move(label), std::move(description),
                  [f](const Row& r) -> Cell { return static_cast<double>(f(r)); });
}
template <class Row, class F>
ColumnSpec<Row> integer(std::string name, std::string unit, std::string label, std::string description, F f) {
  return col<Row>(std::move(name), K::Integer, std::move(unit), std::move(label), std::move(description),
                  [f](const Row& r) -> Cell { return static_cast<std::int64_t>(f(r)); });
}

std::string source_name(int s) { return model::to_string(static_cast<model::Source>(s)); }
std::string cause_name(int c) { return model::to_string(static_cast<model::Cause>(c)); }

std::string causes_text(std::uint32_t mask) {
  std::string s;
  for (int c = 0; c < model::kCauseCount; ++c) {
    if (!(mask & (1u << c))) continue;
    if (!s.empty()) s.push_back(';');
    s.append(cause_name(c));
  }
  return s;
}

// A manager of the run by index, by name ("" for none).
std::string manager_name(const RunResult& run, std::int64_t i) {
  return i >= 0 && static_cast<std::size_t>(i) < run.managers.size() ? run.managers[static_cast<std::size_t>(i)].name
                                                                     : std::string();
}

}  // namespace

const std::vector<ColumnSpec<MonthRow>>& month_columns() {
  static const std::vector<ColumnSpec<MonthRow>> cols = [] {
    using R = MonthRow;
    std::vector<ColumnSpec<R>> v;
    v.push_back(integer<R>("month", "month", "Month", "months from the start; the row describes the month ending then",
                           [](const R& r) { return r.month; }));
    v.push_back(integer<R>("active_accounts", "clients", "Active client accounts", "clients (active or under notice) at the month's end",
                           [](const R& r) { return r.active_accounts; }));
    v.push_back(integer<R>("prospects", "accounts", "Prospects", "prospects not yet won at the month's end",
                           [](const R& r) { return r.prospects; }));
    v.push_back(real<R>("value", "currency", "Value of the book", "value of the clients at the month's end",
                        [](const R& r) { return r.value; }));
    v.push_back(real<R>("revenue", "currency", "Revenue",
                        "margin earned on the book's value over the month, less the month's quarter-end discounts",
                        [](const R& r) { return r.revenue; }));
    v.push_back(real<R>("discounts", "currency", "Quarter-end discounts",
                        "price given away on the month's rushed deals: the pressure behaviour's rush discount times a year "
                        "of each deal's revenue (margin x value)",
                        [](const R& r) { return r.discounts; }));
    v.push_back(real<R>("rushed_revenue", "currency", "Revenue of rushed deals",
                        "margin earned over the month on clients won by a rushed quarter-end deal, in their first year: "
                        "the revenue the discounts touch (Larkin 2014 measures discounts against it)",
                        [](const R& r) { return r.rushed_revenue; }));
    v.push_back(real<R>("handoff_loss", "currency", "Value lost in hand-overs",
                        "value lost by accounts that changed hands in the month (organisation.handoff_value_loss)",
                        [](const R& r) { return r.handoff_loss; }));
    v.push_back(real<R>("new_business", "currency", "New business per month", "value of the clients won in the month",
                        [](const R& r) { return r.new_business; }));
    v.push_back(integer<R>("new_clients", "clients", "New clients", "clients won in the month",
                           [](const R& r) { return r.new_clients; }));
    for (int s = 0; s < model::kSourceCount; ++s)
      v.push_back(real<R>("new_" + source_name(s), "currency", "New business: " + source_name(s),
                          "value won in the month whose true source is " + source_name(s),
                          [s](const R& r) { return r.new_by_source[static_cast<std::size_t>(s)]; }));
    for (int s = 0; s < model::kSourceCount; ++s)
      v.push_back(real<R>("reported_" + source_name(s), "currency", "Reported new business: " + source_name(s),
                          "value won in the month that the organisation reports as " + source_name(s),
                          [s](const R& r) { return r.new_by_reported_source[static_cast<std::size_t>(s)]; }));
    v.push_back(real<R>("churned_value", "currency", "Lost value per month (when clients leave)", "value of the clients lost in the month",
                        [](const R& r) { return r.churned_value; }));
    v.push_back(integer<R>("churned", "clients", "Clients lost", "clients lost in the month",
                           [](const R& r) { return r.churned; }));
    for (int c = 0; c < model::kCauseCount; ++c)
      v.push_back(real<R>("churned_" + cause_name(c), "currency", "Lost value: " + cause_name(c),
                          "lost value of the month split evenly over the causes recorded on each lost client's path; "
                          "this is its " + cause_name(c) + " share",
                          [c](const R& r) { return r.churned_by_cause[static_cast<std::size_t>(c)]; }));
    v.push_back(real<R>("churned_no_cause", "currency", "Lost value: no recorded cause",
                        "lost value of the month of clients with no recorded cause",
                        [](const R& r) { return r.churned_by_cause[model::kCauseCount]; }));
    v.push_back(real<R>("mean_satisfaction", "points (0-10)", "Mean client satisfaction",
                        "mean satisfaction of the clients at the month's end", [](const R& r) { return r.mean_satisfaction; }));
    v.push_back(integer<R>("promoters", "clients", "Promoters",
                           "clients at or above service.promoter_threshold at the month's end (they talk well)",
                           [](const R& r) { return r.promoters; }));
    v.push_back(integer<R>("detractors", "clients", "Detractors",
                           "clients at or below service.detractor_threshold at the month's end (they talk badly)",
                           [](const R& r) { return r.detractors; }));
    v.push_back(integer<R>("open_requests", "requests", "Open requests", "requests waiting for an answer at the month's end",
                           [](const R& r) { return r.open_requests; }));
    v.push_back(integer<R>("requests", "requests", "Requests", "requests voiced in the month",
                           [](const R& r) { return r.requests; }));
    v.push_back(integer<R>("ignored_requests", "requests", "Ignored requests", "requests ignored in the month",
                           [](const R& r) { return r.ignored_requests; }));
    v.push_back(real<R>("mean_response_days", "days", "Mean response time",
                        "mean time from a request to its answer, over the answers given in the month (0 when none)",
                        [](const R& r) { return r.mean_response_days; }));
    v.push_back(integer<R>("answered_requests", "requests", "Requests answered",
                           "answers given in the month, by managers and support (what mean_response_days averages)",
                           [](const R& r) { return r.answered_requests; }));
    v.push_back(integer<R>("abandoned_requests", "requests", "Requests given up",
                           "requests whose client gave up waiting in the month (service.patience): unanswered, they cost as ignored ones",
                           [](const R& r) { return r.abandoned_requests; }));
    v.push_back(real<R>("support_capacity", "staff", "Support staff on duty", "support staff on duty at the month's end",
                        [](const R& r) { return r.support_capacity; }));
    v.push_back(integer<R>("regime", "", "Market regime", "index of the market regime in the month (market.regimes)",
                           [](const R& r) { return r.regime; }));
    v.push_back(real<R>("stress", "", "Market stress", "market stress in the month (the regime's, plus any shock)",
                        [](const R& r) { return r.stress; }));
    v.push_back(real<R>("effectiveness", "share (0-1)", "Organisation effectiveness",
                        "responsibility-weighted competence of the managers in place over the positions",
                        [](const R& r) { return r.effectiveness; }));
    v.push_back(integer<R>("managers", "managers", "Managers", "managers in place at the month's end",
                           [](const R& r) { return r.managers; }));
    return v;
  }();
  return cols;
}

const ColumnSpec<MonthRow>& month_column(const std::string& name) {
  std::vector<std::string> known;
  for (const auto& c : month_columns()) {
    if (c.name == name) return c;
    known.push_back(c.name);
  }
  throw Error(unknown_name_message("monthly column", name, known));
}

const std::vector<ColumnSpec<ManagerRow>>& manager_columns() {
  static const std::vector<ColumnSpec<ManagerRow>> cols = [] {
    using R = ManagerRow;
    std::vector<ColumnSpec<R>> v;
    v.push_back(col<R>("manager", K::Text, "", "Manager", "the manager's name (hires: hire-1, hire-2, ...)",
                       [](const R& r) -> Cell { return r.name; }));
    v.push_back(col<R>("strategy", K::Text, "", "Strategy", "time allocation/service style/pressure behaviour",
                       [](const R& r) -> Cell { return r.strategy; }));
    v.push_back(integer<R>("level", "", "Level", "level at the end (0 is the bottom)", [](const R& r) { return r.level; }));
    v.push_back(real<R>("new_business", "currency", "New business", "value of the clients this manager won",
                        [](const R& r) { return r.new_business; }));
    v.push_back(integer<R>("new_clients", "clients", "New clients", "clients this manager won",
                           [](const R& r) { return r.new_clients; }));
    v.push_back(real<R>("retained_value", "currency", "Value kept",
                        "value still held at each review year's end (or departure) of that year's opening book, summed over years",
                        [](const R& r) { return r.retained_value; }));
    v.push_back(real<R>("opening_value", "currency", "Opening value", "value of each review year's opening book, summed over years",
                        [](const R& r) { return r.opening_value; }));
    v.push_back(integer<R>("opening_clients", "clients", "Opening clients", "clients in each review year's opening book, summed",
                           [](const R& r) { return r.opening_clients; }));
    v.push_back(integer<R>("retained_clients", "clients", "Clients kept", "of those, clients still held at the year's end",
                           [](const R& r) { return r.retained_clients; }));
    v.push_back(real<R>("opening_client_years", "client-years", "Exposure",
                        "opening clients times the share of a year each retention period lasted (a departure ends one early)",
                        [](const R& r) { return r.opening_client_years; }));
    v.push_back(real<R>("retention_rate", "share per year", "Retention",
                        "1 - clients of the opening books lost / opening_client_years: a yearly rate, which a departure does not raise",
                        [](const R& r) { return r.retention_rate; }));
    v.push_back(integer<R>("referrals", "clients", "Referrals", "clients won by referral from this manager's own clients",
                           [](const R& r) { return r.referrals; }));
    v.push_back(integer<R>("requests_answered", "requests", "Requests answered", "requests this manager answered",
                           [](const R& r) { return r.requests_answered; }));
    v.push_back(integer<R>("requests_ignored", "requests", "Requests ignored", "requests of this manager's clients ignored",
                           [](const R& r) { return r.requests_ignored; }));
    v.push_back(integer<R>("requests_late", "requests", "Requests late", "requests answered later than service.expected_response",
                           [](const R& r) { return r.requests_late; }));
    v.push_back(integer<R>("requests_abandoned", "requests", "Requests given up",
                           "requests of this manager's clients given up while waiting for this manager",
                           [](const R& r) { return r.requests_abandoned; }));
    v.push_back(integer<R>("reviews", "reviews", "Reviews", "annual reviews passed", [](const R& r) { return r.reviews; }));
    v.push_back(integer<R>("promotions", "promotions", "Promotions", "promotions received", [](const R& r) { return r.promotions; }));
    v.push_back(col<R>("exited", K::Boolean, "", "Left", "whether the manager left (quit, retired or dismissed)",
                       [](const R& r) -> Cell { return std::int64_t{r.exited ? 1 : 0}; }));
    v.push_back(col<R>("exit_reason", K::Text, "", "Reason for leaving", "quit, dismissed or retired (empty if still in place)",
                       [](const R& r) -> Cell { return std::string(model::name_of(r.exit_reason)); }));
    v.push_back(col<R>("exit_day", K::Real, "days", "Day left", "day the manager left (empty if still in place)",
                       [](const R& r) -> Cell { return r.exited ? r.exit_day : kMissing; }));
    v.push_back(integer<R>("book_size", "clients", "Book size", "clients in the book at the end",
                           [](const R& r) { return r.book_size; }));
    v.push_back(real<R>("book_value", "currency", "Book value", "value of the book at the end", [](const R& r) { return r.book_value; }));
    v.push_back(real<R>("book_clv", "currency", "Book lifetime value",
                        "margin x book value x r / (1.1 - r), r the retention rate (at most 0.99): what the book is worth at this retention",
                        [](const R& r) { return r.book_clv; }));
    v.push_back(real<R>("reputation", "points (0-10)", "Reputation", "value-weighted satisfaction of the book at the end",
                        [](const R& r) { return r.reputation; }));
    v.push_back(real<R>("blamed_value", "currency", "Blamed value", "lost value the organisation's blame rule puts on this manager",
                        [](const R& r) { return r.blamed_value; }));
    v.push_back(real<R>("competence", "share (0-1)", "Competence", "competence at the current level, at the end",
                        [](const R& r) { return r.competence; }));
    v.push_back(real<R>("hunting_skill", "", "Hunting skill", "skill at winning new business (multiplies outreach and conference conversion)",
                        [](const R& r) { return r.hunting_skill; }));
    v.push_back(real<R>("managing_skill", "", "Managing skill", "skill at leading a team (1: ordinary)",
                        [](const R& r) { return r.managing_skill; }));
    v.push_back(integer<R>("reports", "managers", "Reports", "managers this manager leads at the end (the level below)",
                           [](const R& r) { return r.reports; }));
    v.push_back(col<R>("leader", K::Text, "", "Leader", "the manager's team leader at the end (empty: none)",
                       [](const R& r) -> Cell { return r.leader; }));
    v.push_back(real<R>("hunt_share", "share (0-1)", "Hunt share",
                        "share of selling time the strategy last decided to spend hunting (outside urgency): "
                        "where a learning manager has arrived",
                        [](const R& r) { return r.hunt_share; }));
    return v;
  }();
  return cols;
}

const std::vector<ColumnSpec<LostAccount>>& lost_columns() {
  static const std::vector<ColumnSpec<LostAccount>> cols = [] {
    using R = LostAccount;
    std::vector<ColumnSpec<R>> v;
    v.push_back(integer<R>("account", "", "Account", "the account's number", [](const R& r) { return r.account; }));
    v.push_back(real<R>("day", "days", "Day lost", "day the client left (its notice ended)", [](const R& r) { return r.day; }));
    v.push_back(real<R>("value", "currency", "Value", "value of the client when it left", [](const R& r) { return r.value; }));
    // Managers by name, as in managers.csv (join on variant, replication and manager).
    v.push_back(col<R>("owner", K::Text, "", "Owner", "the manager who owned the client when it left (by name; empty for none)",
                       [](const R& r, const RunResult& run) -> Cell { return manager_name(run, r.owner); }));
    v.push_back(col<R>("blamed", K::Text, "", "Blamed", "the manager the organisation's blame rule blames (by name)",
                       [](const R& r, const RunResult& run) -> Cell { return manager_name(run, r.blamed); }));
    v.push_back(col<R>("causes", K::Text, "", "Causes", "the causes recorded on the client's path, ';'-separated",
                       [](const R& r) -> Cell { return causes_text(r.causes); }));
    return v;
  }();
  return cols;
}

const std::vector<ColumnSpec<ManagerMonth>>& manager_month_columns() {
  static const std::vector<ColumnSpec<ManagerMonth>> cols = [] {
    using R = ManagerMonth;
    std::vector<ColumnSpec<R>> v;
    v.push_back(integer<R>("month", "", "Month", "the month that ended", [](const R& r) { return r.month; }));
    v.push_back(col<R>("manager", K::Text, "", "Manager", "the manager's name",
                       [](const R& r, const RunResult& run) -> Cell { return manager_name(run, r.manager); }));
    v.push_back(integer<R>("level", "", "Level", "the manager's level (0: the bottom)", [](const R& r) { return r.level; }));
    v.push_back(integer<R>("book_size", "clients", "Book", "clients the manager owns", [](const R& r) { return r.book_size; }));
    v.push_back(real<R>("book_value", "currency", "Book value", "value of the clients the manager owns",
                        [](const R& r) { return r.book_value; }));
    v.push_back(real<R>("year_new_business", "currency", "New business this review year", "value won since the last review",
                        [](const R& r) { return r.year_new_business; }));
    return v;
  }();
  return cols;
}

const std::vector<ColumnSpec<AccountRow>>& account_columns() {
  static const std::vector<ColumnSpec<AccountRow>> cols = [] {
    using R = AccountRow;
    std::vector<ColumnSpec<R>> v;
    v.push_back(integer<R>("account", "", "Account", "the account's number", [](const R& r) { return r.account; }));
    v.push_back(col<R>("state", K::Text, "", "State", "prospect (sparse networks only), active, notice or churned, at the end",
                       [](const R& r) -> Cell { return r.state; }));
    v.push_back(col<R>("source", K::Text, "", "Source", "how the client was truly won",
                       [](const R& r) -> Cell { return std::string(model::to_string(r.source)); }));
    v.push_back(col<R>("reported_source", K::Text, "", "Reported source", "how the organisation reports it was won",
                       [](const R& r) -> Cell { return std::string(model::to_string(r.reported_source)); }));
    v.push_back(integer<R>("owner", "", "Owner", "index of the owning manager (-1: none)", [](const R& r) { return r.owner; }));
    v.push_back(real<R>("value", "currency", "Value", "value at the end (or when lost)", [](const R& r) { return r.value; }));
    v.push_back(real<R>("satisfaction", "points (0-10)", "Satisfaction", "satisfaction at the end", [](const R& r) { return r.satisfaction; }));
    v.push_back(real<R>("expectation", "points (0-10)", "Expectation", "what the client expects, at the end",
                        [](const R& r) { return r.expectation; }));
    v.push_back(integer<R>("scars", "", "Scars", "ignored requests remembered (each lowers the satisfaction ceiling)",
                           [](const R& r) { return r.scars; }));
    v.push_back(real<R>("acquired_day", "days", "Day won", "day the client was won (negative: tenure before the start)",
                        [](const R& r) { return r.acquired_day; }));
    v.push_back(col<R>("churned_day", K::Real, "days", "Day lost", "day the client left (empty if it did not)",
                       [](const R& r) -> Cell { return r.churned_day >= 0 ? r.churned_day : kMissing; }));
    v.push_back(col<R>("causes", K::Text, "", "Causes", "the causes recorded on the client's path, ';'-separated",
                       [](const R& r) -> Cell { return causes_text(r.causes); }));
    return v;
  }();
  return cols;
}

const std::vector<ColumnSpec<AccountEvent>>& account_event_columns() {
  static const std::vector<ColumnSpec<AccountEvent>> cols = [] {
    using R = AccountEvent;
    std::vector<ColumnSpec<R>> v;
    v.push_back(real<R>("day", "days", "Day", "when it happened", [](const R& r) { return r.day; }));
    v.push_back(integer<R>("account", "", "Account", "the account's number", [](const R& r) { return r.account; }));
    v.push_back(col<R>("event", K::Text, "", "Event",
                       "acquired, request answered / answered late / ignored, silent problem, notice given, churned, contact "
                       "moved, met at conference, recovery meeting, no-contact order, won back by supervision",
                       [](const R& r) -> Cell { return r.what; }));
    v.push_back(real<R>("satisfaction", "points (0-10)", "Satisfaction", "the client's satisfaction just after",
                        [](const R& r) { return r.satisfaction; }));
    return v;
  }();
  return cols;
}

namespace {
const char* kind_name(K k) {
  switch (k) {
    case K::Integer: return "integer";
    case K::Real: return "real";
    case K::Boolean: return "true/false";
    case K::Text: return "text";
  }
  return "?";
}
template <class Row>
void section(std::string& o, const char* file, const char* per, const std::vector<ColumnSpec<Row>>& cols) {
  o += std::string("\n## `") + file + "`\n\nOne row per " + per + ", after `variant` and `replication`.\n\n";
  o += "| column | type | unit | meaning |\n|---|---|---|---|\n";
  for (const auto& c : cols)
    o += "| `" + c.name + "` | " + kind_name(c.kind) + " | " + c.unit + " | " + c.description + " |\n";
}
}  // namespace

std::string columns_markdown() {
  std::string o =
      "# Output columns\n\n"
      "Generated by `tenure schema --columns` from the column declarations "
      "(`engine/src/output/columns.cpp`); do not edit by hand. Every table starts with `variant` (the "
      "variant's name, `base` for the scenario itself) and `replication` (from 0). Missing values are "
      "empty cells in CSV and NaN in DataFrames. Currency is the unit of account values in the scenario.\n";
  section(o, "timeseries.csv", "month", month_columns());
  section(o, "managers.csv", "manager (everyone who held a position, hires included)", manager_columns());
  section(o, "lost.csv", "lost client", lost_columns());
  section(o, "accounts.csv", "account with a record, when the scenario sets `record_accounts: true`: every client; prospects never won only on a sparse network (on the complete graph a prospect is numbered when won)", account_columns());
  section(o, "manager_months.csv", "manager and month, when the scenario sets `record_managers: true`", manager_month_columns());
  section(o, "account_events.csv", "event on an account, with `accounts.csv`", account_event_columns());
  o += "\n## `runs.csv`\n\nOne row per run, after `variant` and `replication`: every summary metric (also the rows of "
       "`summary.json` and of the terminal's table) and `events`, the run's model events.\n\n"
       "| column | unit | meaning |\n|---|---|---|\n";
  for (const auto& m : metrics()) o += std::string("| `") + m.name + "` | " + m.unit + " | " + m.description + " |\n";
  o += "| `events` | events | model events processed in the run |\n";
  return o;
}

}  // namespace tenure::output
