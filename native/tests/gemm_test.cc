// SPDX-License-Identifier: MIT
// Standalone correctness test and benchmark for native/core's sgemm, dispatch and thread pool
// (plain C++, no Node). Built and run by native/tests/run.sh.
//
//   gemm_test test            every supported ISA against a double-precision reference, plus
//                             bitwise equality across thread counts
//   gemm_test bench [isa...]  GFLOP/s per ISA and shape, 1 and 2 threads, median of samples
//   gemm_test peak            FMA peak probe (independent FMA chains, no memory traffic)
//   gemm_test kernel          each micro-kernel alone on L1/L2-resident panels
//
// Tolerance: |c − ref| ≤ 4·eps·(√k + 2)·Σ|terms| per element, where Σ|terms| is the sum of the
// absolute values of everything added into that element (the usual a-priori bound, scaled by
// √k for a k-long sum with random rounding).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <new>
#include <random>
#include <string>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "core/dispatch.h"
#include "core/peak_probe.h"
#include "core/gemm.h"
#include "core/kernels/kernels.h"
#include "core/thread_pool.h"

// Counts heap allocations, to check that sgemm allocates nothing once its buffers are warm.
static std::atomic<long> g_allocations{0};
void* operator new(std::size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using fastprop::core::Gemm;
using fastprop::core::Isa;
using fastprop::core::ThreadPool;
using fastprop::core::Trans;

namespace {

const Isa kAllIsas[] = {Isa::kScalar, Isa::kAvx2, Isa::kAvx512};

struct Case {
  bool ta, tb;
  std::size_t m, n, k;
  float alpha, beta;
  bool bias;
  std::size_t pad;  // extra leading-dimension slack for A, B and C
};

std::string describe(const Case& c) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%c%c m=%zu n=%zu k=%zu alpha=%g beta=%g bias=%d pad=%zu",
                c.ta ? 'T' : 'N', c.tb ? 'T' : 'N', c.m, c.n, c.k, c.alpha, c.beta, c.bias,
                c.pad);
  return buf;
}

struct Operands {
  std::vector<float> a, b, c0, bias;
  std::size_t lda, ldb, ldc;
};

Operands make_operands(const Case& cs, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  Operands o;
  const std::size_t a_rows = cs.ta ? cs.k : cs.m, a_cols = cs.ta ? cs.m : cs.k;
  const std::size_t b_rows = cs.tb ? cs.n : cs.k, b_cols = cs.tb ? cs.k : cs.n;
  o.lda = a_cols + cs.pad;
  o.ldb = b_cols + cs.pad;
  o.ldc = cs.n + cs.pad;
  o.a.resize(std::max<std::size_t>(1, a_rows * o.lda));
  o.b.resize(std::max<std::size_t>(1, b_rows * o.ldb));
  o.c0.resize(std::max<std::size_t>(1, cs.m * o.ldc));
  for (float& x : o.a) x = u(rng);
  for (float& x : o.b) x = u(rng);
  // beta == 0: C must be write-only, so pre-fill it with NaN to catch any read.
  for (float& x : o.c0) x = cs.beta == 0.0f ? std::numeric_limits<float>::quiet_NaN() : u(rng);
  if (cs.bias) {
    o.bias.resize(cs.n);
    for (float& x : o.bias) x = u(rng);
  }
  return o;
}

// Runs the product and returns C (the full m×ldc storage, padding included).
std::vector<float> run_case(Gemm& g, const Case& cs, const Operands& o) {
  std::vector<float> c = o.c0;
  // Sentinel in the padding columns: must survive untouched.
  for (std::size_t i = 0; i < cs.m; ++i)
    for (std::size_t j = cs.n; j < o.ldc; ++j) c[i * o.ldc + j] = 12345.0f;
  g.sgemm(cs.ta ? Trans::kYes : Trans::kNo, cs.tb ? Trans::kYes : Trans::kNo, cs.m, cs.n, cs.k,
          cs.alpha, o.a.data(), o.lda, o.b.data(), o.ldb, cs.beta, c.data(), o.ldc,
          cs.bias ? o.bias.data() : nullptr);
  return c;
}

bool check_case(const Case& cs, const Operands& o, const std::vector<float>& c,
                std::string* why) {
  const double eps = std::numeric_limits<float>::epsilon();
  for (std::size_t i = 0; i < cs.m; ++i) {
    for (std::size_t j = 0; j < o.ldc; ++j) {
      const float got = c[i * o.ldc + j];
      if (j >= cs.n) {
        if (got != 12345.0f) {
          *why = "wrote padding at (" + std::to_string(i) + "," + std::to_string(j) + ")";
          return false;
        }
        continue;
      }
      double sum = 0, mag = 0;
      for (std::size_t p = 0; p < cs.k; ++p) {
        const double x = cs.ta ? o.a[p * o.lda + i] : o.a[i * o.lda + p];
        const double y = cs.tb ? o.b[j * o.ldb + p] : o.b[p * o.ldb + j];
        sum += x * y;
        mag += std::fabs(x * y);
      }
      double ref = cs.alpha * sum;
      mag *= std::fabs(cs.alpha);
      if (cs.beta != 0.0f) {
        ref += cs.beta * double(o.c0[i * o.ldc + j]);
        mag += std::fabs(cs.beta * double(o.c0[i * o.ldc + j]));
      }
      if (cs.bias) {
        ref += o.bias[j];
        mag += std::fabs(o.bias[j]);
      }
      const double tol = 4 * eps * (std::sqrt(double(cs.k)) + 2) * mag + 1e-30;
      if (!(std::fabs(got - ref) <= tol)) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "C(%zu,%zu) = %.9g, reference %.9g (tol %.3g)", i, j,
                      got, ref, tol);
        *why = buf;
        return false;
      }
    }
  }
  return true;
}

std::vector<Case> test_cases() {
  std::vector<Case> cases;
  const std::size_t dims[][3] = {
      {1, 1, 1},     {1, 37, 5},     {19, 1, 7},    {5, 9, 1},     {14, 32, 16},
      {15, 33, 17},  {13, 31, 300},  {6, 16, 3},    {7, 17, 64},   {64, 512, 100},
      {64, 100, 784}, {100, 70, 50}, {200, 150, 129}, {300, 47, 33}, {170, 260, 401},
      {29, 45, 3000}, {333, 70, 800}, {3, 5000, 20}, {1000, 13, 9}, {64, 784, 512},
      {120, 90, 1100}, {128, 40, 520}, {97, 33, 700},
  };
  for (const auto& d : dims) {
    for (int t = 0; t < 4; ++t) {
      const bool ta = t & 1, tb = t & 2;
      cases.push_back({ta, tb, d[0], d[1], d[2], 1.0f, 0.0f, false, 0});
      cases.push_back({ta, tb, d[0], d[1], d[2], -0.5f, 1.0f, true, 3});
      cases.push_back({ta, tb, d[0], d[1], d[2], 1.5f, 0.25f, false, 16});
      cases.push_back({ta, tb, d[0], d[1], d[2], 1.0f, 0.0f, true, 1});
    }
  }
  // k == 0 and alpha == 0: C = beta·C (+ bias), A and B never read.
  cases.push_back({false, false, 7, 9, 0, 1.0f, 0.0f, false, 0});
  cases.push_back({false, false, 7, 9, 0, 1.0f, 0.0f, true, 2});
  cases.push_back({true, true, 7, 9, 0, 1.0f, 0.5f, true, 2});
  cases.push_back({false, true, 20, 40, 30, 0.0f, 2.0f, false, 0});
  cases.push_back({false, false, 20, 40, 30, 0.0f, 0.0f, true, 0});
  return cases;
}

int run_tests() {
  int failures = 0, checked = 0;
  ThreadPool pool1(1), pool2(2), pool3(3);
  // m == 0 / n == 0 must not touch anything.
  for (Isa isa : kAllIsas) {
    if (!fastprop::core::isa_supported(isa)) {
      std::printf("%-7s not supported here: skipped\n", fastprop::core::isa_name(isa));
      continue;
    }
    Gemm g1(isa, nullptr), g2(isa, &pool2), g3(isa, &pool3), gp1(isa, &pool1);
    float dummy = 7.0f;
    g1.sgemm(Trans::kNo, Trans::kNo, 0, 5, 5, 1.0f, nullptr, 5, nullptr, 5, 0.0f, &dummy, 5);
    g1.sgemm(Trans::kNo, Trans::kNo, 5, 0, 5, 1.0f, nullptr, 5, nullptr, 5, 0.0f, &dummy, 5);
    if (dummy != 7.0f) {
      std::printf("FAIL %s: m or n == 0 wrote C\n", fastprop::core::isa_name(isa));
      ++failures;
    }
    std::uint32_t seed = 1;
    int isa_fail = 0, isa_cases = 0;
    for (const Case& cs : test_cases()) {
      const Operands o = make_operands(cs, seed++);
      const std::vector<float> c1 = run_case(g1, cs, o);
      std::string why;
      ++checked;
      ++isa_cases;
      if (!check_case(cs, o, c1, &why)) {
        std::printf("FAIL %s %s: %s\n", fastprop::core::isa_name(isa), describe(cs).c_str(),
                    why.c_str());
        ++isa_fail;
        continue;
      }
      // Same bits whatever the thread count (and a second call on a warm Gemm).
      for (Gemm* g : {&g2, &g3, &gp1, &g1}) {
        const std::vector<float> cn = run_case(*g, cs, o);
        if (std::memcmp(c1.data(), cn.data(), c1.size() * sizeof(float)) != 0) {
          std::printf("FAIL %s %s: %d threads differ bitwise from 1 thread\n",
                      fastprop::core::isa_name(isa), describe(cs).c_str(),
                      g->pool() ? g->pool()->size() : 1);
          ++isa_fail;
          break;
        }
      }
    }
    // Bitwise determinism on shapes big enough to really use both threads, every schedule
    // (4301×4133: C split by rows, B wider than one column block of the threads' shared pack).
    const std::size_t big[][3] = {{64, 784, 512}, {784, 512, 64}, {512, 512, 512}, {300, 1000, 700},
                                  {4301, 4133, 9}};
    for (const auto& d : big) {
      for (int t = 0; t < 4; ++t) {
        const Case cs{bool(t & 1), bool(t & 2), d[0], d[1], d[2], 1.0f, 0.0f, true, 0};
        const Operands o = make_operands(cs, seed++);
        ++isa_cases;
        ++checked;
        const std::vector<float> c1 = run_case(g1, cs, o), c2 = run_case(g2, cs, o),
                                 c3 = run_case(g3, cs, o);
        if (std::memcmp(c1.data(), c2.data(), c1.size() * 4) != 0 ||
            std::memcmp(c1.data(), c3.data(), c1.size() * 4) != 0) {
          std::printf("FAIL %s %s: thread counts differ bitwise\n", fastprop::core::isa_name(isa),
                      describe(cs).c_str());
          ++isa_fail;
        }
      }
    }
    std::printf("%-7s %d/%d cases passed\n", fastprop::core::isa_name(isa), isa_cases - isa_fail,
                isa_cases);
    failures += isa_fail;
  }

  // Steady state: no allocation inside sgemm once a Gemm has seen its largest shape.
  {
    ThreadPool pool(2);
    for (Isa isa : kAllIsas) {
      if (!fastprop::core::isa_supported(isa)) continue;
      Gemm g(isa, &pool);
      std::vector<Case> shapes = {{false, false, 64, 512, 784, 1.0f, 0.0f, true, 0},
                                  {true, false, 784, 512, 64, 1.0f, 1.0f, false, 0},
                                  {false, true, 64, 784, 512, 1.0f, 0.0f, false, 0},
                                  {false, false, 300, 300, 300, 1.0f, 0.0f, false, 0}};
      std::vector<Operands> ops;
      std::vector<std::vector<float>> outs;
      for (const Case& cs : shapes) {
        ops.push_back(make_operands(cs, 5));
        outs.push_back(ops.back().c0);
      }
      auto call_all = [&] {
        for (std::size_t i = 0; i < shapes.size(); ++i) {
          const Case& cs = shapes[i];
          const Operands& o = ops[i];
          g.sgemm(cs.ta ? Trans::kYes : Trans::kNo, cs.tb ? Trans::kYes : Trans::kNo, cs.m, cs.n,
                  cs.k, cs.alpha, o.a.data(), o.lda, o.b.data(), o.ldb, cs.beta,
                  outs[i].data(), o.ldc, cs.bias ? o.bias.data() : nullptr);
        }
      };
      call_all();
      const long before = g_allocations.load();
      for (int rep = 0; rep < 5; ++rep) call_all();
      const long allocs = g_allocations.load() - before;
      ++checked;
      if (allocs != 0) {
        std::printf("FAIL %s: %ld heap allocations in steady-state sgemm calls\n",
                    fastprop::core::isa_name(isa), allocs);
        ++failures;
      } else {
        std::printf("%-7s no allocation in steady state: ok\n", fastprop::core::isa_name(isa));
      }
    }
  }

  // The pool: concurrent callers from several threads, every task exactly once.
  {
    ThreadPool pool(2);
    std::vector<std::thread> callers;
    std::atomic<int> bad{0};
    for (int t = 0; t < 3; ++t) {
      callers.emplace_back([&] {
        for (int rep = 0; rep < 2000; ++rep) {
          std::vector<std::atomic<int>> hits(37);
          pool.parallel_for(hits.size(), [&](std::size_t task, int thread) {
            if (thread < 0 || thread >= pool.size()) ++bad;
            ++hits[task];
          });
          for (auto& h : hits)
            if (h.load() != 1) ++bad;
        }
      });
    }
    for (auto& th : callers) th.join();
    ++checked;
    if (bad.load() != 0) {
      std::printf("FAIL thread pool: %d bad task counts under concurrent callers\n", bad.load());
      ++failures;
    } else {
      std::printf("pool    concurrent parallel_for from 3 threads: ok\n");
    }
  }
  // Two Gemms sharing one pool from two threads at once (two models training).
  {
    ThreadPool pool(2);
    const Isa isa = fastprop::core::default_isa();
    const Case cs{false, true, 64, 512, 784, 1.0f, 0.0f, true, 0};
    const Operands o = make_operands(cs, 99);
    Gemm ref(isa, nullptr);
    const std::vector<float> want = run_case(ref, cs, o);
    std::atomic<int> bad{0};
    std::vector<std::thread> callers;
    for (int t = 0; t < 2; ++t) {
      callers.emplace_back([&] {
        Gemm g(isa, &pool);
        for (int rep = 0; rep < 50; ++rep)
          if (run_case(g, cs, o) != want) ++bad;
      });
    }
    for (auto& th : callers) th.join();
    ++checked;
    if (bad.load() != 0) {
      std::printf("FAIL two Gemms on one pool: %d mismatches\n", bad.load());
      ++failures;
    } else {
      std::printf("pool    two Gemms sharing a pool from two threads: ok\n");
    }
  }
  std::printf("%s: %d failures in %d checks (default ISA %s, %d default threads)\n",
              failures ? "FAILED" : "PASSED", failures, checked,
              fastprop::core::isa_name(fastprop::core::default_isa()),
              fastprop::core::default_thread_count());
  return failures ? 1 : 0;
}

// ---- peak probe ---------------------------------------------------------------------------

// The addon's probe (core/peak_probe.h), best of three, on one thread.
double peak_gflops(Isa isa) {
  double best = 0;
  for (int r = 0; r < 3; ++r) best = std::max(best, fastprop::core::fma_peak_gflops(isa, 1, 0.2));
  return best;
}

int run_peak() {
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
    if (!fastprop::core::isa_supported(isa)) continue;
    std::printf("peak %-7s 1 thread: %.1f GFLOP/s\n", fastprop::core::isa_name(isa),
                peak_gflops(isa));
  }
  return 0;
}

// ---- benchmark ----------------------------------------------------------------------------

struct Shape {
  const char* name;
  std::size_t m, k, n;
  bool ta, tb;
};

const Shape kShapes[] = {
    {"128^3", 128, 128, 128, false, false},
    {"256^3", 256, 256, 256, false, false},
    {"512^3", 512, 512, 512, false, false},
    {"1024^3", 1024, 1024, 1024, false, false},
    {"2048^3", 2048, 2048, 2048, false, false},
    {"64x784x512", 64, 784, 512, false, false},
    {"64x512x256", 64, 512, 256, false, false},
    {"784x64x512 (AT)", 784, 64, 512, true, false},
    {"64x512x784 (BT)", 64, 512, 784, false, true},
};

struct Rate {
  double median, best;
};

// Median (and best) GFLOP/s over samples of ≥ ~2 ms each, after a warm-up. The best sample
// shows what the code can do when the (shared, noisy) machine leaves it alone.
Rate bench_shape(Gemm& g, const Shape& s, double budget) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> a(s.m * s.k), b(s.k * s.n), c(s.m * s.n), bias(s.n);
  for (float& x : a) x = u(rng);
  for (float& x : b) x = u(rng);
  const std::size_t lda = s.ta ? s.m : s.k, ldb = s.tb ? s.k : s.n;
  auto call = [&] {
    g.sgemm(s.ta ? Trans::kYes : Trans::kNo, s.tb ? Trans::kYes : Trans::kNo, s.m, s.n, s.k,
            1.0f, a.data(), lda, b.data(), ldb, 0.0f, c.data(), s.n);
  };
  call();
  call();
  const double flops = 2.0 * s.m * s.n * s.k;
  auto t0 = std::chrono::steady_clock::now();
  call();
  double one = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const int reps = std::max(1, int(2e-3 / std::max(one, 1e-7)));
  std::vector<double> samples;
  const auto start = std::chrono::steady_clock::now();
  while (samples.size() < 5 ||
         (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() <
              budget &&
          samples.size() < 200)) {
    t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r) call();
    const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    samples.push_back(flops * reps / el / 1e9);
  }
  std::sort(samples.begin(), samples.end());
  return {samples[samples.size() / 2], samples.back()};
}

std::size_t round_up_to(std::size_t x, std::size_t to) { return (x + to - 1) / to * to; }

// The micro-kernels alone, on one tile whose packed panels stay in L1/L2: the ceiling the
// blocking can reach.
int run_kernel_bench() {
  std::vector<const fastprop::core::kernels::KernelTable*> tables = {
      &fastprop::core::kernels::table_scalar()};
#if defined(FASTPROP_X86_KERNELS)
  if (fastprop::core::isa_supported(Isa::kAvx2)) tables.push_back(&fastprop::core::kernels::table_avx2());
  if (fastprop::core::isa_supported(Isa::kAvx512))
    tables.push_back(&fastprop::core::kernels::table_avx512());
#endif
  for (const auto* kt : tables) {
    const double peak = peak_gflops(kt->isa);
    for (int t = 0; t < kt->tile_count; ++t) {
      const auto& tile = kt->tiles[t];
      for (std::size_t kc : {std::size_t(256), std::size_t(512)}) {
        std::vector<float> a(tile.mr * kc + 64, 0.5f), b(tile.nr * kc + 64, 0.25f);
        std::vector<float> c(tile.mr * tile.nr, 0.0f);
        // 64-byte aligned panels, as the driver's buffers are.
        float* pa = a.data() + (16 - (reinterpret_cast<std::uintptr_t>(a.data()) / 4) % 16) % 16;
        float* pb = b.data() + (16 - (reinterpret_cast<std::uintptr_t>(b.data()) / 4) % 16) % 16;
        const int reps = 20000;
        double best = 0;
        for (int s = 0; s < 7; ++s) {
          const auto t0 = std::chrono::steady_clock::now();
          for (int r = 0; r < reps; ++r)
            tile.kernel(kc, pa, pb, c.data(), tile.nr, tile.mr, tile.nr, 1.0f, 1.0f, nullptr);
          const double el =
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          best = std::max(best, 2.0 * tile.mr * tile.nr * kc * reps / el / 1e9);
        }
        std::printf("kernel %-7s %2zux%-2zu kc=%-4zu %7.1f GFLOP/s", fastprop::core::isa_name(kt->isa),
                    tile.mr, tile.nr, kc, best);
        if (peak > 0) std::printf("  %5.1f%% of peak", 100 * best / peak);
        std::printf("\n");
      }
      // Packing speed, in floats per nanosecond, for the four layouts of a 64×784 / 784×512
      // operand (the MLP's first layer).
      {
        const std::size_t rows = 64, depth = 784, cols = 512;
        std::vector<float> src(depth * cols, 1.0f), dst(round_up_to(cols, tile.nr) * depth + 64);
        auto time_it = [&](auto&& fn, double floats) {
          double best = 0;
          for (int s = 0; s < 7; ++s) {
            const auto t0 = std::chrono::steady_clock::now();
            for (int r = 0; r < 20; ++r) fn();
            const double el =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            best = std::max(best, floats * 20 / el / 1e9);
          }
          return best;
        };
        const double a_n = time_it([&] { tile.pack_a(false, src.data(), depth, rows, depth, dst.data()); }, double(rows * depth));
        const double a_t = time_it([&] { tile.pack_a(true, src.data(), cols, rows, depth, dst.data()); }, double(rows * depth));
        const double b_n = time_it([&] { tile.pack_b(false, src.data(), cols, depth, cols, dst.data()); }, double(cols * depth));
        const double b_t = time_it([&] { tile.pack_b(true, src.data(), depth, depth, cols, dst.data()); }, double(cols * depth));
        std::printf("pack   %-7s %2zux%-2zu  A: %.2f (N) %.2f (T)   B: %.2f (N) %.2f (T) floats/ns\n",
                    fastprop::core::isa_name(kt->isa), tile.mr, tile.nr, a_n, a_t, b_n, b_t);
      }
    }
  }
  return 0;
}

int run_bench(int argc, char** argv) {
  std::vector<Isa> isas;
  double budget = 0.6;
  std::string only;  // substring of the shape names to run
  for (int i = 2; i < argc; ++i) {
    Isa isa;
    if (fastprop::core::parse_isa(argv[i], &isa)) isas.push_back(isa);
    if (std::strncmp(argv[i], "--seconds=", 10) == 0) budget = std::atof(argv[i] + 10);
    if (std::strncmp(argv[i], "--shape=", 8) == 0) only = argv[i] + 8;
  }
  if (isas.empty()) isas.assign(std::begin(kAllIsas), std::end(kAllIsas));
  ThreadPool pool2(2);
  for (Isa isa : isas) {
    if (!fastprop::core::isa_supported(isa)) continue;
    const double peak = peak_gflops(isa);
    std::printf("\n%s  (FMA peak probe, 1 thread: %.1f GFLOP/s)\n", fastprop::core::isa_name(isa),
                peak);
    std::printf("%-18s %17s %8s %17s %8s\n", "shape m x k x n", "1 thread (best)",
                "% peak", "2 threads (best)", "% 2xpeak");
    Gemm g1(isa, nullptr), g2(isa, &pool2);
    for (const Shape& s : kShapes) {
      if (!only.empty() && std::string(s.name).find(only) == std::string::npos) continue;
      if (isa == Isa::kScalar && s.m * s.n * s.k > (1u << 28)) continue;  // too slow to matter
      const Rate r1 = bench_shape(g1, s, budget);
      const Rate r2 = bench_shape(g2, s, budget);
      std::printf("%-18s %8.1f (%6.1f) %7.1f%% %8.1f (%6.1f) %7.1f%%\n", s.name, r1.median,
                  r1.best, peak > 0 ? 100 * r1.median / peak : 0.0, r2.median, r2.best,
                  peak > 0 ? 50 * r2.median / peak : 0.0);
      std::fflush(stdout);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "test";
  if (mode == "test") return run_tests();
  if (mode == "bench") return run_bench(argc, argv);
  if (mode == "peak") return run_peak();
  if (mode == "kernel") return run_kernel_bench();
  std::fprintf(stderr, "usage: %s test | bench [isa...] [--seconds=S] [--shape=SUBSTR] | peak | kernel\n", argv[0]);
  return 2;
}
