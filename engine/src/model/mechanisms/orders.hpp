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

  // "largest" is resolved once, so that a sequence of orders (a meeting, then a no-contact
  // order) concerns the same client: the largest client a reassign_book order hands over, when
  // one comes first (the neglected book a manager is asked to take on; not one already under
  // notice), else the largest
  // client at the first order that names it.
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
    const Order& o = s.p.orders[idx];
    switch (o.kind) {
      case OrderKind::CutSupport:
        if (s.p.factor_on(Factor::SupportCut)) requests.cut_support(o.fraction);
        return;
      case OrderKind::ReassignBook: reassign_book(o.manager); return;
      case OrderKind::RecoveryMeeting:
      case OrderKind::NoContact:
      case OrderKind::LiftNoContact: about_client(o); return;
    }
  }

  // The book of manager `i` goes, client by client, to the active manager with the fewest.
  void reassign_book(std::int64_t i) {
    auto& managers = s.managers;
    if (i < 0 || i >= static_cast<std::int64_t>(managers.size())) return;
    auto book = managers[static_cast<std::size_t>(i)].book;
    std::uint32_t largest = kNone;
    for (auto a : book)
      if (s.served(a) && s.acc.rec[a].owner == i) {
        if (s.acc.rec[a].state == State::Active && (largest == kNone || s.acc.rec[a].value > s.acc.rec[largest].value))
          largest = a;
        std::int32_t to = -1;
        std::size_t size = SIZE_MAX;
        for (std::size_t j = 0; j < managers.size(); ++j)
          if (managers[j].active && static_cast<std::int64_t>(j) != i && static_cast<std::size_t>(managers[j].owned) < size)
            size = static_cast<std::size_t>(managers[j].owned), to = static_cast<std::int32_t>(j);
        s.reassign(a, to);
      }
    managers[static_cast<std::size_t>(i)].book.clear();
    if (named_largest == kNone) named_largest = largest;
  }

  // An order about one client: a recovery meeting (a promise), or forbidding or allowing contact.
  void about_client(const Order& o) {
    const auto& p = s.p;
    auto& acc = s.acc;
    if (o.account < 0 && named_largest == kNone) named_largest = largest_account();
    const std::uint32_t a = o.account >= 0 ? static_cast<std::uint32_t>(o.account) : named_largest;
    if (a == kNone || a >= acc.size() || !s.served(a)) return;
    Account& x = acc.rec[a];
    if (o.kind == OrderKind::RecoveryMeeting) {
      s.set_satisfaction(a, x.satisfaction + p.supervision.recovery_boost);
      x.expectation = static_cast<float>(std::min(10.0, x.expectation + p.supervision.expectation_raise * 2));
      x.silent = 0;
      x.flags |= kPromised;
      s.log(a, "recovery meeting");
    } else if (o.kind == OrderKind::NoContact) {
      if (!p.factor_on(Factor::ManagementOrder)) return;
      x.flags |= kNoContact;
      x.causes |= bit(Cause::NoContactOrder);
      if (x.flags & kPromised) {
        // The raised expectation now meets silence: the gap is felt as a loss.
        const double raised = x.expectation - p.accounts.expectation;
        s.set_satisfaction(a, x.satisfaction - p.service.loss_aversion * std::max(raised, 0.5));
      }
      s.log(a, "no-contact order");
    } else {
      x.flags &= static_cast<std::uint8_t>(~kNoContact);
    }
  }

};

}  // namespace tenure::model
