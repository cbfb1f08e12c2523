// SPDX-License-Identifier: MIT
#include "binding/convert.h"

#include <cmath>
#include <limits>

namespace fastprop::binding {

void* typed_array_data(const Napi::Value& value) {
  // napi_get_typedarray_info, not the array's Napi::ArrayBuffer: that one rejects an array on a
  // SharedArrayBuffer ("Invalid argument").
  void* data = nullptr;
  const napi_status status =
      napi_get_typedarray_info(value.Env(), value, nullptr, nullptr, &data, nullptr, nullptr);
  NAPI_THROW_IF_FAILED(value.Env(), status, nullptr);
  return data;
}

namespace {

template <typename T>
View<T> typed_array(const Napi::Value& value, const char* name, std::size_t min_length,
                    napi_typedarray_type type, const char* type_name) {
  Napi::Env env = value.Env();
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != type) {
    throw_type_error(env, std::string("expected ") + name + " to be a " + type_name);
  }
  Napi::TypedArray array = value.As<Napi::TypedArray>();
  const std::size_t length = array.ElementLength();
  // A detached buffer reports length 0, so this also rejects it when anything is needed.
  if (length < min_length) {
    throw_range_error(env, std::string("expected ") + name + " with at least " +
                               std::to_string(min_length) + " elements, got " +
                               std::to_string(length));
  }
  View<T> view;
  view.length = length;
  if (length > 0) {
    view.data = static_cast<T*>(typed_array_data(value));
    if (view.data == nullptr) throw_type_error(env, std::string(name) + " is detached");
  }
  return view;
}

[[noreturn]] void throw_with_code(Napi::Error error, const char* code) {
  error.Set("code", Napi::String::New(error.Env(), code));
  throw error;
}

}  // namespace

void throw_type_error(Napi::Env env, const std::string& message) {
  throw_with_code(Napi::TypeError::New(env, message), "ERR_INVALID_ARGUMENT");
}

void throw_range_error(Napi::Env env, const std::string& message) {
  throw_with_code(Napi::RangeError::New(env, message), "ERR_OUT_OF_RANGE");
}

void throw_with_state(Napi::Env env, const std::string& message, const char* code) {
  throw_with_code(Napi::Error::New(env, message), code);
}

View<float> float32_array(const Napi::Value& value, const char* name, std::size_t min_length) {
  return typed_array<float>(value, name, min_length, napi_float32_array, "Float32Array");
}
View<std::int32_t> int32_array(const Napi::Value& value, const char* name, std::size_t min_length) {
  return typed_array<std::int32_t>(value, name, min_length, napi_int32_array, "Int32Array");
}
View<std::uint32_t> uint32_array(const Napi::Value& value, const char* name, std::size_t min_length) {
  return typed_array<std::uint32_t>(value, name, min_length, napi_uint32_array, "Uint32Array");
}
View<double> float64_array(const Napi::Value& value, const char* name, std::size_t min_length) {
  return typed_array<double>(value, name, min_length, napi_float64_array, "Float64Array");
}

std::size_t size_arg(const Napi::Value& value, const char* name, std::size_t max) {
  Napi::Env env = value.Env();
  if (!value.IsNumber()) throw_type_error(env, std::string("expected ") + name + " to be a number");
  const double v = value.As<Napi::Number>().DoubleValue();
  if (!(v >= 0) || v != std::floor(v) || v > double(max)) {
    throw_range_error(env, std::string("expected ") + name + " to be an integer from 0 to " +
                               std::to_string(max) + ", got " + std::to_string(v));
  }
  return static_cast<std::size_t>(v);
}

double number_arg(const Napi::Value& value, const char* name) {
  Napi::Env env = value.Env();
  if (!value.IsNumber()) throw_type_error(env, std::string("expected ") + name + " to be a number");
  const double v = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(v)) throw_range_error(env, std::string("expected ") + name + " to be finite");
  return v;
}

std::string string_arg(const Napi::Value& value, const char* name) {
  if (!value.IsString()) throw_type_error(value.Env(), std::string("expected ") + name + " to be a string");
  return value.As<Napi::String>().Utf8Value();
}

core::Isa kernel_arg(const Napi::Value& value, const char* name) {
  const std::string kernel = string_arg(value, name);
  core::Isa isa;
  if (!core::parse_isa(kernel.c_str(), &isa)) throw_type_error(value.Env(), "unknown kernel '" + kernel + "'");
  if (!core::isa_supported(isa)) {
    throw_range_error(value.Env(), "kernel '" + kernel + "' is not supported by this CPU");
  }
  return isa;
}

int threads_arg(const Napi::Value& value, const char* name, int max) {
  const std::size_t threads = size_arg(value, name, std::size_t(max));
  if (threads < 1) throw_range_error(value.Env(), std::string("expected ") + name + " >= 1");
  return int(threads);
}

Napi::Object object_arg(const Napi::Value& value, const char* name) {
  if (!value.IsObject()) throw_type_error(value.Env(), std::string("expected ") + name + " to be an object");
  return value.As<Napi::Object>();
}

std::size_t checked_mul(Napi::Env env, std::size_t a, std::size_t b, const char* what) {
  if (a != 0 && b > std::numeric_limits<std::size_t>::max() / a) {
    throw_range_error(env, std::string(what) + " is too large");
  }
  return a * b;
}

}  // namespace fastprop::binding
