// Careers (docs/model.md, "Managers leaving", "Reviews and promotion", "Effectiveness"):
// managers quit, retire or are dismissed; their books are handed over (or follow them); the
// bottom is hired from outside at once, the levels above are filled by promotion at the annual
// review; whom the organisation blames for a lost account.
//
// Owns: the promotion policy, the hires and promotions made. Writes to managers: active,
// level, competence, passed_over, the year's and the retention records; to accounts through
// Shared::reassign and Shared::give_notice.
#pragma once

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "../organisation_view.hpp"
#include "../state.hpp"

namespace tenure::model {

struct Careers {
  Shared& s;
  explicit Careers(Shared& shared) : s(shared) {}

  std::unique_ptr<PromotionPolicy> policy;
  std::unique_ptr<BlameRule> blame_rule;
  std::uint64_t promotion_round = 0;
  std::uint64_t hires = 0;
  bool in_review = false;  // the annual review's promotions are being made
  // Someone left or joined since the teams were last formed: they are formed again at the
  // month's end (once, however many left), and after each review.
  bool teams_changed = false;
  // During a review, under a rule that picks the highest score (PromotionPolicy::
  // picks_highest_score): each level's candidates ranked once, by (score, then manager id),
  // and who joined them when (the number of vacancies filled from them so far), so that who
  // was passed over is settled once the promotions are made. Index: the level promoted to.
  struct Ranked {
    std::set<std::pair<double, std::uint32_t>> left;  // (-score, manager): the best first
    std::vector<std::pair<std::uint32_t, std::uint64_t>> joined;
    std::uint64_t fills = 0;
    bool built = false, unranked = false;  // unranked: a score was NaN (the rule's own pass is used)
  };
  std::vector<Ranked> ranked;

  // The policy comes from the parameters (a fork may change it).
  // The policy and the blame rule come from the parameters (a fork may change them).
  void equip() {
    policy = promotion_policies().create(s.p.organisation.promotion.name, s.p.organisation.promotion.params);
    blame_rule = blame_rules().create(s.p.organisation.blame.name, s.p.organisation.blame.params);
  }

  // Whom the organisation blames for the loss of account `a` (value `v`, `causes`): a manager's
  // id or -1, by the blame rule. A rule's draws are keyed by the account and the day.
  std::int64_t blame(std::uint32_t a, double v, std::uint32_t causes) {
    const std::uint32_t number = s.acc.rec[a].number;
    const LostRecord lost{number, v, causes, s.acc.rec[a].owner};
    const OrganisationReader<OrganisationView> org(s);
    const auto day = static_cast<std::uint64_t>(std::llround(s.now() * 16));
    core::Stream rng(core::StreamKey{s.seed, s.rep, number, Purpose("blame").id ^ core::mix64(day)});
    std::int64_t who = -1;
    try {
      who = blame_rule->blame(lost, org, rng);
    } catch (const std::exception& e) {
      // A rule of one's own that fails (a Python exception, with its traceback) stops the run.
      throw Error("blame rule '" + s.p.organisation.blame.name + "' failed for the loss of account " + std::to_string(a) +
                  " at day " + std::to_string(s.now()) + ":\n" + e.what());
    }
    if (who < -1 || who >= static_cast<std::int64_t>(s.managers.size()))
      throw Error("blame rule '" + s.p.organisation.blame.name + "' blamed manager " + std::to_string(who) +
                  " for the loss of account " + std::to_string(number) + ": expected a manager's id, 0 to " +
                  std::to_string(static_cast<std::int64_t>(s.managers.size()) - 1) + ", or -1 for nobody");
    return who;
  }

  // Exits at the month's end: each active manager quits at the exit hazard (raised after
  // being passed over).
  void month(double dt) {
    const auto mu = static_cast<std::uint64_t>(s.month);
    const std::size_t n = s.managers.size();
    for (std::size_t i = 0; i < n; ++i) {
      Manager& m = s.managers[i];
      if (!m.active) continue;
      m.age_days += dt;
      KeyedDraws d = s.draws(kManagerEntity + i, Purpose("exit"), mu);
      // People leave managers: the leader's managing skill moves the hazard (exit_mult).
      const double h = s.p.organisation.exit_rate * (m.passed_over ? s.p.organisation.passed_over_multiplier : 1.0) * m.exit_mult;
      if (d.uniform01() < 1.0 - std::exp(-h * dt)) depart(i, DepartureReason::Quit);
    }
    if (teams_changed) teams();
  }

  // A manager leaves: the manager-owned share of loyalty follows them, the rest of the book
  // is handed over, and the position is filled.
  void depart(std::size_t i, DepartureReason reason) {
    Manager& m = s.managers[i];
    m.active = false;
    m.row.exited = true;
    m.row.exit_reason = reason;
    m.row.exit_day = s.now();
    m.urgent = false;
    const std::int64_t level = m.level;
    // The partial year counts: what was still held, of the year's opening book, at departure.
    // At a review the review has just closed the year (until 2026-12 it was closed again here,
    // doubling the year's record of everyone dismissed or retired).
    if (!in_review) record_retention(m, retained_now(m));
    m.opening_value = 0;
    std::vector<std::uint32_t>().swap(m.opening_book);  // a departed manager keeps no book
    std::vector<std::uint32_t> book;
    book.swap(m.book);
    const bool follows = s.p.factor_on(Factor::ManagerExit) && reason == DepartureReason::Quit;
    s.leave(static_cast<std::uint32_t>(i));
    // A bottom vacancy is hired at once (which grows `managers`: no reference into it
    // survives); vacancies above wait for the annual review's promotions.
    if (level == 0) {
      std::vector<CandidateRecord> none;
      fill_vacancy(0, none);
    }
    teams_changed = true;
    auto& acc = s.acc;
    s.each_listed(book, [&](std::uint32_t a) {
      if (!s.served(a) || acc.rec[a].owner != static_cast<std::int32_t>(i)) return;
      KeyedDraws d = s.account_draws(a, Purpose("follow"), static_cast<std::uint64_t>(i));
      if (follows && acc.rec[a].state == State::Active && d.uniform01() < acc.rec[a].loyalty) {
        s.give_notice(a, 30.0, bit(Cause::ManagerExit));
        return;
      }
      s.reassign(a, s.least_loaded(level));
    });
  }

  std::size_t count_at(std::int64_t level) const { return s.members[static_cast<std::size_t>(level)].size(); }
  std::int64_t positions(std::int64_t level) const {
    const auto& pos = s.p.organisation.positions;
    return level < static_cast<std::int64_t>(pos.size()) ? pos[static_cast<std::size_t>(level)] : 0;
  }

  // Fills one vacancy at `level`: promotion from below by the policy, or an outside hire at
  // the bottom. A promotion opens a vacancy one level down, filled the same way.
  // `records` holds the review's snapshot of every manager's numbers, by manager id.
  void fill_vacancy(std::int64_t level, std::vector<CandidateRecord>& records) {
    auto& managers = s.managers;
    if (static_cast<std::int64_t>(count_at(level)) >= positions(level)) return;
    if (level == 0) {
      // During a review the bottom is hired once the promotions are made: the candidates are
      // the people in place at the review, not newcomers without a year's numbers.
      if (!in_review) hire();
      return;
    }
    if (in_review && policy->picks_highest_score() && fill_ranked(level, records)) return;
    std::vector<CandidateRecord> cands;
    for (std::uint32_t i : s.members[static_cast<std::size_t>(level - 1)])
      // Someone hired during this review has no numbers yet.
      cands.push_back(i < records.size() ? records[i] : CandidateRecord{i, 0, 0, 0, managers[i].competence, managers[i].managing});
    std::sort(cands.begin(), cands.end(), [](const auto& a, const auto& b) { return a.manager < b.manager; });
    if (cands.empty()) return;
    core::Stream rng(core::StreamKey{s.seed, s.rep, kGlobalEntity, Purpose("promotion").id + promotion_round});
    std::size_t pick = 0;
    try {
      pick = policy->choose(cands, promotion_round++, rng);
    } catch (const std::exception& e) {
      // A policy of one's own that fails (a Python exception, with its traceback) stops the run.
      throw Error("promotion policy " + s.p.organisation.promotion.name + " failed choosing among " +
                  std::to_string(cands.size()) + " candidates for level " + std::to_string(level) + " at day " +
                  std::to_string(s.now()) + ":\n" + e.what());
    }
    if (pick >= cands.size())
      throw Error("promotion policy " + s.p.organisation.promotion.name + " chose candidate " + std::to_string(pick) +
                  " of " + std::to_string(cands.size()) + " (expected 0 to " + std::to_string(cands.size() - 1) +
                  ") for level " + std::to_string(level) + " at day " + std::to_string(s.now()));
    const std::uint32_t id = cands[pick].manager;
    for (const auto& c : cands)
      if (c.manager != id) managers[c.manager].passed_over = true;
    promote(id, level, records);
  }

  // The vacancy at `level` from its ranked candidates (see Ranked): the same choice as the
  // rule's pass over them all. False when the level cannot be ranked (a NaN score).
  bool fill_ranked(std::int64_t level, std::vector<CandidateRecord>& records) {
    if (ranked.size() <= static_cast<std::size_t>(level)) ranked.resize(static_cast<std::size_t>(level) + 1);
    Ranked& r = ranked[static_cast<std::size_t>(level)];
    if (!r.built) {
      r.built = true;
      for (std::uint32_t i : s.members[static_cast<std::size_t>(level - 1)]) {
        const double sc = i < records.size() ? policy->score(records[i]) : std::nan("");
        if (std::isnan(sc)) r.unranked = true;
        r.left.emplace(-sc, i);
        r.joined.emplace_back(i, 0);
      }
    }
    if (r.unranked) return false;
    if (r.left.empty()) return true;  // nobody to promote (as the rule's pass with no candidates)
    const std::uint32_t id = r.left.begin()->second;
    r.left.erase(r.left.begin());
    ++r.fills;
    ++promotion_round;  // as the rule's pass: each promotion is a round
    promote(id, level, records);
    return true;
  }

  // `id` moves up to `level`: its competence at the new level, its book handed down, and the
  // vacancy it leaves filled in turn.
  void promote(std::uint32_t id, std::int64_t level, std::vector<CandidateRecord>& records) {
    auto& managers = s.managers;
    s.leave(id);
    s.join(id, level);
    Manager& m = managers[id];
    m.passed_over = false;
    ++m.row.promotions;
    KeyedDraws d = s.draws(kManagerEntity + id, Purpose("competence"), static_cast<std::uint64_t>(level));
    const OrganisationParams& o = s.p.organisation;
    if (o.competence_on_promotion == CompetenceRule::Redrawn) {
      // The skills that won the promotion need not serve the new job.
      m.competence = s.draw_competence(d, o.redraw_competence, o.redraw_competence_sd, o.redraw_spread);
    } else {
      const double change = o.competence_noise_spread == Spread::Uniform
                                ? o.competence_noise * std::sqrt(3.0) * (2 * d.uniform01() - 1)
                                : o.competence_noise * d.normal();
      m.competence = std::clamp(m.competence + change, o.competence_min, o.competence_max);
    }
    // Later promotions of this review rank the manager on the competence at the new level.
    if (id < records.size()) records[id].competence = m.competence;
    // Now a candidate for the level above, if that level is being ranked.
    if (in_review && static_cast<std::size_t>(level + 1) < ranked.size()) {
      Ranked& above = ranked[static_cast<std::size_t>(level + 1)];
      if (above.built) {
        const double sc = id < records.size() ? policy->score(records[id]) : std::nan("");
        if (std::isnan(sc)) above.unranked = true;
        above.left.emplace(-sc, id);
        above.joined.emplace_back(id, above.fills);
      }
    }
    hand_over_on_promotion(id, level - 1);
    if (s.world.manager_promoted.connected()) s.world.manager_promoted.emit(s.now(), id, level);
    fill_vacancy(level - 1, records);
  }

  // After a review's promotions: whoever was a ranked candidate when a vacancy was filled and
  // is still at the level below was passed over (as each pass of the rule would have said).
  void settle_ranked() {
    for (std::size_t level = 1; level < ranked.size(); ++level) {
      const Ranked& r = ranked[level];
      for (const auto& [id, fills_then] : r.joined)
        if (r.fills > fills_then && s.managers[id].level == static_cast<std::int64_t>(level) - 1) s.managers[id].passed_over = true;
    }
    ranked.clear();
  }

  void hire() {
    const std::string name = "hire-" + std::to_string(++hires);
    s.managers.push_back(s.make_manager(s.p.organisation.hire, name));
    s.join(static_cast<std::uint32_t>(s.managers.size() - 1), 0);
    Manager& m = s.managers.back();
    teams_changed = true;
    // Competence and age as organisation.hire spreads them (Shared::make_manager).
    snapshot_opening(m);
  }

  // The annual review: retention records, dismissals and retirements, then promotions from the
  // top level down.
  void on_review() {
    auto& managers = s.managers;
    s.prune_books();
    const std::vector<Retained> held = retained_all();
    for (std::size_t i = 0; i < managers.size(); ++i) {
      Manager& m = managers[i];
      if (!m.active) continue;
      ++m.row.reviews;
      record_retention(m, held[i]);
    }
    // Dismissal and retirement open vacancies before promotions fill them (the bottom's are
    // hired after the promotions).
    in_review = true;
    const std::size_t n = managers.size();
    for (std::size_t i = 0; i < n; ++i) {
      Manager& m = managers[i];
      if (!m.active) continue;
      if (m.age_days >= s.p.organisation.retirement_age * cal::kDaysPerYear) depart(i, DepartureReason::Retired);
      else if (m.competence < s.p.organisation.dismissal_threshold) depart(i, DepartureReason::Dismissed);
    }
    // One snapshot of the year's numbers serves every promotion of this review.
    std::vector<CandidateRecord> records(managers.size());
    // What each manager still holds of the opening book is what the retention records read
    // above: a departure hands over or loses only the leaver's clients, and the leavers rank on 0.
    const std::vector<double> values = s.book_values();
    for (std::uint32_t i = 0; i < managers.size(); ++i) {
      const Manager& m = managers[i];
      records[i] = {i, m.year_new, m.active && i < held.size() ? held[i].value : 0.0, values[i], m.competence, m.managing};
    }
    rank_by_the_rule(records);
    for (std::int64_t l = static_cast<std::int64_t>(s.p.organisation.positions.size()) - 1; l >= 1; --l)
      while (static_cast<std::int64_t>(count_at(l)) < positions(l)) {
        const std::size_t before = count_at(l);
        fill_vacancy(l, records);
        if (count_at(l) == before) break;  // nobody to promote
      }
    settle_ranked();
    in_review = false;
    while (static_cast<std::int64_t>(count_at(0)) < positions(0)) hire();
    teams();
    for (auto& m : managers) m.year_new = 0;
    snapshot_openings();
    s.decide_all(DecisionMoment::Review);
    if (s.now() + cal::kDaysPerYear <= s.p.horizon_days + 1e-9)
      s.sim.schedule_in(cal::kDaysPerYear, EventSpec{kReview, 0, 0, kPrioReview});
  }

  // Where each active manager stands among its level's by what the promotion rule rewards
  // (ManagerView::review_rank): 0 the lowest, 1 the highest, ties at their mean rank; alone at
  // a level, 0.5. NaN under a rule without a score.
  void rank_by_the_rule(const std::vector<CandidateRecord>& records) {
    auto& managers = s.managers;
    for (auto& m : managers) m.review_rank = m.rewarded_share = std::numeric_limits<double>::quiet_NaN();
    for (const auto& level : s.members) {
      std::vector<std::pair<double, std::uint32_t>> scored;
      for (const std::uint32_t i : level) {
        if (!managers[i].active) continue;
        const double sc = policy->score(records[i]);
        if (std::isnan(sc)) return;  // the rule has no score
        scored.emplace_back(sc, i);
      }
      std::sort(scored.begin(), scored.end());
      const double n = static_cast<double>(scored.size());
      for (std::size_t a = 0; a < scored.size();) {
        std::size_t b = a;
        while (b + 1 < scored.size() && scored[b + 1].first == scored[a].first) ++b;
        const double rank = n > 1 ? (0.5 * static_cast<double>(a + b)) / (n - 1) : 0.5;
        for (std::size_t k = a; k <= b; ++k) managers[scored[k].second].review_rank = rank;
        a = b + 1;
      }
      if (scored.empty()) continue;
      // The top scorer (the lowest id among ties): whose way of working the rule rewards.
      std::uint32_t top = scored.back().second;
      for (auto it = scored.rbegin(); it != scored.rend() && it->first == scored.back().first; ++it) top = std::min(top, it->second);
      for (const auto& [sc, i] : scored) managers[i].rewarded_share = managers[top].share;
    }
  }

  // A promoted manager hands over `promotion_handover` of the book (each client by its own
  // draw) to the least loaded at the level left: leading takes the time the book had.
  void hand_over_on_promotion(std::uint32_t id, std::int64_t below) {
    const double share = s.p.organisation.promotion_handover;
    if (share <= 0) return;
    s.prune_book(id);
    const std::vector<std::uint32_t> book = s.managers[id].book;
    for (const std::uint32_t a : book) {
      if (share < 1) {
        KeyedDraws d = s.account_draws(a, Purpose("promotion-handover"), promotion_round);
        if (d.uniform01() >= share) continue;
      }
      const std::int32_t to = s.least_loaded(below);
      if (to >= 0 && to != static_cast<std::int32_t>(id)) s.reassign(a, to);
    }
  }

  // Teams: each manager above the bottom leads some of the level below. A manager without a
  // leader (new, or whose leader left or moved up) joins the team with the fewest reports;
  // teams are then evened out (one report at a time, from the largest team to the smallest),
  // so they change no more than the levels do. Then what each leader makes of the team.
  void teams() {
    teams_changed = false;
    auto& managers = s.managers;
    const std::size_t levels = s.members.size();
    for (auto& m : managers) m.reports = 0;
    for (std::size_t l = 0; l + 1 < levels; ++l) {
      const auto& leaders = s.members[l + 1];
      std::vector<std::uint32_t> team_members = s.members[l];
      std::sort(team_members.begin(), team_members.end());
      auto valid = [&](const Manager& m) {
        return m.leader >= 0 && managers[static_cast<std::size_t>(m.leader)].active &&
               managers[static_cast<std::size_t>(m.leader)].level == static_cast<std::int64_t>(l + 1);
      };
      for (const std::uint32_t i : team_members)
        if (!valid(managers[i])) managers[i].leader = -1;
        else ++managers[static_cast<std::size_t>(managers[i].leader)].reports;
      if (leaders.empty()) continue;
      std::vector<std::uint32_t> sorted_leaders = leaders;
      std::sort(sorted_leaders.begin(), sorted_leaders.end());
      // Leaders by (team size, id): the first is the smallest team, the lowest id among equals;
      // the largest team is the lowest id at the largest size. A leader is re-filed whenever
      // its team changes, so each choice costs a logarithm, not a scan of every leader.
      std::set<std::pair<std::int32_t, std::uint32_t>> by_size;
      for (const auto j : sorted_leaders) by_size.emplace(managers[j].reports, j);
      auto resize = [&](std::uint32_t j, std::int32_t by) {
        by_size.erase({managers[j].reports, j});
        managers[j].reports += by;
        by_size.emplace(managers[j].reports, j);
      };
      for (const std::uint32_t i : team_members)
        if (managers[i].leader < 0) {
          const std::uint32_t j = by_size.begin()->second;
          managers[i].leader = static_cast<std::int32_t>(j);
          resize(j, +1);
        }
      // Even out: move the last-joined (highest id) report of the largest team to the smallest.
      // Each leader's team in id order (team_members is sorted), by the leader's rank.
      auto rank = [&](std::uint32_t j) {
        return static_cast<std::size_t>(std::lower_bound(sorted_leaders.begin(), sorted_leaders.end(), j) - sorted_leaders.begin());
      };
      if (by_size.rbegin()->first - by_size.begin()->first <= 1) continue;  // even already
      std::vector<std::vector<std::uint32_t>> team(sorted_leaders.size());
      for (const std::uint32_t i : team_members) team[rank(static_cast<std::uint32_t>(managers[i].leader))].push_back(i);
      for (;;) {
        const std::int32_t most = by_size.rbegin()->first;
        const std::uint32_t big = by_size.lower_bound({most, 0})->second, small = by_size.begin()->second;
        if (most - managers[small].reports <= 1) break;
        auto& from = team[rank(big)];
        auto& to = team[rank(small)];
        const std::uint32_t moved = from.back();
        from.pop_back();
        to.insert(std::upper_bound(to.begin(), to.end(), moved), moved);
        managers[moved].leader = static_cast<std::int32_t>(small);
        resize(big, -1);
        resize(small, +1);
      }
    }
    team_effects();
  }

  // What each leader makes of the team, from the leaders' managing skill and team sizes.
  void team_effects() {
    const OrganisationParams& o = s.p.organisation;
    for (std::size_t i = 0; i < s.managers.size(); ++i) {
      Manager& m = s.managers[i];
      const double lead = m.hours > 0 ? m.reports * o.leading_hours_per_report / m.hours : 0.0;
      m.lead_share = std::clamp(lead, 0.0, 0.9);
      if (m.active && m.leader >= 0) {
        const double skill = s.managers[static_cast<std::size_t>(m.leader)].managing;
        m.coach = std::min(1.0, o.coaching * skill);
        m.follow_up = std::min(1.0, o.follow_up * skill);
        m.exit_mult = std::exp(-o.team_exit_weight * (skill - 1.0));
        m.speed = std::clamp(1.0 - o.coaching_speed * (skill - 1.0), 0.5, 1.5);
      } else {
        m.coach = 0, m.follow_up = 0, m.exit_mult = 1, m.speed = 1;
      }
      if (m.active) s.refresh_service_days(m);
    }
  }

  // Whether opening-book entry `a` of manager `id` is still its client. A record released
  // since the opening (Shared::release_records) may hold a client won after it: the one in the
  // opening book was served at the opening, so it was won by then, and the record was freed
  // only after it left, which came after the opening.
  bool held_since_opening(const Manager& m, std::int32_t id, std::uint32_t a) const {
    const Account& x = s.acc.rec[a];
    return s.served(a) && x.owner == id && x.acquired <= m.opening_day;
  }
  // What is still held of the opening book: its value and its clients, in one walk.
  struct Retained {
    double value = 0;
    std::int64_t clients = 0;
  };
  void add_held(Retained& r, const Manager& m, std::size_t id, std::uint32_t a) const {
    if (held_since_opening(m, static_cast<std::int32_t>(id), a)) r.value += s.acc.rec[a].value, ++r.clients;
  }
  Retained retained_now(const Manager& m) const {
    const auto id = static_cast<std::size_t>(&m - s.managers.data());
    Retained r;
    s.each_listed(m.opening_book, [&](std::uint32_t a) { add_held(r, m, id, a); });
    return r;
  }
  // retained_now() of every active manager (nothing for those who left), in one walk over
  // every opening book.
  std::vector<Retained> retained_all() const {
    const auto& managers = s.managers;
    std::vector<Retained> r(managers.size());
    static const std::vector<std::uint32_t> none;
    s.each_in_lists(
        managers.size(), [&](std::size_t i) -> const std::vector<std::uint32_t>& { return managers[i].active ? managers[i].opening_book : none; },
        [&](std::size_t i, std::uint32_t a) { add_held(r[i], managers[i], i, a); }, [](std::size_t) {});
    return r;
  }
  // Closes a retention period (a review year, or the part of one before a departure), with
  // what is still held of the opening book.
  void record_retention(Manager& m, const Retained& held) {
    // Exposure: each opening client for the part of a year the period lasted. A period cut
    // short by a departure loses fewer clients, and counts for less.
    m.row.opening_client_years +=
        static_cast<double>(m.opening_book.size()) * std::max(0.0, s.now() - m.opening_day) / cal::kDaysPerYear;
    m.row.retained_value += held.value;
    m.row.opening_value += m.opening_value;
    m.row.retained_clients += held.clients;
    m.row.opening_clients += static_cast<std::int64_t>(m.opening_book.size());
  }
  // The book at the start of a retention period: of one manager (hired), or of every manager
  // (at the review's end, in one walk over every book).
  void start_opening(Manager& m) {
    m.opening_book.clear();
    m.opening_day = s.now();
    m.opening_value = 0;
  }
  void add_opening(Manager& m, std::size_t id, std::uint32_t a) {
    if (s.in_book(id, a)) {
      m.opening_book.push_back(a);
      m.opening_value += s.acc.rec[a].value;
    }
  }
  void snapshot_opening(Manager& m) {
    start_opening(m);
    const auto id = static_cast<std::size_t>(&m - s.managers.data());
    s.each_listed(m.book, [&](std::uint32_t a) { add_opening(m, id, a); });
  }
  void snapshot_openings() {
    auto& managers = s.managers;
    for (auto& m : managers) start_opening(m);
    s.each_in_lists(
        managers.size(), [&](std::size_t i) -> const std::vector<std::uint32_t>& { return managers[i].book; },
        [&](std::size_t i, std::uint32_t a) { add_opening(managers[i], i, a); }, [](std::size_t) {});
  }

  // Responsibility-weighted competence by level (Pluchino, Rapisarda and Garofalo 2010).
  double effectiveness() const {
    double num = 0, den = 0;
    const auto& w = s.p.organisation.responsibility;
    for (std::size_t l = 0; l < s.p.organisation.positions.size(); ++l) {
      const double wl = l < w.size() ? w[l] : 1.0;
      den += wl * static_cast<double>(s.p.organisation.positions[l]);
      for (const auto& m : s.managers)
        if (m.active && m.level == static_cast<std::int64_t>(l)) num += wl * m.competence;
    }
    return den > 0 ? num / den : 0.0;
  }
};

}  // namespace tenure::model
