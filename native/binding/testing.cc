// SPDX-License-Identifier: MIT
#include "binding/testing.h"

#include <atomic>
#include <string>
#include <vector>

#include "binding/addon_data.h"
#include "binding/convert.h"
#include "binding/spec.h"
#include "core/dispatch.h"
#include "core/float_mode.h"
#include "core/gemm.h"
#include "core/optimizer.h"
#include "core/peak_probe.h"
#include "core/thread_pool.h"

namespace fastprop::binding {

namespace {

constexpr std::size_t kMaxDim = std::size_t(1) << 24;

// Elements a stored rows×cols matrix with row stride ld spans; checks ld ≥ cols.
std::size_t span(Napi::Env env, std::size_t rows, std::size_t cols, std::size_t ld, const char* name) {
  if (ld < cols) {
    throw_range_error(env, std::string("expected ld") + name + " >= " + std::to_string(cols) +
                               ", got " + std::to_string(ld));
  }
  return rows == 0 || cols == 0 ? 0 : checked_mul(env, rows - 1, ld, name) + cols;
}

}  // namespace

Napi::Value sgemm_for_tests(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const bool ta = info[0].ToBoolean(), tb = info[1].ToBoolean();
  const std::size_t m = size_arg(info[2], "m", kMaxDim), n = size_arg(info[3], "n", kMaxDim),
                    k = size_arg(info[4], "k", kMaxDim);
  const float alpha = float(number_arg(info[5], "alpha"));
  const std::size_t lda = size_arg(info[7], "lda", kMaxDim), ldb = size_arg(info[9], "ldb", kMaxDim),
                    ldc = size_arg(info[12], "ldc", kMaxDim);
  const float* a = float32_array(info[6], "a", ta ? span(env, k, m, lda, "a") : span(env, m, k, lda, "a")).data;
  const float* b = float32_array(info[8], "b", tb ? span(env, n, k, ldb, "b") : span(env, k, n, ldb, "b")).data;
  const float beta = float(number_arg(info[10], "beta"));
  float* c = float32_array(info[11], "c", span(env, m, n, ldc, "c")).data;
  const float* bias = info[13].IsNull() || info[13].IsUndefined() ? nullptr : float32_array(info[13], "bias", n).data;
  const core::Isa isa = kernel_arg(info[14], "kernel");
  const int threads = threads_arg(info[15], "threads", 1024);

  auto pool = env.GetInstanceData<AddonData>()->pool(threads);
  core::Gemm gemm(isa, pool.get());
  const core::FlushSubnormals flush;  // the float mode training computes in
  gemm.sgemm(ta ? core::Trans::kYes : core::Trans::kNo, tb ? core::Trans::kYes : core::Trans::kNo, m, n,
             k, alpha, a, lda, b, ldb, beta, c, ldc, bias);
  return env.Undefined();
}

Napi::Value optimizer_update_for_tests(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const View<float> params = float32_array(info[0], "params", 0);
  const std::size_t count = params.length;
  const float* grads = float32_array(info[1], "grads", count).data;
  const core::OptimizerSpec spec = parse_optimizer(info[3]);
  if (!info[2].IsArray()) throw_type_error(env, "expected slots to be an array of Float32Array");
  const Napi::Array list = info[2].As<Napi::Array>();
  const int needed = core::optimizer_slot_count(spec);
  if (list.Length() != std::uint32_t(needed)) {
    throw_range_error(env, "expected " + std::to_string(needed) + " optimizer slots, got " +
                               std::to_string(list.Length()));
  }
  float* slots[core::kMaxOptimizerSlots] = {nullptr, nullptr};
  for (int s = 0; s < needed; ++s) slots[s] = float32_array(list.Get(std::uint32_t(s)), "slot", count).data;
  const float lr = float(number_arg(info[4], "learningRate"));
  const std::size_t step = size_arg(info[5], "step", std::size_t(1) << 53);
  if (step < 1) throw_range_error(env, "expected step >= 1");
  const core::Isa isa = kernel_arg(info[6], "kernel");
  const int threads = threads_arg(info[7], "threads", 1024);

  const core::StepConstants k = core::step_constants(spec, lr, std::int64_t(step));
  auto pool = env.GetInstanceData<AddonData>()->pool(threads);
  const core::FlushSubnormals flush;  // the float mode training computes in
  std::atomic<bool> finite{true};
  // Contiguous equal parts, one per thread, as Mlp::train splits its update.
  const std::size_t parts = std::size_t(threads);
  auto part = [&](std::size_t t, int) {
    const std::size_t begin = count * t / parts, end = count * (t + 1) / parts;
    if (!core::optimizer_update(isa, spec, k, params.data, grads, slots, begin, end)) finite = false;
  };
  if (parts == 1) part(0, 0);
  else pool->parallel_for(parts, part);
  return Napi::Boolean::New(env, finite.load());
}

Napi::Value fma_peak_for_bench(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const core::Isa isa = kernel_arg(info[0], "kernel");
  const int threads = threads_arg(info[1], "threads", 64);
  return Napi::Number::New(env, core::fma_peak_gflops(isa, threads, 0.2));
}

}  // namespace fastprop::binding
