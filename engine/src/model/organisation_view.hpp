// The organisation as blame rules and order rules read it (components.hpp, OrganisationView):
// the managers' numbers over the shared state. `Base` is the interface implemented
// (OrganisationView, or OrganisationActions, whose actions orders.hpp adds).
#pragma once

#include <string>

#include "state.hpp"
#include "tenure/model/components.hpp"

namespace tenure::model {

template <class Base>
class OrganisationReader : public Base {
 public:
  explicit OrganisationReader(Shared& shared) : s(shared) {}
  double day() const override { return s.now(); }
  std::size_t manager_count() const override { return s.managers.size(); }
  const std::string& name(std::size_t i) const override { return m(i).name; }
  bool active(std::size_t i) const override { return m(i).active; }
  std::int64_t level(std::size_t i) const override { return m(i).level; }
  std::int64_t book_size(std::size_t i) const override { return m(i).owned; }
  double book_value(std::size_t i) const override { return s.current_book_value(at(i)); }
  double year_new_business(std::size_t i) const override { return m(i).year_new; }
  double quarter_new_business(std::size_t i) const override { return m(i).quarter_new; }
  double competence(std::size_t i) const override { return m(i).competence; }
  double blamed_value(std::size_t i) const override { return m(i).row.blamed_value; }
  std::size_t market_regime() const override { return s.market.regime; }

 protected:
  Shared& s;
  // A manager by id; an id out of range is the caller's mistake, said as such.
  std::size_t at(std::size_t i) const {
    if (i >= s.managers.size())
      throw Error("manager " + std::to_string(i) + " does not exist (managers are numbered 0 to " +
                  std::to_string(static_cast<std::int64_t>(s.managers.size()) - 1) + ")");
    return i;
  }
  const Manager& m(std::size_t i) const { return s.managers[at(i)]; }
};

}  // namespace tenure::model
