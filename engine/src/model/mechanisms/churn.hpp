// Churn (docs/model.md, "Churn"): a client's monthly hazard grows with dissatisfaction, scars,
// market stress and a competitor; a client who decides gives notice and leaves when it ends,
// unless won back. A loss is recorded with its causes and whom the organisation blames.
//
// A stage of the month's pass (client_month), and the kChurn event (on_churn). Writes to
// accounts: state, causes; to the month's row and the run's losses.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>

#include "../state.hpp"
#include "careers.hpp"

namespace tenure::model {

struct Churn {
  Shared& s;
  Careers& careers;  // whom the organisation blames
  Churn(Shared& shared, Careers& c) : s(shared), careers(c) {}

  // The month's constants. The products are the ones the formulas would form, so every
  // result is the same to the last bit.
  struct Month {
    double now, dt, ref, sat_w, scar_w, market_term, competitor_term, base_rate, rushed_mult, referred_mult;
    double stress, competitor, notice_min, notice_span;
    // h0 x dt, times the rushed (bit 0) and referred (bit 1) multipliers as they apply, in the
    // order the churn test forms them: x for a hazard multiple of 1.
    std::array<double, 4> x_unit;
  };
  // x = h dt for h = h0 e, times the rushed and referred multipliers as they apply.
  static double churn_x(const Month& k, double e, bool rushed, bool referred) {
    double h = k.base_rate * e;
    if (rushed) h *= k.rushed_mult;
    if (referred) h *= k.referred_mult;
    return h * k.dt;
  }
  Month begin_month(double dt) const {
    const ChurnParams& c = s.p.churn;
    Month k{s.now(), dt, c.reference_satisfaction, c.satisfaction_weight, c.scar_weight, c.market_weight * s.market.stress,
            c.competitor_weight * s.market.competitor, c.base_rate, c.rushed_multiplier, c.referred_multiplier,
            s.market.stress, s.market.competitor, c.notice_min_days, c.notice_max_days - c.notice_min_days, {}};
    for (std::size_t i = 0; i < 4; ++i) k.x_unit[i] = churn_x(k, 1.0, i & 1, i & 2);
    return k;
  }

  // The churn test for an active client; true when it gives notice. `u` is its uniform, `d`
  // the client's month draws (MonthDraw::NoticeLag).
  [[gnu::always_inline]] inline bool client_month(std::uint32_t a, const Account& x, double u, KeyedDraws d,
                                                  const Month& k) {
    const double sat = x.satisfaction;
    // (The competitor's term is zero, and needs no division, when there is no competitor:
    // adding that zero would change no decision and no output.)
    double log_h = k.sat_w * (k.ref - sat) + k.scar_w * x.scars + k.market_term;
    if (k.competitor_term != 0) log_h += k.competitor_term * (1.0 + 5.0 * (std::max(0.0, k.ref - sat) / k.ref));
    const double tenure = k.now - x.acquired;
    const bool rushed = (x.flags & kRushed) && tenure < cal::kDaysPerYear;
    const bool referred = x.flags & kReferred;
    // Churn when u < 1 - exp(-x), x = h dt, h = h0 exp(log_h) (times the rushed and referred
    // multipliers). Most months are settled without any exponential: with y = log_h log2 e +
    // 1e-9, P = 2^(floor(y) + 1) exceeds exp(log_h) by a factor of at least 1 + 7e-10, far above
    // rounding, so u at or above x_unit P means no churn; then x - x^2/2 <= 1 - exp(-x) <= x
    // settle most of the rest. The decisions are exactly those of the direct formula.
    // u >= x_unit P is tested as "the binary exponent E of u / x_unit exceeds y" (E > y, E an
    // integer, is E >= floor(y) + 1): the division does not wait for the satisfaction, and
    // the chain from the satisfaction is a few operations long. (When the quotient rounds up to
    // P, u is within 1e-16 of x_unit P: no churn either way. y is kept at or above -1000, so a
    // zero or subnormal quotient never settles a month.)
    const double q = u / k.x_unit[static_cast<std::size_t>(rushed) | (static_cast<std::size_t>(referred) << 1)];
    const auto e_q = static_cast<double>(static_cast<std::int64_t>((std::bit_cast<std::uint64_t>(q) >> 52) & 0x7ff) - 1023);
    double y = log_h * 1.4426950408889634 + 1e-9;
    y = y < -1000.0 ? -1000.0 : y;
    bool churns = false;
    if (!(e_q > y)) [[unlikely]] {
      const double hx = churn_x(k, std::exp(log_h), rushed, referred);
      churns = u < hx && (u < hx - 0.5 * hx * hx || u < 1.0 - std::exp(-hx));
    }
    if (!churns) [[likely]]
      return false;
    std::uint32_t why = 0;
    if (k.stress > 0) why |= bit(Cause::MarketStress);
    if (k.competitor > 0 && std::max(0.0, k.ref - sat) / k.ref > 0) why |= bit(Cause::Competitor);
    if (rushed) why |= bit(Cause::RushedDeal);
    const double u_lag = at(d, MonthDraw::NoticeLag).uniform01();
    s.give_notice(a, k.notice_min + u_lag * k.notice_span, why);
    return true;
  }

  // A notice ends: the client leaves, unless no longer under that notice (`tag`:
  // Shared::notice_tag when it was given).
  void on_churn(std::uint32_t a, std::uint32_t tag) {
    auto& acc = s.acc;
    if (acc.rec[a].state != State::Notice || Shared::notice_tag(acc.rec[a]) != tag) return;
    acc.rec[a].state = State::Churned;
    s.note_link_left(a);
    if (s.p.acquisition.ex_client_voice_days > 0 && acc.rec[a].satisfaction <= s.p.service.detractor_threshold)
      s.ex_detractors.emplace_back(s.now() + s.p.acquisition.ex_client_voice_days, acc.rec[a].value);
    if (const std::int32_t o = acc.rec[a].owner; o >= 0) --s.managers[static_cast<std::size_t>(o)].owned;
    s.book_changed(acc.rec[a].owner);
    const double v = acc.rec[a].value;
    const std::uint32_t causes = acc.rec[a].causes;
    MonthRow& cur = s.cur;
    cur.churned_value += v;
    ++cur.churned;
    int n = 0;
    for (int c = 0; c < kCauseCount; ++c) n += (causes >> c) & 1;
    for (int c = 0; c < kCauseCount; ++c)
      if ((causes >> c) & 1) cur.churned_by_cause[static_cast<std::size_t>(c)] += v / n;
    if (n == 0) cur.churned_by_cause[kCauseCount] += v;
    LostAccount lost{acc.rec[a].number, causes, s.now(), v, acc.rec[a].owner, static_cast<std::int32_t>(careers.blame(a, v, causes))};
    if (lost.blamed >= 0) s.managers[static_cast<std::size_t>(lost.blamed)].row.blamed_value += v;
    s.out.lost.push_back(lost);
    s.out.lost_value += v;
    if (s.world.account_churned.connected()) s.world.account_churned.emit(s.now(), acc.rec[a].number, v, causes);
    s.log(a, "churned");
    s.record_left(a);
  }
};

}  // namespace tenure::model
