// SPDX-License-Identifier: MIT
// JS values → plain C++ views. The binding never trusts its caller: every typed array is checked
// for its element type and for enough elements before the core touches its memory, and every
// number for range. Failures throw JS TypeError/RangeError with a `code` and a message naming
// the argument ("expected x with at least 784 elements, got 783").
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/dispatch.h"

namespace fastprop::binding {

// Throws a JS error of the given constructor kind with err.code = code.
[[noreturn]] void throw_type_error(Napi::Env env, const std::string& message);
[[noreturn]] void throw_range_error(Napi::Env env, const std::string& message);
// A plain Error for a call the object's state forbids (disposed, busy), with err.code = code.
[[noreturn]] void throw_with_state(Napi::Env env, const std::string& message, const char* code);

// A borrowed view of a typed array's elements; valid while the array is alive and attached.
template <typename T>
struct View {
  T* data = nullptr;
  std::size_t length = 0;
};

// The address of a typed array's first element (null when detached), on an ArrayBuffer or a
// SharedArrayBuffer.
void* typed_array_data(const Napi::Value& value);

// `name` is used in messages. min_length: the least element count the call will touch.
View<float> float32_array(const Napi::Value& value, const char* name, std::size_t min_length);
View<std::int32_t> int32_array(const Napi::Value& value, const char* name, std::size_t min_length);
View<std::uint32_t> uint32_array(const Napi::Value& value, const char* name, std::size_t min_length);
View<double> float64_array(const Napi::Value& value, const char* name, std::size_t min_length);

// A non-negative integer that fits in size_t (and below `max`).
std::size_t size_arg(const Napi::Value& value, const char* name, std::size_t max);
// A finite number.
double number_arg(const Napi::Value& value, const char* name);
std::string string_arg(const Napi::Value& value, const char* name);
Napi::Object object_arg(const Napi::Value& value, const char* name);
// A kernel name ("scalar", "avx2", "avx512") that this CPU runs: TypeError for an unknown name,
// RangeError for one the CPU or OS does not support.
core::Isa kernel_arg(const Napi::Value& value, const char* name);
// A thread count, 1 to `max`.
int threads_arg(const Napi::Value& value, const char* name, int max);

// a·b, throwing RangeError when it would overflow size_t.
std::size_t checked_mul(Napi::Env env, std::size_t a, std::size_t b, const char* what);

}  // namespace fastprop::binding
