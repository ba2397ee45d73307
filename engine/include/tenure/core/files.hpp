// Reading files a user names: only regular files, and only up to a bound, so a FIFO, a device
// or a huge file is refused with a reason instead of blocking or exhausting memory.
#pragma once

#include <cstddef>
#include <string>

namespace tenure {

// The whole of `path`, a regular file of at most `max_bytes`. Throws tenure::Error naming the
// path and `what` it should be (e.g. "scenario file") when it is missing, not a regular file,
// or larger than the bound.
std::string read_regular_file(const std::string& path, const std::string& what, std::size_t max_bytes);

// A name for a temporary file beside `path`, unique to this process and call, so two writers
// never share one.
std::string unique_temporary_name(const std::string& path);

}  // namespace tenure
