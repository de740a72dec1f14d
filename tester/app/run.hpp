#pragma once

namespace authdiff::app {

// The whole program: parse the command line, run the command, map failures to exit codes.
int run(int argc, char** argv);

}  // namespace authdiff::app
