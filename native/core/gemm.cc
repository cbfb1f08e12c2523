// SPDX-License-Identifier: MIT
// The blocked sgemm driver around the per-ISA micro-kernels (BLIS's five loops, see flame/blis
// docs/KernelsHowTo.md and docs/Multithreading.md):
//
//   JC  over n in nc-wide blocks            (packed B block kc×nc: L3)
//    PC over k in kc-deep blocks            (never threaded: every k block updates the same C,
//                                            and splitting k would change the summation order)
//     IC over m in mc-tall blocks           (packed A block mc×kc: L2)
//      IR over the block's MR-tall panels   (A micro-panel MR×kc: L1)
//       JR over the B block's NR-wide panels → micro-kernel on one MR×NR tile of C
//
// IR outside JR, as BLIS's kernels for AVX-512 have it: the micro-panel that stays in L1 is
// the one the kernel broadcasts from (A: 14×512 floats, 28 KiB), and the B micro-panels the
// kernel loads as vectors stream past it. The other order kept a B micro-panel (512×32 floats,
// 64 KiB: more than a 48 KiB L1) and streamed A. This order made 1,024³ and 2,048³ on 1 thread
// 1.020–1.037× as fast (two runs of 11 and 15 rounds, bench/compare-builds.mjs), 512³ 1.00×;
// on 2 threads 256³ 1.13×, the rest and MLP training 0.96–1.03× (noise). The AVX2 kernel
// gained most: 1,024³ 1.22×, 2,048³ 1.20× (1 thread, 11 rounds). The same bits.
//
// Edges are handled by zero-padding while packing, so every kernel call runs a full tile and
// only writes back its valid part. Transposes are absorbed by the packing routines (never
// materialised). `bias` is added in the write-back of the last k block only.
//
// Threads: C is cut into one rectangle per thread, along m or along n (whichever balances
// better, in whole MR/NR panels), and each thread runs the serial loops above on its rectangle
// with its own packing buffers. That is one parallel_for per call and no barrier; the packing
// of the split operand is split with it, and the other operand is packed by every thread
// (cheap next to the product once the minimum-work threshold lets threads in at all).
//
// Small m (≤ m_small, one IC block: the batch-64 shapes of an MLP): A is packed once per k block
// and B is packed one or two micro-panels at a time, right before their use, into a buffer that
// stays in L1/L2. B, the big operand here, is read from memory once and never written back out
// as a large packed block. When its k is split in blocks (always at k ≥ 512), the threads take
// k blocks instead of rectangles (small_m_split_k), and C is then summed from their parts.
//
// Determinism: the k blocking depends on the problem alone (never the thread count), every
// element's k-sum runs in order inside one kernel call per k block, and the blocks are
// combined in order in the write-back (or, split by k, by the same additions in the same
// order). Which thread, or which tile shape, computes an element never changes its bits.
#include "gemm.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "thread_pool.h"

namespace fastprop::core {
namespace {

using kernels::KernelTable;
using kernels::Tile;

// Below this many flops per thread a product runs on one thread: handing work to a worker and
// sharing cache lines costs a few microseconds, about what 2^19 flops (5 µs at 100 GFLOP/s)
// take on one core. A 64×784 · 784×8 product (0.8 Mflop) stays on one thread.
constexpr double kMinFlopsPerThread = 1 << 19;

constexpr std::size_t kAlign = 64;

const KernelTable& table_for(Isa isa) {
#if defined(FASTPROP_X86_KERNELS)
  if (isa == Isa::kAvx512) return kernels::table_avx512();
  if (isa == Isa::kAvx2) return kernels::table_avx2();
#endif
  (void)isa;
  return kernels::table_scalar();
}

std::size_t round_up(std::size_t x, std::size_t to) { return (x + to - 1) / to * to; }
std::size_t div_up(std::size_t x, std::size_t y) { return (x + y - 1) / y; }

// A 64-byte aligned float buffer that only ever grows (no allocation in steady state).
class Buffer {
 public:
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer(Buffer&& o) noexcept : data_(o.data_), size_(o.size_) { o.data_ = nullptr; o.size_ = 0; }
  ~Buffer() { release(); }

  float* reserve(std::size_t floats) {
    if (floats > size_) {
      release();
      const std::size_t bytes = round_up(floats * sizeof(float), kAlign);
      data_ = static_cast<float*>(::operator new(bytes, std::align_val_t(kAlign)));
      size_ = bytes / sizeof(float);
    }
    return data_;
  }
  float* data() const { return data_; }
  std::size_t bytes() const { return size_ * sizeof(float); }

 private:
  void release() {
    if (data_) ::operator delete(data_, std::align_val_t(kAlign));
    data_ = nullptr;
    size_ = 0;
  }
  float* data_ = nullptr;
  std::size_t size_ = 0;
};

// C := beta·C (+ bias): the whole product when k == 0 or alpha == 0.
void scale_c(std::size_t m, std::size_t n, float beta, float* c, std::size_t ldc,
             const float* bias) {
  for (std::size_t i = 0; i < m; ++i) {
    float* ci = c + i * ldc;
    if (beta == 0.0f) {
      for (std::size_t j = 0; j < n; ++j) ci[j] = bias ? bias[j] : 0.0f;
    } else if (beta != 1.0f || bias) {
      for (std::size_t j = 0; j < n; ++j) ci[j] = beta * ci[j] + (bias ? bias[j] : 0.0f);
    }
  }
}

// Continues the column sums of op(B) over one packed B micro-panel (`depth` rows of `nr` floats,
// of which the first `cols` are real columns): sums[j] += row p's value, p in order. The sums
// run on across k blocks, so each is the plain sequential Σ_p op(B)[p][j], whatever the blocking.
void add_panel_rows(const float* panel, std::size_t depth, std::size_t nr, std::size_t cols,
                    float* sums) {
  constexpr std::size_t kWidth = 32;  // the widest tile's NR (AVX-512); wider panels take turns
  for (std::size_t j0 = 0; j0 < cols; j0 += kWidth) {
    const std::size_t w = std::min(kWidth, cols - j0);
    float acc[kWidth];
    for (std::size_t j = 0; j < w; ++j) acc[j] = sums[j0 + j];
    for (std::size_t p = 0; p < depth; ++p) {
      const float* row = panel + p * nr + j0;
      for (std::size_t j = 0; j < w; ++j) acc[j] += row[j];
    }
    for (std::size_t j = 0; j < w; ++j) sums[j0 + j] = acc[j];
  }
}

// The same sums read from op(B) in place, for the paths that do not pack B.
void add_b_rows(const float* b, std::size_t ldb, bool tb, std::size_t k, std::size_t n,
                float* sums) {
  for (std::size_t p = 0; p < k; ++p) {
    for (std::size_t j = 0; j < n; ++j) sums[j] += tb ? b[j * ldb + p] : b[p * ldb + j];
  }
}

// One call's operands, as seen by the loops.
struct Problem {
  bool ta, tb;
  std::size_t m, n, k;
  float alpha, beta;
  const float* a;
  std::size_t lda;
  const float* b;
  std::size_t ldb;
  float* c;
  std::size_t ldc;
  const float* bias;
  const Epilogue* epilogue;
  float* b_sums;  // running column sums of op(B), or null

  // Hands a finished block of C to the epilogue, if any: from C, or from `block` (rows `ld`
  // apart) when the product kept it in its scratch buffer.
  void finished(std::size_t i0, std::size_t j0, std::size_t rows, std::size_t cols,
                float* block = nullptr, std::size_t ld = 0) const {
    if (!epilogue) return;
    if (block) {
      epilogue->apply(epilogue->context, i0, j0, rows, cols, block, ld);
    } else {
      epilogue->apply(epilogue->context, i0, j0, rows, cols, c + i0 * ldc + j0, ldc);
    }
  }

  const float* a_block(std::size_t i0, std::size_t p0) const {
    return ta ? a + p0 * lda + i0 : a + i0 * lda + p0;
  }
  const float* b_block(std::size_t p0, std::size_t j0) const {
    return tb ? b + j0 * ldb + p0 : b + p0 * ldb + j0;
  }
};

// The k blocks: as few as kc allows, of equal depth, so no block is a sliver. Depends on the
// problem's shape and the ISA only (never on the thread count: that would change the rounding).
struct KBlocks {
  std::size_t count, depth;
  std::size_t begin(std::size_t q) const { return q * depth; }
  std::size_t size(std::size_t q, std::size_t k) const { return std::min(depth, k - q * depth); }
};

KBlocks k_blocks(std::size_t k, std::size_t kc_max) {
  const std::size_t count = div_up(k, kc_max);
  return {count, div_up(k, count)};
}

// The table's main tile, unless it would pad m by more than 5% and the alternative pads less
// (m = 64 with a 14-row tile computes 70 rows; an 8-row tile computes exactly 64).
const Tile& pick_tile(const KernelTable& kt, std::size_t m) {
  const Tile& main = kt.tiles[0];
  if (kt.tile_count < 2) return main;
  const Tile& alt = kt.tiles[1];
  const std::size_t main_rows = round_up(m, main.mr), alt_rows = round_up(m, alt.mr);
  return (main_rows - m) * 20 > main_rows && alt_rows < main_rows ? alt : main;
}

// The cache lines of the source of a group of B micro-panels (depth rows p0…p0+kc, columns
// j0…j0+cols of op(B)), for software prefetch into L2. Not transposed: one run of `cols` floats
// per row; transposed: `cols` runs of kc floats. One prefetch per 16 floats from a run's start:
// when a run does not start on a line, its last line is left to the hardware (one more
// prefetch per run made batch-64 training 0.81–0.92× as fast on 2 threads).
struct BPanelLines {
  const Problem& p;
  std::size_t p0, kc, j0, cols;
  std::size_t per_run = div_up(p.tb ? kc : cols, 16);  // prefetches per contiguous run
  std::size_t count = (p.tb ? cols : kc) * per_run;    // 0 when there is no next group

  void prefetch(std::size_t u0, std::size_t u1) const {
    for (std::size_t u = u0; u < u1; ++u) {
      const std::size_t run = u / per_run, at = (u % per_run) * 16;
      const float* line =
          p.tb ? p.b + (j0 + run) * p.ldb + p0 + at : p.b + (p0 + run) * p.ldb + j0 + at;
      __builtin_prefetch(line, 0, 2);
    }
  }
};

// A rectangle of C computed by one thread: rows [i0, i1), columns [j0, j1), with corners on
// the MR×NR tile grid.
struct Region {
  std::size_t i0, i1, j0, j1;
};

// How the threads share C: `parts` rectangles, all rows × a range of columns (split n) or a
// range of rows × all columns (split m). Balanced to whole MR/NR panels.
struct Split {
  bool by_rows;
  std::size_t parts;
};

// What packing one float costs, in flops of the micro-kernel's time: a packed float is read
// from L3 or memory and written once (and packing A transposes it), which takes about as long
// as a few dozen FMA lanes. Only its ratio to the flops matters.
constexpr double kPackFlopsPerFloat = 32;

// Picks the direction whose busiest thread finishes first. A thread's time is its share of the
// flops plus its packing: its own slice of the split operand, and all of the other one (every
// thread packs that whole), except that threads whose rows take the large-m schedule (more
// than m_small each) share one packed B (large_m_shared_b). Balance alone splits a
// 1024×784·784×512 product by columns (256 + 256 of 512, against 518 + 506 of 1,024 rows), and
// then each thread transposes all of A while packing it; split by rows, that product ran 8%
// faster on 2 threads (medians of 40 calls, 6 alternating runs: 2,780 → 2,522 µs).
// `by_rows_only` (Epilogue::by_rows) splits by rows whenever there are enough row panels for
// the threads.
Split choose_split(std::size_t m, std::size_t n, std::size_t k, std::size_t mr, std::size_t nr,
                   std::size_t m_small, int threads, bool by_rows_only) {
  const std::size_t t = static_cast<std::size_t>(threads);
  const std::size_t mp = div_up(m, mr), np = div_up(n, nr);
  // The busiest thread's rows (split m) or columns (split n), in whole panels.
  const double rows = double(std::min(m, div_up(mp, t) * mr));
  const double cols = double(std::min(n, div_up(np, t) * nr));
  const double dm = double(m), dn = double(n), dk = double(k);
  const double b_packed = rows > double(m_small) ? dn / double(t) : dn;
  const double by_rows = 2 * rows * dn * dk + kPackFlopsPerFloat * (rows + b_packed) * dk;
  const double by_cols = 2 * dm * cols * dk + kPackFlopsPerFloat * (dm + cols) * dk;
  if (mp >= t && (by_rows_only || np < t || by_rows < by_cols || (by_rows == by_cols && m > n)))
    return {true, std::min(t, mp)};
  return {false, std::min(t, np)};
}

}  // namespace

struct Gemm::Impl {
  Isa isa;
  ThreadPool* pool;       // the active pool: null while set_single_thread(true)
  ThreadPool* full_pool;  // the pool given at construction
  const KernelTable* kt;
  std::vector<Buffer> a_buf;  // per thread: packed A block
  std::vector<Buffer> b_buf;  // per thread: packed B block, or one micro-panel (small m)
  std::vector<Buffer> c_buf;  // per thread: one block of C, for Epilogue::c_scratch
  Buffer k_parts;             // small_m_split_k: the products of k blocks 1, 2, …
  Buffer b_shared;            // large_m_shared_b: the packed B block all threads read

  int threads_for(const Problem& p) const {
    const int avail = pool ? pool->size() : 1;
    const double flops = 2.0 * static_cast<double>(p.m) * static_cast<double>(p.n) *
                         static_cast<double>(p.k);
    const double want = flops / kMinFlopsPerThread;
    return want < 1.0 ? 1 : static_cast<int>(std::min<double>(avail, want));
  }

  // Runs fn(task, thread) for every task, on the pool when threads > 1. The std::function
  // wraps a reference to fn, never a copy: a copied closure this large would be heap-allocated
  // on every call.
  template <typename Fn>
  void run(std::size_t tasks, int threads, const Fn& fn) {
    if (threads <= 1 || tasks <= 1) {
      for (std::size_t t = 0; t < tasks; ++t) fn(t, 0);
    } else {
      pool->parallel_for(tasks, std::function<void(std::size_t, int)>(std::cref(fn)));
    }
  }

  void small_m(const Problem& p, const Region& r, const Tile& tile, const KBlocks& kb,
               int thread);
  void large_m(const Problem& p, const Region& r, const Tile& tile, const KBlocks& kb,
               int thread, bool scratch);
  void small_m_split_k(const Problem& p, const Tile& tile, const KBlocks& kb, int threads);
  void large_m_shared_b(const Problem& p, const Tile& tile, const KBlocks& kb, int threads,
                        std::size_t chunk, bool scratch);

  // Grows the packing (and scratch) buffers of the first `buffers` threads before a product
  // goes parallel: no allocation once the largest shape has been seen.
  void reserve(std::size_t buffers, std::size_t a_floats, std::size_t b_floats,
               std::size_t c_floats = 0) {
    for (std::size_t t = 0; t < buffers; ++t) {
      a_buf[t].reserve(a_floats);
      b_buf[t].reserve(b_floats);
      c_buf[t].reserve(c_floats);
    }
  }
};

// B micro-panels the small-m schedule packs at a time when B is not transposed. Then a panel's
// source is a 128-byte run per row of B, rows ldb apart: packing it waits on memory a line or
// two at a time, and took 26% of a 64×784·784×512 product on 1 thread (perf record). Two panels
// read 256 contiguous bytes per row: 64×784·784×512 ran 1.01–1.03× as fast, 64×784·784×1024 (B
// out of L2) 1.02–1.06×; four or eight panels were no better. Transposed, a panel's source is
// already nr runs of kc contiguous floats, and two panels read 0.97–1.00×: one at a time.
constexpr std::size_t kSmallMPanels = 2;

// At most m_small rows: one IC block. A is packed once per k block; B is packed a group of
// micro-panels at a time (kSmallMPanels, or one when B is transposed), right before their use,
// into a buffer that stays in L1/L2, so B is read from memory once and never written out as a
// big packed block (that traffic dominates when m is small).
void Gemm::Impl::small_m(const Problem& p, const Region& r, const Tile& kt, const KBlocks& kb,
                         int thread) {
  const std::size_t mr = kt.mr, nr = kt.nr, m = r.i1 - r.i0;
  const std::size_t group = (p.tb ? 1 : kSmallMPanels) * nr;
  float* pa = a_buf[thread].data();
  float* pb = b_buf[thread].data();
  for (std::size_t q = 0; q < kb.count; ++q) {
    const std::size_t p0 = kb.begin(q), kc = kb.size(q, p.k);
    const float beta = q == 0 ? p.beta : 1.0f;
    const float* bias = q + 1 == kb.count ? p.bias : nullptr;
    kt.pack_a(p.ta, p.a_block(r.i0, p0), p.lda, m, kc, pa);
    for (std::size_t g0 = r.j0; g0 < r.j1; g0 += group) {
      const std::size_t cols = std::min(group, r.j1 - g0);
      kt.pack_b(p.tb, p.b_block(p0, g0), p.ldb, kc, cols, pb);
      // While the kernels run on this group, pull the next group's source lines towards L2,
      // a slice before each kernel call, so its packing does not wait on memory as long.
      const std::size_t gn = g0 + group;
      const BPanelLines next{p, p0, kc, gn, gn < r.j1 ? std::min(group, r.j1 - gn) : 0};
      const std::size_t calls = div_up(cols, nr) * div_up(m, mr);
      std::size_t call = 0;
      for (std::size_t j0 = g0; j0 < g0 + cols; j0 += nr) {
        const std::size_t n_valid = std::min(nr, r.j1 - j0);
        const float* panel = pb + (j0 - g0) * kc;
        // Every region packs all of B's rows for its columns; the one holding row 0 sums them.
        if (p.b_sums && r.i0 == 0) add_panel_rows(panel, kc, nr, n_valid, p.b_sums + j0);
        for (std::size_t i = 0; i < m; i += mr, ++call) {
          next.prefetch(next.count * call / calls, next.count * (call + 1) / calls);
          kt.kernel(kc, pa + i * kc, panel, p.c + (r.i0 + i) * p.ldc + j0, p.ldc,
                    std::min(mr, m - i), n_valid, p.alpha, beta, bias ? bias + j0 : nullptr);
        }
      }
    }
  }
  p.finished(r.i0, r.j0, m, r.j1 - r.j0);
}

// Small m and k at least this deep: two k blocks even where one would do, so that two threads
// can take one each (small_m_split_k). Split by columns, each thread packed all of A, and in a
// training step read half of its rows of W from the other core's cache (the update splits W by
// rows). Split by k, each packs half of A and reads the rows of W it updated. Batch-64 training
// of 784-512-256-10 on 2 threads: 1.035× as fast, median of 13 runs of 21–31 alternating rounds
// (0.95–1.11; 1.06–1.09 in the quieter ones); 1 thread, which pays one more pass over C:
// 0.95–1.04 (bench/compare-builds.mjs).
constexpr std::size_t kSmallMSplitDepth = 512;

// Several threads on a small-m product of several k blocks: each task runs the small-m schedule
// on one k block over a range of columns, block 0 into C (with beta), block q ≥ 1 into a part of
// its own; then each thread adds the parts to its rows of C in block order, then the bias, and
// hands them to the epilogue. Those are the additions the one-thread write-back makes
// (C + alpha·A_q·B_q for q = 1, 2, …, then + bias), so the bits are the same.
void Gemm::Impl::small_m_split_k(const Problem& p, const Tile& tile, const KBlocks& kb,
                                 int threads) {
  const std::size_t m = p.m, n = p.n, np = div_up(n, tile.nr);
  const std::size_t spare = std::size_t(threads) / kb.count;  // threads per k block
  const std::size_t col_parts = std::min(np, std::max<std::size_t>(1, spare));
  float* parts = k_parts.data();
  run(kb.count * col_parts, threads, [&](std::size_t task, int thread) {
    const std::size_t q = task / col_parts, part = task % col_parts;
    const std::size_t j0 = np * part / col_parts * tile.nr;
    const std::size_t j1 = std::min(n, np * (part + 1) / col_parts * tile.nr);
    const std::size_t p0 = kb.begin(q), kc = kb.size(q, p.k);
    float* c = q == 0 ? p.c : parts + (q - 1) * m * n;
    const Problem block{p.ta, p.tb, m, n, kc, p.alpha, q == 0 ? p.beta : 0.0f, p.a_block(0, p0),
                        p.lda, p.b_block(p0, 0), p.ldb, c, q == 0 ? p.ldc : n, nullptr, nullptr,
                        nullptr};
    if (j0 < j1) small_m(block, Region{0, m, j0, j1}, tile, KBlocks{1, kc}, thread);
  });
  const std::size_t row_parts = std::min(m, std::size_t(threads));
  run(row_parts, threads, [&](std::size_t part, int) {
    const std::size_t i0 = m * part / row_parts, i1 = m * (part + 1) / row_parts;
    for (std::size_t i = i0; i < i1; ++i) {
      float* ci = p.c + i * p.ldc;
      for (std::size_t q = 1; q < kb.count; ++q) {
        const float* pi = parts + (q - 1) * m * n + i * n;
        for (std::size_t j = 0; j < n; ++j) ci[j] += pi[j];
      }
      if (p.bias) {
        for (std::size_t j = 0; j < n; ++j) ci[j] += p.bias[j];
      }
    }
    if (i1 > i0) p.finished(i0, 0, i1 - i0, n);
  });
}

namespace {

// The two innermost BLIS loops: every micro-tile of an rows×cols block of C from a packed A
// block and a packed B block, one kernel call each (bias: the block's first column's, or null).
void micro_tiles(const Tile& kt, std::size_t kc, const float* pa, std::size_t rows,
                 const float* pb, std::size_t cols, float* c, std::size_t ldc, float alpha,
                 float beta, const float* bias) {
  const std::size_t mr = kt.mr, nr = kt.nr;
  for (std::size_t i = 0; i < rows; i += mr) {
    for (std::size_t jr = 0; jr < cols; jr += nr) {
      kt.kernel(kc, pa + i * kc, pb + jr * kc, c + i * ldc + jr, ldc, std::min(mr, rows - i),
                std::min(nr, cols - jr), alpha, beta, bias ? bias + jr : nullptr);
    }
  }
}

}  // namespace

// The five BLIS loops over one region: packed B block (kc×nc) per (JC, PC), packed A block
// (mc×kc) per IC, then the micro-tiles. With `scratch` (Epilogue::c_scratch, one k block),
// each block goes to this thread's c_buf, reused block after block and so kept in cache, and
// the epilogue reads it there. Written to C, a large C's lines are fetched from L3 or memory
// to be overwritten (a batch-8 step writes all of ∂L/∂W, 1.6 MB for a 784×512 layer, for
// 8 multiply-adds per element), then read back by the epilogue.
void Gemm::Impl::large_m(const Problem& p, const Region& r, const Tile& kt, const KBlocks& kb,
                         int thread, bool scratch) {
  const std::size_t mr = kt.mr, nr = kt.nr;
  const std::size_t mc = round_up(this->kt->mc, mr);
  const std::size_t nc = round_up(this->kt->nc, nr);
  float* pa = a_buf[thread].data();
  float* pb = b_buf[thread].data();
  float* pc = scratch ? c_buf[thread].data() : nullptr;
  for (std::size_t jc = r.j0; jc < r.j1; jc += nc) {
    const std::size_t ncur = std::min(nc, r.j1 - jc);
    for (std::size_t q = 0; q < kb.count; ++q) {
      const std::size_t p0 = kb.begin(q), kc = kb.size(q, p.k);
      const float beta = q == 0 ? p.beta : 1.0f;
      const float* bias = q + 1 == kb.count ? p.bias : nullptr;
      kt.pack_b(p.tb, p.b_block(p0, jc), p.ldb, kc, ncur, pb);
      if (p.b_sums && r.i0 == 0) {
        for (std::size_t jr = 0; jr < ncur; jr += nr)
          add_panel_rows(pb + jr * kc, kc, nr, std::min(nr, ncur - jr), p.b_sums + jc + jr);
      }
      for (std::size_t ic = r.i0; ic < r.i1; ic += mc) {
        const std::size_t mcur = std::min(mc, r.i1 - ic);
        kt.pack_a(p.ta, p.a_block(ic, p0), p.lda, mcur, kc, pa);
        float* cb = scratch ? pc : p.c + ic * p.ldc + jc;
        const std::size_t ldcb = scratch ? ncur : p.ldc;
        micro_tiles(kt, kc, pa, mcur, pb, ncur, cb, ldcb, p.alpha, beta,
                    bias ? bias + jc : nullptr);
        if (q + 1 == kb.count) p.finished(ic, jc, mcur, ncur, scratch ? pc : nullptr, ldcb);
      }
    }
  }
}

// Blocks of rows per thread in large_m_shared_b (at most mc rows each): at the end of a k
// block, a thread waits for one block of the other's at most. Batch-1024 training on 2 threads
// (bench/compare-builds.mjs against the split into one region per thread, 11 rounds): 4 blocks
// 1.01×, 8 1.04×, 16 0.89×, all within this machine's noise; 4 read 1.08× (batch 1024) and
// 1.04× (256) in 21-round runs, and 0.99× both in a quiet spell when neither thread lagged.
constexpr std::size_t kRowBlocksPerThread = 4;

// Several threads on a product of many rows, as BLIS shares them out: for each (column block,
// k block), the threads pack B once into one buffer they all read (each a share of its
// micro-panels), then take blocks of `chunk` rows from the pool's task counter, each packing
// its own rows of A. Split into one region of C per thread instead, each thread packed all of
// B, and one that ran slow (this often runs on 2 vCPUs shared with other tenants) left the
// other waiting at the end of every product: in batch-1024 training of 784-512-256-10 on 2
// threads the caller waited for the worker in 8–21% of its parallel_for time in three readings
// (2% in a quiet spell; with this, 3% and 1%). Blocks of rows taken from a counter let the
// faster thread take more of them. The k blocks run in order, one parallel_for each, so a
// block of C gets them in the same order as on one thread (the same bits) and no task ever
// waits for another.
void Gemm::Impl::large_m_shared_b(const Problem& p, const Tile& kt, const KBlocks& kb,
                                  int threads, std::size_t chunk, bool scratch) {
  const std::size_t nr = kt.nr;
  const std::size_t nc = round_up(this->kt->nc, nr);
  const std::size_t chunks = div_up(p.m, chunk);
  float* pb = b_shared.data();
  for (std::size_t jc = 0; jc < p.n; jc += nc) {
    const std::size_t ncur = std::min(nc, p.n - jc), panels = div_up(ncur, nr);
    for (std::size_t q = 0; q < kb.count; ++q) {
      const std::size_t p0 = kb.begin(q), kc = kb.size(q, p.k);
      const float beta = q == 0 ? p.beta : 1.0f;
      const float* bias = q + 1 == kb.count && p.bias ? p.bias + jc : nullptr;
      const std::size_t packers = std::min(panels, std::size_t(threads));
      run(packers, threads, [&](std::size_t part, int) {
        const std::size_t j0 = panels * part / packers * nr;
        const std::size_t j1 = std::min(ncur, panels * (part + 1) / packers * nr);
        kt.pack_b(p.tb, p.b_block(p0, jc + j0), p.ldb, kc, j1 - j0, pb + j0 * kc);
        if (p.b_sums) {
          for (std::size_t jr = j0; jr < j1; jr += nr)
            add_panel_rows(pb + jr * kc, kc, nr, std::min(nr, ncur - jr), p.b_sums + jc + jr);
        }
      });
      run(chunks, threads, [&](std::size_t task, int thread) {
        const std::size_t ic = task * chunk, rows = std::min(chunk, p.m - ic);
        float* pa = a_buf[thread].data();
        kt.pack_a(p.ta, p.a_block(ic, p0), p.lda, rows, kc, pa);
        float* cb = scratch ? c_buf[thread].data() : p.c + ic * p.ldc + jc;
        const std::size_t ldcb = scratch ? ncur : p.ldc;
        micro_tiles(kt, kc, pa, rows, pb, ncur, cb, ldcb, p.alpha, beta, bias);
        if (q + 1 == kb.count) p.finished(ic, jc, rows, ncur, scratch ? cb : nullptr, ldcb);
      });
    }
  }
}

Gemm::Gemm(Isa isa, ThreadPool* pool) : impl_(std::make_unique<Impl>()) {
  if (!isa_supported(isa)) {
    throw std::invalid_argument(std::string("GEMM kernel '") + isa_name(isa) +
                                "' is not supported by this CPU");
  }
  impl_->isa = isa;
  impl_->pool = pool;
  impl_->full_pool = pool;
  impl_->kt = &table_for(isa);
  const int threads = pool ? pool->size() : 1;
  impl_->a_buf.resize(static_cast<std::size_t>(threads));
  impl_->b_buf.resize(static_cast<std::size_t>(threads));
  impl_->c_buf.resize(static_cast<std::size_t>(threads));
}

Gemm::~Gemm() = default;

Isa Gemm::isa() const { return impl_->isa; }

std::size_t Gemm::workspace_bytes() const {
  std::size_t bytes = 0;
  for (const Buffer& buffer : impl_->a_buf) bytes += buffer.bytes();
  for (const Buffer& buffer : impl_->b_buf) bytes += buffer.bytes();
  for (const Buffer& buffer : impl_->c_buf) bytes += buffer.bytes();
  bytes += impl_->k_parts.bytes();
  bytes += impl_->b_shared.bytes();
  return bytes;
}
ThreadPool* Gemm::pool() const { return impl_->pool; }

void Gemm::set_single_thread(bool single) { impl_->pool = single ? nullptr : impl_->full_pool; }

void Gemm::sgemm(Trans ta, Trans tb, std::size_t m, std::size_t n, std::size_t k, float alpha,
                 const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta,
                 float* c, std::size_t ldc, const float* bias, const Epilogue* epilogue,
                 float* b_sums) {
  if (b_sums) std::fill(b_sums, b_sums + n, 0.0f);
  if (m == 0 || n == 0) {
    if (b_sums) add_b_rows(b, ldb, tb == Trans::kYes, k, n, b_sums);
    return;
  }
  if (k == 0 || alpha == 0.0f) {
    scale_c(m, n, beta, c, ldc, bias);  // BLAS rule: A and B are not read for the product
    if (b_sums) add_b_rows(b, ldb, tb == Trans::kYes, k, n, b_sums);
    if (epilogue) epilogue->apply(epilogue->context, 0, 0, m, n, c, ldc);
    return;
  }
  const Problem p{ta == Trans::kYes, tb == Trans::kYes, m, n, k, alpha, beta, a, lda, b, ldb,
                  c, ldc, bias, epilogue, b_sums};
  Impl& im = *impl_;
  const KernelTable& kt = *im.kt;
  if (!p.ta && m <= kernels::kTinyRows) {
    // A few rows (a batch of 1–4): stream B once, unpacked. This is bound by reading B, so
    // a second thread pays off as soon as B is large enough to amortise waking it.
    constexpr std::size_t kTinyMinBytesPerThread = 128 * 1024;
    const int threads = im.pool ? int(std::min<std::size_t>(std::size_t(im.pool->size()),
                                                            std::max<std::size_t>(1, k * n * sizeof(float) / kTinyMinBytesPerThread)))
                                : 1;
    im.run(std::size_t(threads), threads, [&](std::size_t part, int) {
      // Column ranges in multiples of 64 (the tile width of the non-transposed loop).
      const std::size_t blocks = div_up(n, 64);
      const std::size_t j0 = std::min(n, blocks * part / std::size_t(threads) * 64);
      const std::size_t j1 = std::min(n, blocks * (part + 1) / std::size_t(threads) * 64);
      if (j0 < j1) {
        kt.tiny(p.tb, m, j0, j1, k, alpha, a, lda, b, ldb, beta, c, ldc, bias);
        if (b_sums) add_b_rows(p.b_block(0, j0), ldb, p.tb, k, j1 - j0, b_sums + j0);
        p.finished(0, j0, m, j1 - j0);
      }
    });
    return;
  }
  // Everything that decides the rounding (the tile does not: each element's k-sum is the same
  // FMA sequence in any tile) depends on the problem, never on the thread count.
  const Tile& tile = pick_tile(kt, m);
  KBlocks kb = k_blocks(k, m <= kt.m_small ? kt.kc_long : kt.kc);
  if (m <= kt.m_small && kb.count == 1 && k >= kSmallMSplitDepth) kb = KBlocks{2, div_up(k, 2)};
  const int threads = im.threads_for(p);
  if (m <= kt.m_small && kb.count > 1 && threads > 1 && !b_sums) {
    im.reserve(static_cast<std::size_t>(im.pool->size()), round_up(m, tile.mr) * kb.depth,
               kSmallMPanels * tile.nr * kb.depth);
    im.k_parts.reserve((kb.count - 1) * m * n);
    im.small_m_split_k(p, tile, kb, threads);
    return;
  }
  const bool by_rows_only = epilogue && epilogue->by_rows;
  const Split split =
      threads > 1 ? choose_split(m, n, k, tile.mr, tile.nr, kt.m_small, threads, by_rows_only)
                  : Split{false, 1};
  // Otherwise each thread runs the serial algorithm on its own rectangle of C with its own
  // buffers (large_m_shared_b below is the exception): one parallel_for per call, and the
  // packing of the split operand is split with it.
  const std::size_t mp = div_up(m, tile.mr), np = div_up(n, tile.nr);
  auto region = [&](std::size_t part) {
    if (split.by_rows) {
      return Region{mp * part / split.parts * tile.mr,
                    std::min(m, mp * (part + 1) / split.parts * tile.mr), 0, n};
    }
    return Region{0, m, np * part / split.parts * tile.nr,
                  std::min(n, np * (part + 1) / split.parts * tile.nr)};
  };
  // Size every buffer a thread may use before going parallel (grow-only: no allocation once
  // the largest shape has been seen).
  std::size_t max_rows = 0, max_cols = 0;
  for (std::size_t part = 0; part < split.parts; ++part) {
    const Region r = region(part);
    max_rows = std::max(max_rows, r.i1 - r.i0);
    max_cols = std::max(max_cols, r.j1 - r.j0);
  }
  const bool small = max_rows <= kt.m_small;
  // A block of C may be kept for the epilogue in a thread's own buffer when one pass over k
  // finishes it (Epilogue::c_scratch).
  const bool scratch_ok = epilogue && epilogue->c_scratch && beta == 0.0f && kb.count == 1;
  if (!small && split.by_rows && split.parts > 1) {
    const std::size_t chunk = round_up(
        std::min(kt.mc, div_up(m, std::size_t(threads) * kRowBlocksPerThread)), tile.mr);
    const std::size_t b_cols = std::min(round_up(n, tile.nr), round_up(kt.nc, tile.nr));
    im.reserve(static_cast<std::size_t>(im.pool->size()), chunk * kb.depth, 0,
               scratch_ok ? chunk * b_cols : 0);
    im.b_shared.reserve(b_cols * kb.depth);
    im.large_m_shared_b(p, tile, kb, threads, chunk, scratch_ok);
    return;
  }
  const std::size_t a_rows = round_up(small ? max_rows : round_up(kt.mc, tile.mr), tile.mr);
  const std::size_t b_cols =
      small ? kSmallMPanels * tile.nr
            : std::min(round_up(max_cols, tile.nr), round_up(kt.nc, tile.nr));
  const std::size_t a_floats = a_rows * kb.depth, b_floats = b_cols * kb.depth;
  // A block of C kept for the epilogue is at most mc rows × nc columns.
  const bool scratch = !small && scratch_ok;
  const std::size_t c_floats = scratch ? a_rows * std::min(max_cols, round_up(kt.nc, tile.nr)) : 0;
  im.reserve(split.parts > 1 ? static_cast<std::size_t>(im.pool->size()) : 1, a_floats, b_floats,
             c_floats);
  im.run(split.parts, threads, [&](std::size_t part, int thread) {
    const Region r = region(part);
    if (r.i0 >= r.i1 || r.j0 >= r.j1) return;
    if (small) {
      im.small_m(p, r, tile, kb, thread);
    } else {
      im.large_m(p, r, tile, kb, thread, scratch);
    }
  });
}

}  // namespace fastprop::core
