// SPDX-License-Identifier: MIT
// The blocked sgemm driver around the per-ISA micro-kernels (BLIS's five loops, see flame/blis
// docs/KernelsHowTo.md and docs/Multithreading.md):
//
//   JC  over n in nc-wide blocks            (packed B block kc×nc lives in L3)
//    PC over k in kc-deep blocks            (never threaded: every block updates the same C)
//     IC over m in mc-tall blocks           (packed A block mc×kc lives in L2; threaded)
//      JR over the block's NR-wide panels   (threaded in the small-m path)
//       IR over the block's MR-tall panels  → micro-kernel on one MR×NR tile of C
//
// Edges are handled by zero-padding while packing, so every kernel call runs a full tile and
// only writes back its valid part. Transposes are absorbed by the packing routines.
//
// Two schedules, chosen by m alone:
//  * m ≤ mc (one IC block: the batch-64 shapes of an MLP): threads split n. Each thread packs
//    the whole A block for itself (small) and packs each B micro-panel right before using it,
//    into a per-thread kc×NR buffer that stays in L1/L2. B is read from memory exactly once
//    and never written back out as a big packed block, which is what dominates when m is small.
//  * m > mc: B is packed once per (JC, PC) block into a shared buffer (its NR panels split
//    between threads), then the threads split the IC blocks, each packing its own A block.
//
// Determinism: kc (and so the split of k into blocks) depends on k alone, every element's
// k-sum runs in order inside one kernel call per block, and the partial sums are combined in
// block order in the write-back. Which thread computes a tile never changes its value.
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

// Below this many flops per thread a product runs on one thread: waking a worker and sharing
// cache lines costs a few microseconds, about what 2^19 flops take on one AVX-512 core.
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

  const float* a_block(std::size_t i0, std::size_t p0) const {
    return ta ? a + p0 * lda + i0 : a + i0 * lda + p0;
  }
  const float* b_block(std::size_t p0, std::size_t j0) const {
    return tb ? b + j0 * ldb + p0 : b + p0 * ldb + j0;
  }
};

// The k blocks: as few as kc allows, of equal depth, so no block is a sliver. Depends on k
// and the ISA only (never on the thread count: that would change the rounding).
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

}  // namespace

struct Gemm::Impl {
  Isa isa;
  ThreadPool* pool;
  const KernelTable* kt;
  std::vector<Buffer> a_buf;  // per thread: packed A block
  std::vector<Buffer> b_buf;  // per thread: one packed B micro-panel (small-m schedule)
  Buffer b_shared;            // packed B block (large-m schedule)

  int threads_for(const Problem& p) const {
    const int avail = pool ? pool->size() : 1;
    const double flops = 2.0 * static_cast<double>(p.m) * static_cast<double>(p.n) *
                         static_cast<double>(p.k);
    const double want = flops / kMinFlopsPerThread;
    return want < 1.0 ? 1 : static_cast<int>(std::min<double>(avail, want));
  }

  // Thread indices a run() may hand out: the whole pool once it is used at all.
  int buffers_for(int threads) const { return threads > 1 ? pool->size() : 1; }

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

  void small_m(const Problem& p, int threads, const Tile& tile, std::size_t kc_max);
  void large_m(const Problem& p, int threads, const Tile& tile);
};

// m ≤ mc: threads split the NR panels of n; see the file comment.
void Gemm::Impl::small_m(const Problem& p, int threads, const Tile& kt, std::size_t kc_max) {
  const std::size_t mr = kt.mr, nr = kt.nr;
  const KBlocks kb = k_blocks(p.k, kc_max);
  const std::size_t panels = div_up(p.n, nr);
  const std::size_t tasks = std::min<std::size_t>(static_cast<std::size_t>(threads), panels);
  const std::size_t mp = round_up(p.m, mr);
  for (int t = 0; t < buffers_for(threads); ++t) {
    a_buf[t].reserve(mp * kb.depth);
    b_buf[t].reserve(nr * kb.depth);
  }
  run(tasks, threads, [&](std::size_t task, int thread) {
    // Balanced contiguous range of panels for this task.
    const std::size_t s0 = panels * task / tasks, s1 = panels * (task + 1) / tasks;
    float* pa = a_buf[thread].data();
    float* pb = b_buf[thread].data();
    for (std::size_t q = 0; q < kb.count; ++q) {
      const std::size_t p0 = kb.begin(q), kc = kb.size(q, p.k);
      const float beta = q == 0 ? p.beta : 1.0f;
      const float* bias = q + 1 == kb.count ? p.bias : nullptr;
      kt.pack_a(p.ta, p.a_block(0, p0), p.lda, p.m, kc, pa);
      for (std::size_t s = s0; s < s1; ++s) {
        const std::size_t j0 = s * nr, n_valid = std::min(nr, p.n - j0);
        kt.pack_b(p.tb, p.b_block(p0, j0), p.ldb, kc, n_valid, pb);
        for (std::size_t i0 = 0; i0 < p.m; i0 += mr) {
          kt.kernel(kc, pa + i0 * kc, pb, p.c + i0 * p.ldc + j0, p.ldc, std::min(mr, p.m - i0),
                    n_valid, p.alpha, beta, bias ? bias + j0 : nullptr);
        }
      }
    }
  });
}

// m > mc: shared packed B per (JC, PC) block, threads split the IC blocks.
void Gemm::Impl::large_m(const Problem& p, int threads, const Tile& kt) {
  const std::size_t mr = kt.mr, nr = kt.nr;
  const KBlocks kb = k_blocks(p.k, this->kt->kc);
  // IC blocks: whole MR panels, at most mc rows, and a multiple of the thread count so the
  // threads finish together. (Only the m split depends on threads; values do not.)
  const std::size_t m_panels = div_up(p.m, mr);
  std::size_t ic_blocks = div_up(m_panels * mr, this->kt->mc);
  ic_blocks = round_up(ic_blocks, static_cast<std::size_t>(threads));
  ic_blocks = std::min(ic_blocks, m_panels);
  const std::size_t nc = std::min(round_up(p.n, nr), this->kt->nc);
  const std::size_t max_block_rows = div_up(m_panels, ic_blocks) * mr;
  for (int t = 0; t < buffers_for(threads); ++t) a_buf[t].reserve(max_block_rows * kb.depth);
  float* pb = b_shared.reserve(nc * kb.depth);

  for (std::size_t j0 = 0; j0 < p.n; j0 += nc) {
    const std::size_t ncur = std::min(nc, p.n - j0);
    const std::size_t b_panels = div_up(ncur, nr);
    for (std::size_t q = 0; q < kb.count; ++q) {
      const std::size_t p0 = kb.begin(q), kc = kb.size(q, p.k);
      const float beta = q == 0 ? p.beta : 1.0f;
      const float* bias = q + 1 == kb.count ? p.bias : nullptr;
      // Pack B: each task a contiguous run of NR panels.
      const std::size_t pack_tasks = std::min<std::size_t>(static_cast<std::size_t>(threads), b_panels);
      run(pack_tasks, threads, [&](std::size_t task, int) {
        const std::size_t s0 = b_panels * task / pack_tasks, s1 = b_panels * (task + 1) / pack_tasks;
        const std::size_t c0 = s0 * nr, c1 = std::min(s1 * nr, ncur);
        kt.pack_b(p.tb, p.b_block(p0, j0 + c0), p.ldb, kc, c1 - c0, pb + c0 * kc);
      });
      run(ic_blocks, threads, [&](std::size_t task, int thread) {
        const std::size_t r0 = m_panels * task / ic_blocks * mr;
        const std::size_t r1 = std::min(m_panels * (task + 1) / ic_blocks * mr, p.m);
        if (r0 >= r1) return;
        float* pa = a_buf[thread].data();
        kt.pack_a(p.ta, p.a_block(r0, p0), p.lda, r1 - r0, kc, pa);
        for (std::size_t jr = 0; jr < ncur; jr += nr) {
          const std::size_t n_valid = std::min(nr, ncur - jr);
          const float* pbj = pb + jr * kc;
          float* cj = p.c + j0 + jr;
          const float* bj = bias ? bias + j0 + jr : nullptr;
          for (std::size_t i0 = r0; i0 < r1; i0 += mr) {
            kt.kernel(kc, pa + (i0 - r0) * kc, pbj, cj + i0 * p.ldc, p.ldc,
                      std::min(mr, r1 - i0), n_valid, p.alpha, beta, bj);
          }
        }
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
  impl_->kt = &table_for(isa);
  const int threads = pool ? pool->size() : 1;
  impl_->a_buf.resize(static_cast<std::size_t>(threads));
  impl_->b_buf.resize(static_cast<std::size_t>(threads));
}

Gemm::~Gemm() = default;

Isa Gemm::isa() const { return impl_->isa; }
ThreadPool* Gemm::pool() const { return impl_->pool; }

void Gemm::sgemm(Trans ta, Trans tb, std::size_t m, std::size_t n, std::size_t k, float alpha,
                 const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta,
                 float* c, std::size_t ldc, const float* bias) {
  if (m == 0 || n == 0) return;
  if (k == 0 || alpha == 0.0f) {
    scale_c(m, n, beta, c, ldc, bias);  // BLAS rule: A and B are not read
    return;
  }
  const Problem p{ta == Trans::kYes, tb == Trans::kYes, m, n, k, alpha, beta, a, lda, b, ldb,
                  c, ldc, bias};
  const int threads = impl_->threads_for(p);
  const KernelTable& kt = *impl_->kt;
  const Tile& tile = pick_tile(kt, m);
  if (m <= kt.mc) {
    impl_->small_m(p, threads, tile, m <= kt.m_long ? kt.kc_long : kt.kc);
  } else {
    impl_->large_m(p, threads, tile);
  }
}

}  // namespace fastprop::core
