// The `tenure` executable.
#include "cli.hpp"

int main(int argc, char** argv) { return tenure::cli::main(argc, argv); }
