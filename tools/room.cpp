// The workshop's room: seats, quarters, rewinds and the debrief (room.hpp).
#include "room.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "tenure/core/error.hpp"
#include "tenure/core/time.hpp"
#include "tenure/model/components.hpp"
#include "tenure/output/output.hpp"
#include "workshop.hpp"

namespace tenure::workshop {

namespace {

using Json = nlohmann::ordered_json;
constexpr double kMonth = calendar::kDaysPerMonth;
// The most work a quarter, or a debrief's counterfactual replays, may ask for (as a workshop
// query: about half a minute of this machine's cores).
constexpr double kMaxEvents = 1e9;

// A code trainees can read off a projector and type: no 0/O, 1/I.
std::string random_text(std::size_t n, std::string_view alphabet) {
  std::random_device rd;  // the room's secrets, not the simulation's numbers
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += alphabet[pick(rd)];
  return s;
}

Json interval(const std::vector<double>& x) {
  const auto iv = output::mean_ci(x);
  return {{"mean", iv.mean}, {"low", iv.low}, {"high", iv.high}};
}

double mean(const std::vector<double>& x) {
  double s = 0;
  for (double v : x) s += v;
  return x.empty() ? std::nan("") : s / static_cast<double>(x.size());
}

}  // namespace

Room::Room(RoomOptions o) : o_(std::move(o)) {
  if (o_.replications < 2 || o_.replications > 1000) throw Error("room: replications: expected 2 to 1000");
  if (o_.months_per_step < 1 || o_.months_per_step > 12) throw Error("room: months per step: expected 1 to 12");
  sc_ = scenario::load(o_.file, o_.sets);
  const model::ModelParams* p = o_.variant == "base" ? &sc_.base : nullptr;
  std::vector<std::string> names{"base"};
  for (const auto& [vn, vp] : sc_.variants) {
    names.push_back(vn);
    if (vn == o_.variant) p = &vp;
  }
  if (!p) throw Error(o_.file + ": " + unknown_name_message("variant", o_.variant, names));
  base_ = model::one_spec_per_manager(*p);
  seed_ = o_.seed.value_or(sc_.experiment.seed);
  step_days_ = o_.months_per_step * kMonth;
  const double events = model::footprint(base_).events * o_.replications;
  if (events > kMaxEvents * 20)  // a whole game: at most about 20 quarters' worth of queries
    throw Error("room: " + o_.file + " asks for about " + std::to_string(static_cast<long long>(events / 1e6)) +
                " million events over the game; fewer replications, accounts or years");
  for (const auto& m : base_.managers) {
    Seat s;
    s.manager = m.name;
    const double h = hunt_share_of(m), a = answer_probability_of(m);
    s.levers.hunt_share = std::isnan(h) ? 0.5 : h;  // a strategy of one's own without the parameter: the middle
    if (!std::isnan(a)) s.levers.answer_probability = a;
    s.levers.pressure = m.pressure.name;
    seats_.push_back(std::move(s));
  }
  code_ = random_text(6, "ABCDEFGHJKLMNPQRSTUVWXYZ23456789");
  key_ = random_text(32, "0123456789abcdef");
  initial_levers_ = current_levers();
  Quarter q0;
  q0.summary = {{"quarter", 0}, {"month", 0}, {"managers", Json::array()}, {"events", Json::array()}};
  quarters_.push_back(std::move(q0));
}

std::vector<Room::Levers> Room::current_levers() const {
  std::vector<Levers> v;
  for (const auto& s : seats_) v.push_back(s.levers);
  return v;
}

bool Room::is_trainee(const std::string& token) const {
  std::lock_guard<std::mutex> lock(mu_);
  return !token.empty() && tokens_.count(token);
}
bool Room::is_trainer(const std::string& key) const { return !key.empty() && key == key_; }

RoomAnswer Room::join(const std::string& code, const std::string& name) {
  std::string clean;
  for (char c : code)
    if (c != ' ' && c != '-') clean += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (clean != code_) return {403, "that is not this room's code"};
  std::string who = name.substr(0, 40);
  who.erase(std::remove_if(who.begin(), who.end(), [](unsigned char c) { return c < 32; }), who.end());
  if (who.empty()) return {400, "name: expected your name (1 to 40 characters)"};
  std::lock_guard<std::mutex> lock(mu_);
  if (tokens_.size() >= 500) return {429, "the room is full (500 trainees)"};
  const std::string token = random_text(32, "0123456789abcdef");
  tokens_[token] = -1;
  names_[token] = who;
  changed();
  RoomAnswer a;
  a.body = {{"token", token}, {"name", who}};
  return a;
}

RoomAnswer Room::claim(const std::string& token, const std::string& manager) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto t = tokens_.find(token);
  if (t == tokens_.end()) return {403, "join the room first (your token is not known)"};
  const auto it = std::find_if(seats_.begin(), seats_.end(), [&](const Seat& s) { return s.manager == manager; });
  if (it == seats_.end()) {
    std::vector<std::string> names;
    for (const auto& s : seats_) names.push_back(s.manager);
    return {404, unknown_name_message("manager", manager, names)};
  }
  if (!it->token.empty() && it->token != token) return {409, manager + " is already steered by " + it->trainee};
  if (t->second >= 0 && &seats_[static_cast<std::size_t>(t->second)] != &*it) {
    Seat& old = seats_[static_cast<std::size_t>(t->second)];
    old.token.clear(), old.trainee.clear(), old.ready = false;
  }
  it->token = token;
  it->trainee = names_[token];
  t->second = static_cast<int>(it - seats_.begin());
  changed();
  RoomAnswer a;
  a.body = {{"manager", manager}};
  return a;
}

RoomAnswer Room::levers(const std::string& token, const nlohmann::json& in) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto t = tokens_.find(token);
  if (t == tokens_.end()) return {403, "join the room first (your token is not known)"};
  if (t->second < 0) return {409, "claim a manager first: you can steer only the manager you claimed"};
  Seat& seat = seats_[static_cast<std::size_t>(t->second)];
  if (!in.is_object()) return {400, "levers: expected an object such as {\"hunt_share\": 0.6}"};
  Levers next = seat.levers;
  bool ready = seat.ready;
  for (const auto& [k, v] : in.items()) {
    if (k == "hunt_share" || k == "answer_probability") {
      std::optional<double>& slot = k == "hunt_share" ? next.hunt_share : next.answer_probability;
      const std::string label = k == "hunt_share" ? "hunt share" : "answer probability";
      if (!slot) return {400, seat.manager + "'s strategy has no " + label + " lever"};
      if (!v.is_number() || !(v.get<double>() >= 0 && v.get<double>() <= 1))
        return {400, k + ": expected a number from 0 to 1"};
      slot = v.get<double>();
      if (k == "hunt_share") next.steers_time = true;
    } else if (k == "pressure") {
      const auto names = model::pressure_behaviours().names();
      if (!v.is_string() || std::find(names.begin(), names.end(), v.get<std::string>()) == names.end())
        return {400, unknown_name_message("pressure behaviour", v.is_string() ? v.get<std::string>() : v.dump(), names)};
      next.pressure = v.get<std::string>();
    } else if (k == "ready") {
      if (!v.is_boolean()) return {400, "ready: expected true or false"};
      ready = v.get<bool>();
    } else {
      return {400, unknown_name_message("lever", k, {"hunt_share", "answer_probability", "pressure", "ready"})};
    }
  }
  seat.levers = next;
  seat.ready = ready;
  changed();
  RoomAnswer a;
  a.body = {{"manager", seat.manager}, {"applies_from_month", (quarters_.size() - 1) * o_.months_per_step}};
  return a;
}

model::ModelParams Room::params_with(const std::vector<Levers>& levers) const {
  model::ModelParams p = base_;
  for (std::size_t i = 0; i < levers.size() && i < p.managers.size(); ++i) {
    auto& m = p.managers[i];
    // Once set, the hunt share takes the time split over; until then the scenario's strategy
    // keeps it (a learning manager goes on learning), and an untouched game is the scenario's run.
    if (levers[i].steers_time && levers[i].hunt_share) m.time = {"balanced", {{"hunt_share", *levers[i].hunt_share}}};
    if (levers[i].answer_probability) m.service.params["answer_probability"] = *levers[i].answer_probability;
    if (levers[i].pressure != m.pressure.name) m.pressure = {levers[i].pressure, {}};
  }
  return p;
}

Json Room::summarise(const Quarter& q, const Quarter* before) const {
  const auto& runs = q.steps->so_far;
  const double month = q.steps->day / kMonth;
  Json managers = Json::array();
  Json events = Json::array();
  for (std::size_t i = 0; i < seats_.size(); ++i) {
    std::vector<double> book, won, level, promoted, exited, blamed, clients, hunt;
    int promoted_now = 0;
    for (std::size_t r = 0; r < runs.size(); ++r) {
      if (i >= runs[r].managers.size()) continue;
      const auto& row = runs[r].managers[i];
      book.push_back(row.book_value), won.push_back(row.new_business), level.push_back(static_cast<double>(row.level));
      promoted.push_back(row.promotions > 0), exited.push_back(row.exited), blamed.push_back(row.blamed_value);
      clients.push_back(static_cast<double>(row.book_size)), hunt.push_back(row.hunt_share);
      const std::int64_t earlier =
          before && r < before->steps->so_far.size() && i < before->steps->so_far[r].managers.size()
              ? before->steps->so_far[r].managers[i].promotions
              : 0;
      promoted_now += row.promotions > earlier;
    }
    managers.push_back({{"manager", seats_[i].manager}, {"book_value", interval(book)}, {"new_business", mean(won)},
                        {"clients", mean(clients)}, {"level", mean(level)}, {"promoted", mean(promoted)},
                        {"exited", mean(exited)}, {"blamed", mean(blamed)}, {"hunt_share", mean(hunt)},
                        {"levers", Json::object()}});
    if (i < q.played.size()) {
      const auto& l = q.played[i];
      managers.back()["levers"] = {{"hunt_share", l.hunt_share ? Json(*l.hunt_share) : Json()},
                                   {"answer_probability", l.answer_probability ? Json(*l.answer_probability) : Json()},
                                   {"pressure", l.pressure}};
    }
    if (promoted_now > 0)
      events.push_back({{"kind", "promotion"}, {"manager", seats_[i].manager},
                        {"label", seats_[i].manager + " promoted in " + std::to_string(promoted_now) + " of " +
                                      std::to_string(runs.size()) + " runs"}});
  }
  // The scenario's own events in this quarter (shock, cut, conference, review).
  const double from = before ? before->steps->day / kMonth : 0;
  for (const auto& e : events_json(base_))
    if (e["month"].get<double>() > from + 1e-9 && e["month"].get<double>() <= month + 1e-9) events.push_back(e);
  std::vector<double> value, active, satisfaction, lost, won;
  for (const auto& r : runs) {
    if (r.months.empty()) continue;
    value.push_back(r.months.back().value), active.push_back(static_cast<double>(r.months.back().active_accounts));
    satisfaction.push_back(r.months.back().mean_satisfaction), lost.push_back(r.lost_value);
    double w = 0;
    for (const auto& m : r.months)
      if (static_cast<double>(m.month) > from - 1e-9) w += m.new_business;
    won.push_back(w);
  }
  return {{"quarter", q.index}, {"month", month}, {"managers", managers}, {"events", events},
          {"team", {{"value", interval(value)}, {"active_accounts", mean(active)}, {"mean_satisfaction", mean(satisfaction)},
                    {"lost_value", interval(lost)}, {"new_business", mean(won)}}}};
}

RoomAnswer Room::advance() {
  std::vector<Levers> lv;
  std::shared_ptr<const Quarter> from;
  double day = 0;
  int index = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!busy_.empty()) return {409, "the room is busy " + busy_ + "; try again when it is done"};
    day = quarters_.back().steps->day + step_days_;
    if (day > base_.horizon_days + 1e-6)
      return {409, "the scenario ends at month " + std::to_string(static_cast<int>(std::lround(base_.horizon_days / kMonth))) +
                       ": rewind to a saved quarter, or end with the debrief"};
    day = std::min(day, base_.horizon_days);
    busy_ = "advancing";
    lv = current_levers();
    from = std::make_shared<const Quarter>(quarters_.back());
    index = static_cast<int>(quarters_.size());
    changed();
  }
  return finish_busy([&] {
    RoomAnswer out;
    const model::ModelParams p = params_with(lv);
    scenario::RunOptions ro;
    ro.replications = o_.replications;
    ro.threads = o_.threads;
    Quarter q;
    q.index = index;
    q.steps = std::make_shared<const scenario::Steps>(scenario::step(p, seed_, *from->steps, day, ro));
    q.played = lv;
    std::lock_guard<std::mutex> lock(mu_);
    q.summary = summarise(q, from.get());
    out.body = q.summary;
    quarters_.push_back(std::move(q));
    for (auto& s : seats_) s.ready = false;
    debrief_ = Json();
    return out;
  });
}

RoomAnswer Room::finish_busy(const std::function<RoomAnswer()>& work) {
  RoomAnswer out;
  try {
    out = work();
  } catch (const Error& e) {
    out = {400, e.what()};
  } catch (const std::exception& e) {
    out = {500, std::string("the room failed: ") + e.what()};
  }
  std::lock_guard<std::mutex> lock(mu_);
  busy_.clear();
  changed();
  return out;
}

RoomAnswer Room::rewind(int quarter) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!busy_.empty()) return {409, "the room is busy " + busy_ + "; try again when it is done"};
  if (quarter < 0 || quarter >= static_cast<int>(quarters_.size()))
    return {400, "quarter: expected a saved quarter, 0 to " + std::to_string(quarters_.size() - 1)};
  quarters_.resize(static_cast<std::size_t>(quarter) + 1);
  // The levers as they stood at that quarter: those it was played with (the scenario's at 0).
  const auto& pending = quarter == 0 ? initial_levers_ : quarters_.back().played;
  for (std::size_t i = 0; i < seats_.size() && i < pending.size(); ++i) seats_[i].levers = pending[i], seats_[i].ready = false;
  debrief_ = Json();
  changed();
  RoomAnswer a;
  a.body = {{"quarter", quarter}};
  return a;
}

RoomAnswer Room::debrief() {
  std::vector<std::vector<Levers>> played;
  std::vector<double> days;
  std::vector<model::RunResult> final_runs;
  std::vector<std::shared_ptr<const scenario::Steps>> steps;
  std::vector<Seat> seats;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!busy_.empty()) return {409, "the room is busy " + busy_ + "; try again when it is done"};
    if (quarters_.size() < 2) return {409, "play at least one quarter before the debrief"};
    for (std::size_t k = 1; k < quarters_.size(); ++k) {
      played.push_back(quarters_[k].played), days.push_back(quarters_[k].steps->day);
      steps.push_back(quarters_[k].steps);
    }
    final_runs = quarters_.back().steps->so_far;
    seats = seats_;
    busy_ = "debriefing";
    changed();
  }
  return finish_busy([&] {
    RoomAnswer out;
    const std::size_t reps = final_runs.size();
    // Each trainee's outcomes, and the levers they played quarter by quarter.
    Json people = Json::array();
    // The hunt share each manager worked at (what its strategy or trainee decided), by run,
    // over the quarters played.
    std::vector<std::vector<double>> hunt_by_run(reps, std::vector<double>(seats.size(), 0.0));
    for (const auto& st : steps)
      for (std::size_t r = 0; r < reps && r < st->so_far.size(); ++r)
        for (std::size_t i = 0; i < seats.size() && i < st->so_far[r].managers.size(); ++i)
          hunt_by_run[r][i] += st->so_far[r].managers[i].hunt_share / static_cast<double>(steps.size());
    for (std::size_t i = 0; i < seats.size(); ++i) {
      std::vector<double> book, won, promoted, level, blamed, exited, kept;
      for (const auto& r : final_runs) {
        const auto& row = r.managers[i];
        book.push_back(row.book_value), won.push_back(row.new_business), promoted.push_back(row.promotions > 0);
        level.push_back(static_cast<double>(row.level)), blamed.push_back(row.blamed_value), exited.push_back(row.exited);
        kept.push_back(row.retained_value);
      }
      Json history = Json::array();
      for (std::size_t k = 0; k < played.size(); ++k) {
        const auto& l = played[k][i];
        std::vector<double> worked;
        for (const auto& r : steps[k]->so_far) worked.push_back(r.managers[i].hunt_share);
        history.push_back({{"quarter", k + 1}, {"hunt_share", mean(worked)},
                           {"hunt_share_lever", l.steers_time && l.hunt_share ? Json(*l.hunt_share) : Json()},
                           {"answer_probability", l.answer_probability ? Json(*l.answer_probability) : Json()},
                           {"pressure", l.pressure}});
      }
      people.push_back({{"manager", seats[i].manager}, {"trainee", seats[i].trainee.empty() ? Json() : Json(seats[i].trainee)},
                        {"book_value", interval(book)}, {"new_business", interval(won)}, {"retained_value", mean(kept)},
                        {"promoted", mean(promoted)}, {"level", mean(level)}, {"exited", mean(exited)},
                        {"blamed", mean(blamed)}, {"levers", history}});
    }
    // What the organisation rewarded: those it promoted against those it did not, run by run.
    std::vector<double> hunt_up, hunt_other, won_up, won_other, kept_up, kept_other;
    for (std::size_t r = 0; r < reps; ++r)
      for (std::size_t i = 0; i < seats.size(); ++i) {
        const auto& row = final_runs[r].managers[i];
        const bool up = row.promotions > 0;
        (up ? hunt_up : hunt_other).push_back(hunt_by_run[r][i]);
        (up ? won_up : won_other).push_back(row.new_business);
        (up ? kept_up : kept_other).push_back(row.retained_value);
      }
    Json rewarded = {{"promotion", base_.organisation.promotion.name},
                     {"promotions", static_cast<double>(won_up.size()) / static_cast<double>(reps)},
                     {"promoted", {{"hunt_share", mean(hunt_up)}, {"new_business", mean(won_up)}, {"retained_value", mean(kept_up)}}},
                     {"others", {{"hunt_share", mean(hunt_other)}, {"new_business", mean(won_other)}, {"retained_value", mean(kept_other)}}}};
    // Attribution beside blame: the game replayed, its levers quarter by quarter, with each
    // set of factors switched off on the same random numbers; Shapley values per run.
    const auto factors = scenario::default_factors(base_);
    model::ModelParams game = base_;
    game.horizon_days = days.back();
    const double events = model::footprint(game).events * static_cast<double>(reps) * std::pow(2.0, static_cast<double>(factors.size()));
    Json attribution;
    if (events > kMaxEvents) {
      attribution = {{"error", "attribution would replay about " + std::to_string(static_cast<long long>(events / 1e6)) +
                                   " million events; at most " + std::to_string(static_cast<long long>(kMaxEvents / 1e6)) + " million"}};
    } else {
      std::vector<std::vector<double>> lost(reps, std::vector<double>(std::size_t{1} << factors.size()));
      scenario::RunOptions ro;
      ro.replications = static_cast<std::int64_t>(reps);
      ro.threads = o_.threads;
      for (std::size_t mask = 0; mask < (std::size_t{1} << factors.size()); ++mask) {
        std::uint32_t off = 0;
        for (std::size_t j = 0; j < factors.size(); ++j)
          if (!(mask & (std::size_t{1} << j))) off |= 1u << static_cast<int>(factors[j]);
        scenario::Steps s;
        for (std::size_t k = 0; k < played.size(); ++k) {
          model::ModelParams p = params_with(played[k]);
          p.factors_off |= off;
          // Only the last quarter's results are read.
          s = scenario::step(p, seed_, s, days[k], ro, k + 1 == played.size() ? scenario::SoFar::Run : scenario::SoFar::Skip);
        }
        for (std::size_t r = 0; r < reps; ++r) lost[r][mask] = s.so_far[r].lost_value;
      }
      std::vector<double> caused(factors.size(), 0.0);
      double all_off = 0;
      for (std::size_t r = 0; r < reps; ++r) {
        model::Attribution at;
        at.factors = factors;
        model::shapley(at, lost[r]);
        for (std::size_t j = 0; j < factors.size(); ++j) caused[j] += at.shapley[j] / static_cast<double>(reps);
        all_off += at.lost_all_off / static_cast<double>(reps);
      }
      Json c = Json::array(), b = Json::array();
      for (std::size_t j = 0; j < factors.size(); ++j) c.push_back({{"factor", model::to_string(factors[j])}, {"lost_value", caused[j]}});
      std::map<std::string, double> by_name;
      for (const auto& r : final_runs)
        for (const auto& row : r.managers) by_name[row.name] += row.blamed_value / static_cast<double>(reps);
      for (const auto& [n, x] : by_name) b.push_back({{"manager", n}, {"lost_value", x}});
      attribution = {{"caused", c}, {"blamed", b}, {"lost_all_factors_off", all_off}, {"blame_rule", base_.organisation.blame.name}};
    }
    out.body = {{"quarters", played.size()}, {"month", days.back() / kMonth}, {"replications", reps},
                {"trainees", people}, {"rewarded", rewarded}, {"attribution", attribution}};
    std::lock_guard<std::mutex> lock(mu_);
    debrief_ = out.body;
    return out;
  });
}

Json Room::state() const {
  std::lock_guard<std::mutex> lock(mu_);
  Json seats = Json::array();
  for (const auto& s : seats_)
    seats.push_back({{"manager", s.manager}, {"trainee", s.trainee.empty() ? Json() : Json(s.trainee)}, {"ready", s.ready},
                     {"levers", {{"hunt_share", s.levers.hunt_share ? Json(*s.levers.hunt_share) : Json()},
                                 {"answer_probability", s.levers.answer_probability ? Json(*s.levers.answer_probability) : Json()},
                                 {"pressure", s.levers.pressure}}}});
  Json quarters = Json::array();
  for (const auto& q : quarters_) quarters.push_back(q.summary);
  return {{"version", version_.load()}, {"scenario", sc_.name}, {"story", sc_.story}, {"variant", o_.variant},
          {"replications", o_.replications}, {"seed", seed_}, {"months_per_step", o_.months_per_step},
          {"quarter", quarters_.size() - 1}, {"month", quarters_.back().steps->day / kMonth},
          {"horizon_months", base_.horizon_days / kMonth}, {"promotion", base_.organisation.promotion.name},
          {"blame_rule", base_.organisation.blame.name}, {"busy", busy_}, {"trainees", tokens_.size()},
          {"pressures", model::pressure_behaviours().names()}, {"events", events_json(base_)}, {"seats", seats},
          {"quarters", quarters}, {"debrief", debrief_}};
}

}  // namespace tenure::workshop
