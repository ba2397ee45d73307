// Management orders (docs/model.md, "Management orders"): at their day (and every `every`
// after it), cut support staff, hand a manager's book to the others, hold a recovery meeting
// with a client (a promise), forbid or allow contact with one; or call an order rule of one's
// own (components.hpp, OrderRule), which does the same through a handle.
//
// Owns: which client "largest" names, the order rules' instances. Event kOrder (aux: the
// order's index). Writes to accounts: satisfaction, expectation, silent, flags, causes; the
// owner through Shared::reassign; support staff through Requests::cut_support.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "../organisation_view.hpp"
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
  // client at the first order that names it. Its account number (a record may be reused).
  std::uint32_t named_largest = kNone;

  std::vector<std::unique_ptr<OrderRule>> rules;  // by order index; empty but for kind rule

  // The rules come from the parameters (a fork may change them).
  void equip() {
    rules.clear();
    rules.resize(s.p.orders.size());
    for (std::size_t i = 0; i < s.p.orders.size(); ++i)
      if (const Order& o = s.p.orders[i]; o.kind == OrderKind::Rule) rules[i] = order_rules().create(o.rule.name, o.rule.params);
  }

  // The k-th time order `o` is given (k = 0, 1, ...): one formula for the run and for a fork.
  static double given_at(const Order& o, double k) { return o.at + k * o.every; }

  // Orders from day `from` on (a fork schedules the ones after its day): each order's first
  // time at or after `from` before the horizon.
  void schedule(double from) {
    for (std::size_t i = 0; i < s.p.orders.size(); ++i) {
      const Order& o = s.p.orders[i];
      double at = o.at;
      if (at < from && o.every > 0) at = given_at(o, std::ceil((from - o.at) / o.every));
      if (at >= from && (o.every <= 0 || at < s.p.horizon_days))
        s.sim.schedule_at(at, EventSpec{kOrder, 0, static_cast<std::uint32_t>(i), kPrioOrder});
    }
  }

  // The served client of largest value (ties: the lowest number), its record or kNone.
  std::uint32_t largest_account() const {
    std::uint32_t best = kNone;
    for (std::uint32_t a = 0; a < s.acc.size(); ++a)
      if (s.served(a) && (best == kNone || s.acc.rec[a].value > s.acc.rec[best].value ||
                          (s.acc.rec[a].value == s.acc.rec[best].value && s.acc.rec[a].number < s.acc.rec[best].number)))
        best = a;
    return best;
  }
  std::uint32_t number_of(std::uint32_t a) const { return a == kNone ? kNone : s.acc.rec[a].number; }

  void on_order(std::size_t idx) {
    const Order& o = s.p.orders[idx];
    if (o.every > 0) {
      const double next = given_at(o, std::round((s.now() - o.at) / o.every) + 1);
      if (next < s.p.horizon_days) s.sim.schedule_at(next, EventSpec{kOrder, 0, static_cast<std::uint32_t>(idx), kPrioOrder});
    }
    switch (o.kind) {
      case OrderKind::Rule: apply_rule(idx); return;
      case OrderKind::CutSupport:
        if (s.p.factor_on(Factor::SupportCut)) requests.cut_support(o.fraction);
        return;
      case OrderKind::ReassignBook: reassign_book(o.manager); return;
      case OrderKind::RecoveryMeeting:
      case OrderKind::NoContact:
      case OrderKind::LiftNoContact: about_client(o.kind, o.account); return;
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
          largest = a;  // the first in the book's order among equals, as before
        std::int32_t to = -1;
        std::size_t size = SIZE_MAX;
        for (std::size_t j = 0; j < managers.size(); ++j)
          if (managers[j].active && static_cast<std::int64_t>(j) != i && static_cast<std::size_t>(managers[j].owned) < size)
            size = static_cast<std::size_t>(managers[j].owned), to = static_cast<std::int32_t>(j);
        s.reassign(a, to);
      }
    managers[static_cast<std::size_t>(i)].book.clear();
    if (named_largest == kNone) named_largest = number_of(largest);
  }

  // An order about one client (its account number, or -1: the largest): a recovery meeting
  // (a promise), or forbidding or allowing contact.
  void about_client(OrderKind kind, std::int64_t account) {
    const auto& p = s.p;
    auto& acc = s.acc;
    if (account < 0 && named_largest == kNone) named_largest = number_of(largest_account());
    const std::uint32_t number = account >= 0 ? static_cast<std::uint32_t>(account) : named_largest;
    if (number == kNone || number >= acc.next_number) return;
    const std::uint32_t a = acc.find(number);
    if (a == kNone || !s.served(a)) return;
    Account& x = acc.rec[a];
    if (kind == OrderKind::RecoveryMeeting) {
      s.set_satisfaction(a, x.satisfaction + p.supervision.recovery_boost);
      x.expectation = static_cast<float>(std::min(10.0, x.expectation + p.supervision.expectation_raise * 2));
      x.silent = 0;
      x.flags |= kPromised;
      s.log(a, "recovery meeting");
    } else if (kind == OrderKind::NoContact) {
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

  // What an order rule may do: the built-in orders' actions, with their checks and factors.
  class Handle final : public OrganisationReader<OrganisationActions> {
   public:
    Handle(Orders& o, std::size_t idx) : OrganisationReader(o.s), orders(o), index(idx) {}
    double support_staff() const override { return orders.requests.support_fte; }
    double support_hired() const override { return static_cast<double>(s.p.service.support_staff); }
    std::int64_t clients() const override {
      std::int64_t n = 0;
      for (std::uint32_t a = 0; a < s.acc.size(); ++a) n += s.served(a) ? 1 : 0;
      return n;
    }
    std::int64_t largest_client() const override {
      const std::uint32_t a = orders.largest_account();
      return a == kNone ? -1 : static_cast<std::int64_t>(s.acc.rec[a].number);
    }
    std::uint64_t random_key(std::uint64_t key) const override {
      const auto day = static_cast<std::uint64_t>(std::llround(s.now() * 16));
      return core::StreamKey{s.seed, s.rep, kGlobalEntity, Purpose("order-rule").id ^ core::mix64(index * 0x9e3779b97f4a7c15ULL + day) ^ core::mix64(key + 0x5bd1e995ULL)}.hash();
    }
    void cut_support(double fraction) override {
      if (!(fraction >= 0 && fraction <= 1))
        throw Error("cut_support(" + std::to_string(fraction) + "): expected a share of the support on duty, 0 to 1");
      if (s.p.factor_on(Factor::SupportCut)) orders.requests.cut_support(fraction);
    }
    void restore_support() override {
      if (s.p.factor_on(Factor::SupportCut)) orders.requests.restore_support();
    }
    void reassign_book(std::int64_t manager) override {
      if (manager < 0 || manager >= static_cast<std::int64_t>(s.managers.size()))
        throw Error("reassign_book(" + std::to_string(manager) + "): manager " + std::to_string(manager) +
                    " does not exist (managers are numbered 0 to " + std::to_string(static_cast<std::int64_t>(s.managers.size()) - 1) + ")");
      orders.reassign_book(manager);
    }
    void no_contact(std::int64_t account) override { client(OrderKind::NoContact, account); }
    void lift_no_contact(std::int64_t account) override { client(OrderKind::LiftNoContact, account); }
    void recovery_meeting(std::int64_t account) override { client(OrderKind::RecoveryMeeting, account); }

   private:
    Orders& orders;
    std::size_t index;
    void client(OrderKind kind, std::int64_t account) {
      if (account < -1 || account >= static_cast<std::int64_t>(s.acc.next_number))
        throw Error(std::string(name_of(kind)) + "(" + std::to_string(account) + "): account " + std::to_string(account) +
                    " does not exist (accounts are numbered 0 to " + std::to_string(static_cast<std::int64_t>(s.acc.next_number) - 1) +
                    ", or -1 for the largest client)");
      orders.about_client(kind, account);
    }
  };

  void apply_rule(std::size_t idx) {
    const Order& o = s.p.orders[idx];
    Handle handle(*this, idx);
    try {
      rules[idx]->apply(handle);
    } catch (const std::exception& e) {
      // A rule of one's own that fails (a Python exception, with its traceback) stops the run.
      throw Error("order rule '" + o.rule.name + "' (orders." + std::to_string(idx) + ") failed at day " +
                  std::to_string(s.now()) + ":\n" + e.what());
    }
  }
};

}  // namespace tenure::model
