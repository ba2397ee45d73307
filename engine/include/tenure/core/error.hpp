// The one exception type of the engine, and helpers to build messages with context.
// Every failure a user can cause (bad input, a time in the past, an unknown name) is an Error.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tenure {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Levenshtein distance, for did-you-mean suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The closest candidate to `name`, or an empty string when nothing is close enough.
std::string closest_match(std::string_view name, const std::vector<std::string>& candidates);

// A user's text as it may be echoed in a message: whole when short, else its first `max`
// bytes (cut at a character boundary) and how long it was. Control characters are shown
// escaped, so a message stays one readable line.
std::string excerpt(std::string_view text, std::size_t max = 80);

// "unknown strategy 'huntr'; did you mean 'hunter'? known: a, b, c"
std::string unknown_name_message(std::string_view what, std::string_view name,
                                 const std::vector<std::string>& known);

}  // namespace tenure
