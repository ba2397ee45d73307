// Management orders (docs/model.md, "Management orders"): at their day, cut support staff,
// hand a manager's book to the others, hold a recovery meeting with a client (a promise),
// forbid or allow contact with one.
//
// Owns: which client "largest" names. Event kOrder (aux: the order's index). Writes to
// accounts: satisfaction, expectation, silent, flags, causes; the owner through
// Shared::reassign; support staff through Requests::cut_support.
#pragma once

#include <algorithm>
#include <cstdint>

#include "../state.hpp"
#include "requests.hpp"

namespace tenure::model {

struct Orders {
  Shared& s;
  Requests& requests;
  Orders(Shared& shared, Requests& r) : s(shared), requests(r) {}

  // "largest" is resolved once, at the first order that names it, so that a sequence of
  // orders (a meeting, then a no-contact order) concerns the same client.
  std::uint32_t named_largest = kNone;

  // Orders from day `from` on (a fork schedules the ones after its day).
  void schedule(double from) {
    for (std::size_t i = 0; i < s.p.orders.size(); ++i)
      if (s.p.orders[i].at >= from)
        s.sim.schedule_at(s.p.orders[i].at, EventSpec{kOrder, 0, static_cast<std::uint32_t>(i), kPrioOrder});
  }

  std::uint32_t largest_account() const {
    std::uint32_t best = kNone;
    for (std::uint32_t a = 0; a < s.acc.size(); ++a)
      if (s.served(a) && (best == kNone || s.acc.rec[a].value > s.acc.rec[best].value)) best = a;
    return best;
  }

  void on_order(std::size_t idx) {
    const auto& p = s.p;
    auto& acc = s.acc;
    auto& managers = s.managers;
    const Order& o = p.orders[idx];
    if (o.kind == "cut_support") {
      if (!p.factor_on(Factor::SupportCut)) return;
      requests.cut_support(o.fraction);
      return;
    }
    if (o.kind == "reassign_book") {
      if (o.manager < 0 || o.manager >= static_cast<std::int64_t>(managers.size())) return;
      auto book = managers[static_cast<std::size_t>(o.manager)].book;
      for (auto a : book)
        if (s.served(a) && acc.rec[a].owner == o.manager) {
          std::int32_t to = -1;
          std::size_t size = SIZE_MAX;
          for (std::size_t i = 0; i < managers.size(); ++i)
            if (managers[i].active && static_cast<std::int64_t>(i) != o.manager && static_cast<std::size_t>(managers[i].owned) < size)
              size = static_cast<std::size_t>(managers[i].owned), to = static_cast<std::int32_t>(i);
          s.reassign(a, to);
        }
      managers[static_cast<std::size_t>(o.manager)].book.clear();
      return;
    }
    if (o.account < 0 && named_largest == kNone) named_largest = largest_account();
    const std::uint32_t a = o.account >= 0 ? static_cast<std::uint32_t>(o.account) : named_largest;
    if (a == kNone || a >= acc.size() || !s.served(a)) return;
    if (o.kind == "recovery_meeting") {
      s.set_satisfaction(a, acc.rec[a].satisfaction + p.supervision.recovery_boost);
      acc.rec[a].expectation = static_cast<float>(std::min(10.0, acc.rec[a].expectation + p.supervision.expectation_raise * 2));
      acc.rec[a].silent = 0;
      acc.rec[a].flags |= kPromised;
      s.log(a, "recovery meeting");
    } else if (o.kind == "no_contact") {
      if (!p.factor_on(Factor::ManagementOrder)) return;
      acc.rec[a].flags |= kNoContact;
      acc.rec[a].causes |= bit(Cause::NoContactOrder);
      if (acc.rec[a].flags & kPromised) {
        // The raised expectation now meets silence: the gap is felt as a loss.
        const double raised = acc.rec[a].expectation - p.accounts.expectation;
        s.set_satisfaction(a, acc.rec[a].satisfaction - p.service.loss_aversion * std::max(raised, 0.5));
      }
      s.log(a, "no-contact order");
    } else if (o.kind == "lift_no_contact") {
      acc.rec[a].flags &= static_cast<std::uint8_t>(~kNoContact);
    }
  }
};

}  // namespace tenure::model
