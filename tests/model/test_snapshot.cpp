// Snapshot and fork: a world saved part-way and restored runs on to exactly the results of
// the uninterrupted run (compared as bytes); forks share the past and differ after it; what a
// fork cannot absorb, and damaged snapshots, are refused with reasons.
#include <catch2/catch.hpp>

#include <cstring>
#include <limits>

#include "helpers.hpp"
#include "tenure/core/bytes.hpp"
#include "tenure/core/time.hpp"
#include "tenure/scenario/experiment.hpp"

using namespace tenure;
using tenure::testing::scenario_path;
using tenure::testing::small_params;
using tenure::testing::variant;

namespace {
// A run's results as bytes; compared through first_difference() so that a failure says where.
std::string bytes_of(const model::RunResult& r) {
  core::ByteWriter w;
  model::save(w, r);
  return w.take();
}
std::string first_difference(const std::string& a, const std::string& b) {
  if (a == b) return "identical";
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return "differ at byte " + std::to_string(i) + " of " + std::to_string(a.size()) + "/" + std::to_string(b.size());
}

// Runs to `day`, saves, restores under `params` and runs on.
model::RunResult via_snapshot(const model::ModelParams& saved_with, const model::ModelParams& params, double day,
                              std::uint64_t seed, std::uint64_t rep) {
  model::World w(saved_with, seed, rep);
  w.run_to(day);
  const std::string state = w.save();
  auto back = model::World::restore(params, state);
  CHECK(back->now() == day);
  return back->run();
}
}  // namespace

TEST_CASE("Snapshot: restoring and running on gives the uninterrupted run's results, byte for byte",
          "[snapshot][reliability]") {
  // what_the_firm_rewards: learning managers, whose state (strategies' memory, review ranks)
  // the snapshot must carry.
  for (const char* name :
       {"ann_vs_darren", "covert_farmer", "market_shock", "quarter_end_pressure", "caught_between", "what_the_firm_rewards"}) {
    const auto sc = scenario::load(scenario_path(name));
    const model::ModelParams& p = sc.base;
    const std::string whole = bytes_of(model::simulate(p, 11, 3));
    for (double frac : {0.0, 0.37, 0.5, 1.0}) {
      const double day = frac * p.horizon_days;
      INFO(name << " at day " << day);
      CHECK(first_difference(bytes_of(via_snapshot(p, p, day, 11, 3)), whole) == "identical");
    }
  }
  // Supervision, orders, conferences and a sparse network, all pending at the snapshot.
  auto p = small_params();
  p.supervision.enabled = true;
  p.orders = {{200, model::OrderKind::CutSupport, 0.5, -1, -1}, {400, model::OrderKind::NoContact, 0, -1, -1}};
  p.service.support_staff = 2;
  p.conferences = {model::ConferenceParams{300}};
  p.network.generator = {"small_world", {}};
  const std::string whole = bytes_of(model::simulate(p, 5, 0));
  for (double day : {1.0, 199.9, 200.0, 300.0, 500.0}) {
    INFO("small world at day " << day);
    CHECK(first_difference(bytes_of(via_snapshot(p, p, day, 5, 0)), whole) == "identical");
  }
}

TEST_CASE("Careers: clients following a departed manager are served by nobody during their notice",
          "[snapshot][careers]") {
  // A manager who quits takes the loyal part of the book: those clients give 30 days' notice
  // and keep the leaver as their owner (losses and blame name them). Their requests must not
  // be answered by the departed manager (whose cached service times a restore rebuilds), so a
  // save just after a day's events and a restore give the uninterrupted run. This seed and
  // size had a client's request answered by a departed manager in 1.73 days straight through
  // and 1.93 days after a restore (session 12's find).
  const auto sc = scenario::load(scenario_path("what_the_firm_rewards"));
  model::ModelParams p = sc.base;
  p.accounts.initial_active = 120;
  p.accounts.initial_prospects = 600;
  const std::string whole = bytes_of(model::simulate(p, 21, 4));
  for (double day : {calendar::months(36), std::nextafter(calendar::months(36), 1e9), calendar::months(20) + 0.5}) {
    INFO("day " << day);
    CHECK(first_difference(bytes_of(via_snapshot(p, p, day, 21, 4)), whole) == "identical");
  }
  // Those clients exist in this run: managers quit, and some clients followed them.
  const auto r = model::simulate(p, 21, 4);
  std::int64_t quits = 0, followed = 0;
  for (const auto& m : r.managers) quits += m.exited && m.exit_reason == model::DepartureReason::Quit;
  for (const auto& l : r.lost) followed += (l.causes & (1u << static_cast<int>(model::Cause::ManagerExit))) != 0;
  CHECK(quits > 0);
  CHECK(followed > 0);
}

TEST_CASE("Snapshot: the same state gives the same bytes, and a restored world saves the same bytes",
          "[snapshot][determinism]") {
  const auto sc = scenario::load(scenario_path("caught_between"));
  model::World a(sc.base, 3, 1), b(sc.base, 3, 1);
  a.run_to(500), b.run_to(500);
  const std::string s = a.save();
  CHECK(first_difference(s, b.save()) == "identical");
  CHECK(first_difference(model::World::restore(sc.base, s)->save(), s) == "identical");
  // Snapshots of a snapshot: saved twice along the way, the end is still the same.
  auto c = model::World::restore(sc.base, s);
  c->run_to(900);
  auto d = model::World::restore(sc.base, c->save());
  CHECK(first_difference(bytes_of(d->run()), bytes_of(model::simulate(sc.base, 3, 1))) == "identical");
}

TEST_CASE("Fork: variants share everything before the snapshot and their random numbers after it",
          "[snapshot][fork]") {
  const auto sc = scenario::load(scenario_path("market_shock"));
  const double shock = sc.base.market.shocks.at(0).start;
  scenario::RunOptions o;
  o.replications = 4;
  o.threads = 2;
  const auto snap = scenario::take_snapshot(sc, "base", shock, o);
  REQUIRE(snap.states.size() == 4);
  // The file format round-trips.
  const std::string file = scenario::encode(snap);
  const auto back = scenario::decode(file, "shock.snap");
  CHECK(scenario::encode(back) == file);

  // At the shock, before its events: try supervision, or not cutting support.
  o.variants = {"base", "supervised", "no_support_cut"};
  const auto forked = scenario::fork(scenario::scenario_of(back), back, o);
  o.threads = 1;
  const auto forked1 = scenario::fork(sc, back, o);
  const auto whole = scenario::run(sc, o);  // uninterrupted, the same three variants
  const auto months_before = static_cast<std::size_t>(shock / tenure::calendar::kDaysPerMonth);
  double gap_cut = 0, gap_sup = 0;
  for (std::size_t r = 0; r < 4; ++r) {
    // Continuing the base is the uninterrupted base, and thread counts do not matter.
    CHECK(first_difference(bytes_of(forked.results[0][r]), bytes_of(whole.results[0][r])) == "identical");
    for (std::size_t v = 0; v < 3; ++v) CHECK(first_difference(bytes_of(forked.results[v][r]), bytes_of(forked1.results[v][r])) == "identical");
    // A fork's past is the base's past.
    for (std::size_t v = 1; v < 3; ++v)
      for (std::size_t m = 0; m + 1 < months_before; ++m) {
        CHECK(forked.results[v][r].months[m].value == forked.results[0][r].months[m].value);
        CHECK(forked.results[v][r].months[m].churned == forked.results[0][r].months[m].churned);
      }
    gap_cut += forked.results[0][r].lost_value - forked.results[2][r].lost_value;
    gap_sup += std::abs(forked.results[0][r].lost_value - forked.results[1][r].lost_value);
  }
  CHECK(gap_cut > 0);  // cutting support loses value
  CHECK(gap_sup > 0);  // supervision from the shock on changes the outcome
}

TEST_CASE("Fork: a changed request rate redraws pending requests and keeps the invariants", "[snapshot][fork]") {
  auto p = small_params();
  auto q = p;
  q.service.problem_rate *= 3;  // a higher thinning bound: pending candidates are redrawn
  const auto a = via_snapshot(p, q, 200, 9, 0);
  const auto b = via_snapshot(p, q, 200, 9, 0);
  CHECK(first_difference(bytes_of(a), bytes_of(b)) == "identical");
  const auto base = model::simulate(p, 9, 0);
  std::int64_t req_a = 0, req_base = 0;
  for (std::size_t m = 8; m < a.months.size(); ++m) req_a += a.months[m].requests, req_base += base.months[m].requests;
  // Three times the problems; more of them go unvoiced as satisfaction falls, so requests at
  // least one and a half times as many (without the redraw the bound would be broken: an error).
  CHECK(req_a > 3 * req_base / 2);
  // A strategy change for a manager after the snapshot is reported under its new name.
  auto s = p;
  s.managers[0].service = {"neglectful", {}};
  const auto c = via_snapshot(p, s, 200, 9, 0);
  CHECK(c.managers[0].strategy == "hunter/neglectful/calm");
}

TEST_CASE("Fork: changes to the past or to the world's make-up are refused with every reason",
          "[snapshot][fork]") {
  auto p = small_params();
  p.orders = {{100, model::OrderKind::CutSupport, 0.5, -1, -1}};
  p.service.support_staff = 2;
  model::World w(p, 1, 0);
  w.run_to(200);
  const std::string state = w.save();

  auto q = p;
  q.accounts.initial_active = 101;
  q.orders[0].fraction = 0.3;     // an order that already happened
  q.horizon_days += 100;          // longer than the schedules that were made
  try {
    model::World::restore(q, state);
    FAIL("the fork should have been refused");
  } catch (const Error& e) {
    const std::string msg = e.what();
    CHECK(msg.find("accounts.initial_active is 100 in the snapshot but 101 here") != std::string::npos);
    CHECK(msg.find("orders or conferences before the snapshot day differ") != std::string::npos);
    CHECK(msg.find("the horizon is extended") != std::string::npos);
  }
  // A new order after the snapshot day is fine.
  auto later = p;
  later.orders.push_back({300, model::OrderKind::NoContact, 0, -1, -1});
  CHECK_NOTHROW(model::World::restore(later, state)->run());
}

TEST_CASE("Snapshot: damaged or foreign bytes are an error, never a crash", "[snapshot][reliability]") {
  auto p = small_params();
  model::World w(p, 1, 0);
  w.run_to(100);
  const std::string state = w.save();
  for (std::size_t cut : {std::size_t{0}, std::size_t{5}, state.size() / 3, state.size() / 2, state.size() - 1})
    CHECK_THROWS_AS(model::World::restore(p, state.substr(0, cut)), Error);
  CHECK_THROWS_AS(model::World::restore(p, state + "x"), Error);
  CHECK_THROWS_AS(scenario::decode("not a snapshot", "x.snap"), Error);
  // A state in an older format is refused as such, not as damage.
  std::string older = state;
  REQUIRE(older.rfind("TENURE-WORLD-", 0) == 0);
  older[13] = older[13] == '1' ? '0' : '1';
  CHECK_THROWS_WITH(model::World::restore(p, older, "old.snap"), Catch::Contains("another version of tenure"));
  // Flipped bytes: either refused or a world that still keeps its invariants to the end.
  for (std::size_t i = 20; i < state.size(); i += state.size() / 97) {
    std::string bad = state;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    try {
      model::World::restore(p, bad)->run();
    } catch (const Error&) {
    }
  }
}

TEST_CASE("Snapshot: a clock outside the saved run is damage, refused before anything is sized from it",
          "[snapshot][reliability]") {
  // Found by fuzz_snapshot: a forged negative day made the room reserved for arriving prospects
  // an out-of-range cast (undefined behaviour under UBSan).
  auto p = small_params();
  p.accounts.prospect_arrival_rate = 0.5;
  model::World w(p, 1, 0);
  w.run_to(100.5);
  const std::string state = w.save();
  const double day = w.now();
  std::string clock(sizeof day, '\0');
  std::memcpy(clock.data(), &day, sizeof day);
  const std::size_t at = state.find(clock);
  REQUIRE(at != std::string::npos);
  for (double forged : {-5.56e263, -1.0, 1e300, std::numeric_limits<double>::quiet_NaN()}) {
    std::string bad = state;
    std::memcpy(bad.data() + at, &forged, sizeof forged);
    CHECK_THROWS_AS(model::World::restore(p, bad), Error);
  }
}

TEST_CASE("Managers' months: recorded at each month's end without changing the run, and carried by snapshots",
          "[snapshot][output]") {
  auto p = small_params();
  const model::RunResult plain = model::simulate(p, 4, 2);
  p.record_managers = true;
  const model::RunResult recorded = model::simulate(p, 4, 2);
  // The same run: every other record is byte for byte the plain run's.
  model::RunResult stripped = recorded;
  stripped.manager_months.clear();
  CHECK(first_difference(bytes_of(stripped), bytes_of(plain)) == "identical");
  // A row per active manager per month, with the book the manager owns.
  REQUIRE(!recorded.manager_months.empty());
  std::int64_t active_months = 0;
  for (const auto& m : recorded.months) active_months += m.managers;
  CHECK(static_cast<std::int64_t>(recorded.manager_months.size()) == active_months);
  for (const auto& mm : recorded.manager_months) {
    CHECK(mm.manager < recorded.managers.size());
    CHECK(mm.book_size >= 0);
    CHECK((mm.book_size > 0) == (mm.book_value > 0));
  }
  // Saved mid-run and restored: the same rows.
  CHECK(first_difference(bytes_of(via_snapshot(p, p, 300, 4, 2)), bytes_of(recorded)) == "identical");
}

TEST_CASE("Steps: a run played a quarter at a time, one spec per manager, gives the uninterrupted run byte for byte",
          "[snapshot][room]") {
  // The workshop's room plays quarters by saving and restoring every world; nobody moving a
  // lever must leave the results exactly as a plain run's.
  for (const char* name : {"market_shock", "what_the_firm_rewards"}) {
    const auto sc = scenario::load(scenario_path(name), {"accounts.initial_active=120", "accounts.initial_prospects=600"});
    const model::ModelParams& p = sc.base;
    const model::ModelParams one = model::one_spec_per_manager(p);
    std::int64_t managers = 0;
    for (const auto& m : p.managers) managers += m.count;
    REQUIRE(one.managers.size() == static_cast<std::size_t>(managers));
    scenario::RunOptions o;
    o.replications = 2;
    o.first_replication = 4;
    o.threads = 2;
    scenario::Steps at;
    const double quarter = 3 * calendar::kDaysPerMonth;
    int quarters = 0;
    for (double day = quarter; day <= p.horizon_days + 1e-9; day += quarter, ++quarters) {
      at = scenario::step(one, 21, at, std::min(day, p.horizon_days), o);
      REQUIRE(at.so_far.size() == 2);
    }
    CHECK(quarters >= 8);
    if (at.day < p.horizon_days) at = scenario::step(one, 21, at, p.horizon_days, o);
    for (std::size_t r = 0; r < 2; ++r) {
      INFO(name << " replication " << r + 4);
      CHECK(first_difference(bytes_of(at.so_far[r]), bytes_of(model::simulate(p, 21, r + 4))) == "identical");
    }
    // What a step shows so far is the run cut at that day.
    scenario::Steps first = scenario::step(one, 21, {}, quarter, o);
    model::ModelParams cut = p;
    cut.horizon_days = quarter;
    CHECK(first_difference(bytes_of(first.so_far[1]), bytes_of(model::simulate(cut, 21, 5))) == "identical");
  }
}

TEST_CASE("Steps: a lever changed for one quarter changes only what follows it", "[snapshot][room]") {
  const auto sc = scenario::load(scenario_path("market_shock"), {"accounts.initial_active=120", "accounts.initial_prospects=600"});
  const model::ModelParams one = model::one_spec_per_manager(sc.base);
  scenario::RunOptions o;
  o.replications = 2;
  o.threads = 1;
  const double quarter = 3 * calendar::kDaysPerMonth;
  const scenario::Steps q1 = scenario::step(one, 5, {}, quarter, o);
  model::ModelParams hunt = one;
  hunt.managers[0].time.params["hunt_share"] = 0.95;
  const scenario::Steps same = scenario::step(one, 5, q1, 2 * quarter, o);
  const scenario::Steps moved = scenario::step(hunt, 5, q1, 2 * quarter, o);
  CHECK(moved.so_far[0].months.size() == same.so_far[0].months.size());
  // The quarter's last month end is the next quarter's first decision (as in a fork at that
  // day): the months before it are the past, and do not change.
  for (std::size_t m = 0; m < 2; ++m) {
    INFO("month row " << m << " of " << q1.so_far[0].months.size() << " in the first quarter");
    CHECK(moved.so_far[0].months[m].new_business == same.so_far[0].months[m].new_business);
  }
  CHECK(moved.so_far[0].managers[0].new_business != same.so_far[0].managers[0].new_business);
  CHECK_THROWS_WITH(scenario::step(one, 5, q1, quarter / 2, o), Catch::Contains("outside day"));
}

TEST_CASE("Saved state: the checksum is CRC-32 (ISO-HDLC), so files written before still read", "[snapshot]") {
  // The standard check value, and a large buffer against the byte-wise definition (reflected
  // polynomial 0xEDB88320), which is what files of earlier builds carry.
  CHECK(core::crc32("123456789") == 0xCBF43926u);
  CHECK(core::crc32("") == 0u);
  std::string big(100003, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 13);
  std::uint32_t c = 0xFFFFFFFFu;
  for (const unsigned char b : big) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  CHECK(core::crc32(big) == (c ^ 0xFFFFFFFFu));
  const std::string sealed = core::with_crc32(big);
  CHECK(core::crc32_matches(sealed));
  std::string damaged = sealed;
  damaged[5000] ^= 1;
  CHECK_FALSE(core::crc32_matches(damaged));
}
