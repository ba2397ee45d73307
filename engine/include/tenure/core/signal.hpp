// Observers subscribe to signals (time advanced, account churned...) instead of subclassing.
// Metrics and traces are built on them; a signal with no subscriber costs one branch.
#pragma once

#include <functional>
#include <vector>

namespace tenure::core {

template <class... Args>
class Signal {
 public:
  using Slot = std::function<void(Args...)>;
  void connect(Slot s) { slots_.push_back(std::move(s)); }
  bool connected() const { return !slots_.empty(); }
  void emit(const Args&... args) const {
    for (const auto& s : slots_) s(args...);
  }
  void clear() { slots_.clear(); }

 private:
  std::vector<Slot> slots_;
};

}  // namespace tenure::core
