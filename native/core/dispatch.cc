// SPDX-License-Identifier: MIT
// CPU feature detection for the GEMM kernels: CPUID says what the core can execute, XGETBV
// says whether the OS saves the wider registers on a context switch. Both must hold: a CPU
// with AVX-512 under an OS (or hypervisor) that does not enable ZMM state would fault on the
// first zmm instruction. Everything here is computed once, in function-local statics (no
// mutable globals, so the addon is safe in worker_threads).
#include "dispatch.h"

#include <cstdlib>
#include <cstring>
#include <initializer_list>

#if defined(FASTPROP_X86_KERNELS) && (defined(__x86_64__) || defined(_M_X64))
#define FASTPROP_X86_DISPATCH 1
#include <cpuid.h>
#include <cstdint>
#endif

namespace fastprop::core {
namespace {

struct CpuFeatures {
  bool avx2 = false;    // AVX2 + FMA, with YMM state enabled by the OS
  bool avx512 = false;  // AVX-512F (+ AVX2/FMA), with opmask and ZMM state enabled by the OS
};

#if defined(FASTPROP_X86_DISPATCH)
std::uint64_t read_xcr0() {
  // `xgetbv` by opcode-free inline asm: the intrinsic would need -mxsave on this baseline file.
  std::uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<std::uint64_t>(hi) << 32) | lo;
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
  const bool fma = ecx & (1u << 12);
  const bool osxsave = ecx & (1u << 27);
  const bool avx = ecx & (1u << 28);
  if (!osxsave || !avx) return f;  // XGETBV itself is only valid with OSXSAVE
  const std::uint64_t xcr0 = read_xcr0();
  const bool os_ymm = (xcr0 & 0x6) == 0x6;     // SSE (bit 1) + AVX (bit 2) state
  const bool os_zmm = (xcr0 & 0xE6) == 0xE6;   // + opmask (5), ZMM_Hi256 (6), Hi16_ZMM (7)
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return f;
  const bool avx2 = ebx & (1u << 5);
  const bool avx512f = ebx & (1u << 16);
  f.avx2 = avx && avx2 && fma && os_ymm;
  f.avx512 = f.avx2 && avx512f && os_zmm;
  return f;
}
#else
CpuFeatures detect() { return {}; }  // non-x86 (or x86 kernels not built): scalar only
#endif

const CpuFeatures& features() {
  static const CpuFeatures f = detect();
  return f;
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
  }
  return "unknown";
}

bool parse_isa(const char* name, Isa* out) {
  if (name == nullptr) return false;
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (std::strcmp(name, isa_name(isa)) == 0) {
      if (out) *out = isa;
      return true;
    }
  }
  return false;
}

bool isa_supported(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return true;
    case Isa::kAvx2: return features().avx2;
    case Isa::kAvx512: return features().avx512;
  }
  return false;
}

Isa default_isa() {
  static const Isa chosen = [] {
    Isa forced;
    if (parse_isa(std::getenv("FASTPROP_KERNEL"), &forced) && isa_supported(forced)) return forced;
    if (isa_supported(Isa::kAvx512)) return Isa::kAvx512;
    if (isa_supported(Isa::kAvx2)) return Isa::kAvx2;
    return Isa::kScalar;
  }();
  return chosen;
}

}  // namespace fastprop::core
