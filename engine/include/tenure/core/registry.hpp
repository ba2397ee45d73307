// Named components (strategies, policies, network generators, market models): each entry has
// a name, a one-line description, typed parameters and a factory. YAML names are the keys.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tenure/core/error.hpp"
#include "tenure/core/params.hpp"

namespace tenure {

template <class Product, class... Args>
class Registry {
 public:
  using Factory = std::function<std::unique_ptr<Product>(const ParamSet&, Args...)>;
  struct Entry {
    std::string name;
    std::string description;
    std::vector<ParamSpec> params;
    Factory factory;
  };

  // `kind` names the family in messages: "strategy", "promotion policy"...
  explicit Registry(std::string kind) : kind_(std::move(kind)) {}

  // `replace`: an entry of that name is replaced (front ends that let users register their
  // own, e.g. a notebook cell run twice); otherwise a name already taken is an error.
  void add(Entry e, bool replace = false) {
    if (e.name.empty()) throw Error(kind_ + " registered with an empty name");
    if (!replace && entries_.count(e.name)) throw Error(kind_ + " '" + e.name + "' registered twice");
    entries_.insert_or_assign(e.name, std::move(e));
  }

  bool contains(std::string_view name) const { return entries_.count(std::string(name)) > 0; }

  const Entry& at(std::string_view name) const {
    auto it = entries_.find(std::string(name));
    if (it == entries_.end()) throw Error(unknown_name_message(kind_, name, names()));
    return it->second;
  }

  // Validates the parameters against the entry's records, fills defaults, and builds.
  std::unique_ptr<Product> create(std::string_view name,
                                  const std::map<std::string, ParamValue>& params,
                                  Args... args) const {
    const Entry& e = at(name);
    ParamSet ps(e.params, params, kind_ + " '" + e.name + "'");
    return e.factory(ps, std::forward<Args>(args)...);
  }

  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [n, e] : entries_) out.push_back(n);
    return out;
  }
  // Sorted by name.
  std::vector<const Entry*> entries() const {
    std::vector<const Entry*> out;
    for (const auto& [n, e] : entries_) out.push_back(&e);
    return out;
  }
  const std::string& kind() const { return kind_; }

 private:
  std::string kind_;
  std::map<std::string, Entry> entries_;
};

}  // namespace tenure
