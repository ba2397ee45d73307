// What one run of the model records: a row per month, per manager, per lost account, and
// optionally per account. The world fills them as it runs; its signals (World::account_churned
// and the others) are for further observers, not for these.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "tenure/model/params.hpp"

namespace tenure::core {
class ByteWriter;
class ByteReader;
}  // namespace tenure::core

namespace tenure::model {

enum class Source : std::uint8_t { Initial, Outreach, Referral, WordOfMouth, JobMove, Event };
inline constexpr int kSourceCount = 6;
const char* to_string(Source s);

// Causes on a lost account's path; bit i of a cause mask is Cause i.
enum class Cause : std::uint8_t {
  IgnoredRequest, LateResponse, SupportCut, MarketStress, Competitor, QuarterEnd,
  NoContactOrder, ManagerExit, RushedDeal, Handoff
};
inline constexpr int kCauseCount = 10;
const char* to_string(Cause c);

struct MonthRow {
  std::int64_t month = 0;
  std::int64_t active_accounts = 0;
  std::int64_t prospects = 0;
  double value = 0;           // sum of active (and under-notice) account value
  double revenue = 0;         // margin x value over the month, less the month's discounts
  double discounts = 0;       // quarter-end discounts given on the month's rushed deals (revenue units)
  double rushed_revenue = 0;  // margin x value over the month of clients won by a rushed deal, in their first year
  double handoff_loss = 0;    // value lost when accounts changed hands in the month
  double new_business = 0;    // value acquired in the month
  std::int64_t new_clients = 0;
  std::array<double, kSourceCount> new_by_source{};           // true source
  std::array<double, kSourceCount> new_by_reported_source{};  // as the organisation reports it
  double churned_value = 0;
  std::int64_t churned = 0;
  std::array<double, kCauseCount + 1> churned_by_cause{};  // last slot: no recorded cause
  double mean_satisfaction = 0;
  std::int64_t promoters = 0, detractors = 0;  // clients who talk well or badly, at the month's end
  std::int64_t open_requests = 0;
  std::int64_t requests = 0;
  std::int64_t ignored_requests = 0;
  double mean_response_days = 0;
  std::int64_t answered_requests = 0;  // answers given in the month (those mean_response_days averages)
  std::int64_t abandoned_requests = 0;  // requests whose client gave up waiting in the month
  double support_capacity = 0;  // support staff on duty
  std::int64_t regime = 0;
  double stress = 0;
  double effectiveness = 0;
  std::int64_t managers = 0;
};

struct ManagerRow {
  // What requests and wins count, first: a run keeps the row inside the manager's record, just
  // after what a request reads (model/state.hpp, Manager).
  std::int64_t requests_answered = 0;
  std::int64_t requests_ignored = 0;
  std::int64_t requests_late = 0;
  std::int64_t requests_abandoned = 0;
  double new_business = 0;
  std::int64_t new_clients = 0;
  std::int64_t referrals = 0;
  std::string name;
  std::string strategy;  // "time/service/pressure"
  std::int64_t level = 0;
  double retained_value = 0;  // summed over review years
  double opening_value = 0;   // summed over review years
  std::int64_t opening_clients = 0;   // summed over review years
  std::int64_t retained_clients = 0;  // of those, still held at the year's end
  double opening_client_years = 0;  // exposure: opening clients x the share of a year each period lasted
  double retention_rate = 0;  // 1 - (opening_clients - retained_clients) / opening_client_years
  std::int64_t reviews = 0;
  std::int64_t promotions = 0;
  bool exited = false;
  DepartureReason exit_reason = DepartureReason::None;
  double exit_day = -1;
  double book_value = 0;
  std::int64_t book_size = 0;
  double book_clv = 0;      // lifetime value of the book at the manager's retention rate
  double reputation = 0;    // value-weighted satisfaction of the book
  double blamed_value = 0;  // lost value the organisation's rule blames on this manager
  double competence = 0;
  double hunting_skill = 0, managing_skill = 0;
  std::int64_t reports = 0;  // managers led at the end
  std::string leader;        // the manager's leader at the end (empty: none)
  double hunt_share = 0;     // the share of time its strategy last decided to hunt (outside urgency)
};

// 32 bytes, no padding: a run keeps one per client lost (1.4 million at 1e6 clients over ten
// years). Saved field by field, owner and blamed as 64-bit (results.cpp).
struct LostAccount {
  std::uint32_t account = 0;
  std::uint32_t causes = 0;  // Cause bit mask
  double day = 0;
  double value = 0;
  std::int32_t owner = -1;   // manager index, -1: none
  std::int32_t blamed = -1;  // manager index, -1: nobody
};

struct AccountRow {
  std::uint32_t account = 0;
  std::string state;
  Source source = Source::Initial;
  Source reported_source = Source::Initial;
  std::int64_t owner = -1;
  double value = 0;
  double satisfaction = 0;
  double expectation = 0;
  std::int64_t scars = 0;
  double acquired_day = -1;
  double churned_day = -1;
  std::uint32_t causes = 0;
};

struct AccountEvent {
  double day;
  std::uint32_t account;
  std::string what;
  double satisfaction;
};

// A manager's book at a month's end (when record_managers).
struct ManagerMonth {
  std::int64_t month = 0;
  std::uint32_t manager = 0;
  std::int64_t level = 0;
  std::int64_t book_size = 0;
  double book_value = 0;
  double year_new_business = 0;  // won since the last review
};

struct RunResult {
  std::vector<MonthRow> months;
  std::vector<ManagerRow> managers;
  std::vector<LostAccount> lost;
  std::vector<AccountRow> accounts;        // when record_accounts
  std::vector<AccountEvent> account_events;  // when record_accounts
  std::vector<ManagerMonth> manager_months;  // when record_managers
  std::uint64_t events = 0;
  std::int64_t accounts_created = 0;
  double lost_value = 0;  // value of every account lost over the run
};

// Results in the binary encoding of core/bytes.hpp, for checkpoints and snapshots. Loading
// throws tenure::Error on damaged bytes.
void save(core::ByteWriter& w, const ManagerRow& row);
ManagerRow load_row(core::ByteReader& r);
void save(core::ByteWriter& w, const RunResult& result);
RunResult load_result(core::ByteReader& r);

}  // namespace tenure::model
