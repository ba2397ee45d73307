// The `tenure` command line as a function, so that the fuzz target can drive its parser.
#pragma once

namespace tenure::cli {

// Parses the arguments and runs the command. Returns the exit status: 0 success, 2 bad input
// (nothing written), 1 internal failure. With `parse_only`, stops after parsing.
// A command whose scenario has `plugins:`, or given `--plugin`, needs strategies written in
// Python: the native executable hands it to Python's `tenure.cli` (the same function, run
// inside the Python package, which imports the plugins first: `in_python`).
int main(int argc, char** argv, bool parse_only = false, bool in_python = false);

}  // namespace tenure::cli
