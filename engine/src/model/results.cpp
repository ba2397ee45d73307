// Saving and loading a run's results in the binary encoding of core/bytes.hpp (checkpoints
// of finished replications, and the results so far inside a snapshot).
#include <type_traits>

#include "tenure/core/bytes.hpp"
#include "tenure/model/results.hpp"

namespace tenure::model {

static_assert(std::is_trivially_copyable_v<MonthRow>);

void save(core::ByteWriter& w, const ManagerRow& m) {
  w.str(m.name), w.str(m.strategy), w.pod(m.level), w.pod(m.new_business), w.pod(m.new_clients);
  w.pod(m.retained_value), w.pod(m.opening_value), w.pod(m.opening_clients), w.pod(m.retained_clients);
  w.pod(m.opening_client_years), w.pod(m.retention_rate), w.pod(m.referrals), w.pod(m.requests_answered), w.pod(m.requests_ignored);
  w.pod(m.requests_late), w.pod(m.requests_abandoned), w.pod(m.reviews), w.pod(m.promotions), w.pod(m.exited), w.str(name_of(m.exit_reason));
  w.pod(m.exit_day), w.pod(m.book_value), w.pod(m.book_size), w.pod(m.book_clv), w.pod(m.reputation);
  w.pod(m.blamed_value), w.pod(m.competence), w.pod(m.hunting_skill), w.pod(m.managing_skill), w.pod(m.reports);
  w.str(m.leader), w.pod(m.hunt_share);
}

namespace {
DepartureReason departure_reason(const core::ByteReader& rd, const std::string& text) {
  const auto reason = enum_from<DepartureReason>(text);
  if (!reason) rd.fail("unknown reason for leaving '" + text.substr(0, 40) + "'");
  return *reason;
}
}  // namespace

ManagerRow load_row(core::ByteReader& rd) {
  ManagerRow m;
  m.name = rd.str(), m.strategy = rd.str(), m.level = rd.pod<std::int64_t>(), m.new_business = rd.pod<double>();
  m.new_clients = rd.pod<std::int64_t>(), m.retained_value = rd.pod<double>(), m.opening_value = rd.pod<double>();
  m.opening_clients = rd.pod<std::int64_t>(), m.retained_clients = rd.pod<std::int64_t>();
  m.opening_client_years = rd.pod<double>(), m.retention_rate = rd.pod<double>(), m.referrals = rd.pod<std::int64_t>(), m.requests_answered = rd.pod<std::int64_t>();
  m.requests_ignored = rd.pod<std::int64_t>(), m.requests_late = rd.pod<std::int64_t>(), m.requests_abandoned = rd.pod<std::int64_t>(), m.reviews = rd.pod<std::int64_t>();
  m.promotions = rd.pod<std::int64_t>(), m.exited = rd.pod<bool>(), m.exit_reason = departure_reason(rd, rd.str()), m.exit_day = rd.pod<double>();
  m.book_value = rd.pod<double>(), m.book_size = rd.pod<std::int64_t>(), m.book_clv = rd.pod<double>();
  m.reputation = rd.pod<double>(), m.blamed_value = rd.pod<double>(), m.competence = rd.pod<double>();
  m.hunting_skill = rd.pod<double>(), m.managing_skill = rd.pod<double>(), m.reports = rd.pod<std::int64_t>();
  m.leader = rd.str(), m.hunt_share = rd.pod<double>();
  return m;
}

void save(core::ByteWriter& w, const RunResult& r) {
  w.pods(r.months);
  w.pod<std::uint64_t>(r.managers.size());
  for (const auto& m : r.managers) save(w, m);
  // Field by field: the row has padding, whose bytes are not part of the value.
  w.pod<std::uint64_t>(r.lost.size());
  for (const auto& l : r.lost)
    w.pod(l.account), w.pod(l.day), w.pod(l.value), w.pod(l.causes), w.pod<std::int64_t>(l.owner), w.pod<std::int64_t>(l.blamed);
  w.pod<std::uint64_t>(r.accounts.size());
  for (const auto& a : r.accounts) {
    w.pod(a.account), w.str(a.state), w.pod(a.source), w.pod(a.reported_source), w.pod(a.owner), w.pod(a.value);
    w.pod(a.satisfaction), w.pod(a.expectation), w.pod(a.scars), w.pod(a.acquired_day), w.pod(a.churned_day);
    w.pod(a.causes);
  }
  w.pod<std::uint64_t>(r.account_events.size());
  for (const auto& e : r.account_events) w.pod(e.day), w.pod(e.account), w.str(e.what), w.pod(e.satisfaction);
  w.pod<std::uint64_t>(r.manager_months.size());
  for (const auto& m : r.manager_months)
    w.pod(m.month), w.pod(m.manager), w.pod(m.level), w.pod(m.book_size), w.pod(m.book_value), w.pod(m.year_new_business);
  w.pod(r.events), w.pod(r.accounts_created), w.pod(r.lost_value);
}

RunResult load_result(core::ByteReader& rd) {
  RunResult r;
  r.months = rd.pods<MonthRow>();
  const auto nm = rd.count(rd.remaining());
  for (std::uint64_t i = 0; i < nm; ++i) r.managers.push_back(load_row(rd));
  r.lost.resize(rd.count(rd.remaining() / 36));
  for (auto& l : r.lost) {
    rd.pod(l.account), rd.pod(l.day), rd.pod(l.value), rd.pod(l.causes);
    const auto owner = rd.pod<std::int64_t>(), blamed = rd.pod<std::int64_t>();
    if (owner < -1 || owner > INT32_MAX || blamed < -1 || blamed > INT32_MAX) rd.fail("a lost account names a manager out of range");
    l.owner = static_cast<std::int32_t>(owner), l.blamed = static_cast<std::int32_t>(blamed);
  }
  const auto na = rd.count(rd.remaining());
  for (std::uint64_t i = 0; i < na; ++i) {
    AccountRow a;
    a.account = rd.pod<std::uint32_t>(), a.state = rd.str(), a.source = rd.pod<Source>();
    a.reported_source = rd.pod<Source>(), a.owner = rd.pod<std::int64_t>(), a.value = rd.pod<double>();
    a.satisfaction = rd.pod<double>(), a.expectation = rd.pod<double>(), a.scars = rd.pod<std::int64_t>();
    a.acquired_day = rd.pod<double>(), a.churned_day = rd.pod<double>(), a.causes = rd.pod<std::uint32_t>();
    r.accounts.push_back(std::move(a));
  }
  const auto ne = rd.count(rd.remaining());
  for (std::uint64_t i = 0; i < ne; ++i) {
    AccountEvent e{};
    e.day = rd.pod<double>(), e.account = rd.pod<std::uint32_t>(), e.what = rd.str(), e.satisfaction = rd.pod<double>();
    r.account_events.push_back(std::move(e));
  }
  r.manager_months.resize(rd.count(rd.remaining() / 44));
  for (auto& m : r.manager_months)
    rd.pod(m.month), rd.pod(m.manager), rd.pod(m.level), rd.pod(m.book_size), rd.pod(m.book_value), rd.pod(m.year_new_business);
  r.events = rd.pod<std::uint64_t>(), r.accounts_created = rd.pod<std::int64_t>(), r.lost_value = rd.pod<double>();
  return r;
}

}  // namespace tenure::model
