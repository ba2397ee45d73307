// The model's event kinds: what a pending event is for, the one list world.cpp dispatches on.
// The kernel never interprets them. Kinds up to kChurn target an account (fetched ahead).
#pragma once

#include <cstdint>

namespace tenure::model {

enum Kind : std::uint32_t {
  kProblem,      // target: account                       requests.hpp
  kServiceDone,  // target: account, aux: request id      requests.hpp
  kMonthEnd,     //                                       world.cpp (the month's work)
  kChurn,        // target: account, aux: notice number   churn.hpp
  kUrgency,      // a quarter's urgency window opens      quarters.hpp
  kQuarterEnd,   //                                       quarters.hpp
  kReview,       //                                       careers.hpp
  kConference,   // aux: conference index                 conferences.hpp
  kSupervision,  //                                       supervision.hpp
  kOrder,        // aux: order index                      orders.hpp
  kKindCount,
};

// Priorities among simultaneous events: orders and reviews see the state before the month
// is closed, so that the month's row records their effect.
// The quarter closes after the month that ends with it, so the month's deals still see the
// quarter-end pressure.
constexpr std::int16_t kPrioOrder = -2, kPrioReview = -1, kPrioMonth = 1, kPrioQuarter = 2;

}  // namespace tenure::model
