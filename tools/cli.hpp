// The `tenure` command line as a function, so that the fuzz target can drive its parser.
#pragma once

namespace tenure::cli {

// Parses the arguments and runs the command. Returns the exit status: 0 success, 2 bad input
// (nothing written), 1 internal failure. With `parse_only`, stops after parsing.
int main(int argc, char** argv, bool parse_only = false);

}  // namespace tenure::cli
