// SPDX-License-Identifier: MIT
// Run-time choice of the GEMM micro-kernel. Each ISA's kernels live in their own file, compiled
// with that ISA's flags only; this file decides, from CPUID and the OS's saved-register support
// (XGETBV), which of them this CPU can run. The whole addon is built for baseline x86-64 (or
// arm64), so one binary runs anywhere and never dies with "Illegal instruction".
#pragma once

namespace fastprop::core {

enum class Isa { kScalar, kAvx2, kAvx512 };

// "scalar", "avx2", "avx512".
const char* isa_name(Isa isa);
// Parses a name as above; returns false for an unknown name.
bool parse_isa(const char* name, Isa* out);
// True when this CPU and OS can run the kernels of `isa` (kScalar: always).
bool isa_supported(Isa isa);
// The best supported ISA, unless the environment variable FASTPROP_KERNEL names another
// supported one (read once per process; an unsupported or unknown name is ignored).
Isa default_isa();

}  // namespace fastprop::core
