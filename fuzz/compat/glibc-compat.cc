// SPDX-License-Identifier: MIT
// The three symbols that @jazzer.js/fuzzer 4.0.0's prebuilt libFuzzer engine (linked on a glibc 2.38
// / libstdc++ 13 system) needs and Debian 12 (glibc 2.36, libstdc++ 12) lacks. Preloaded by
// scripts/fuzz.sh only when the prebuilt does not load as it is; see fuzz/README.md.
#include <cstdlib>
#include <iostream>  // with libstdc++ 12 this constructs the standard streams (std::ios_base::Init)

extern "C" long __isoc23_strtol(const char* s, char** end, int base) { return std::strtol(s, end, base); }
extern "C" unsigned long __isoc23_strtoul(const char* s, char** end, int base) { return std::strtoul(s, end, base); }

// libstdc++ 13 calls this from <iostream> to make sure the standard streams are set up; with
// libstdc++ 12 the static std::ios_base::Init object that <iostream> defines above does it.
namespace std {
void ios_base_library_init() {}
}
