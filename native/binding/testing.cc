// SPDX-License-Identifier: MIT
#include "binding/testing.h"

#include <string>

#include "binding/addon_data.h"
#include "binding/convert.h"
#include "core/dispatch.h"
#include "core/gemm.h"
#include "core/peak_probe.h"

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
  core::Isa isa;
  const std::string kernel = string_arg(info[14], "kernel");
  if (!core::parse_isa(kernel.c_str(), &isa)) throw_type_error(env, "unknown kernel '" + kernel + "'");
  if (!core::isa_supported(isa)) throw_range_error(env, "kernel '" + kernel + "' is not supported by this CPU");
  const int threads = int(size_arg(info[15], "threads", 1024));
  if (threads < 1) throw_range_error(env, "expected threads >= 1");

  auto pool = env.GetInstanceData<AddonData>()->pool(threads);
  core::Gemm gemm(isa, pool.get());
  gemm.sgemm(ta ? core::Trans::kYes : core::Trans::kNo, tb ? core::Trans::kYes : core::Trans::kNo, m, n,
             k, alpha, a, lda, b, ldb, beta, c, ldc, bias);
  return env.Undefined();
}

Napi::Value fma_peak_for_bench(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  core::Isa isa;
  const std::string kernel = string_arg(info[0], "kernel");
  if (!core::parse_isa(kernel.c_str(), &isa)) throw_type_error(env, "unknown kernel '" + kernel + "'");
  if (!core::isa_supported(isa)) throw_range_error(env, "kernel '" + kernel + "' is not supported by this CPU");
  const int threads = int(size_arg(info[1], "threads", 64));
  if (threads < 1) throw_range_error(env, "expected threads >= 1");
  return Napi::Number::New(env, core::fma_peak_gflops(isa, threads, 0.2));
}

}  // namespace fastprop::binding
