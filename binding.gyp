# SPDX-License-Identifier: MIT
# node-gyp build of the same sources as CMakeLists.txt, with the same flags and defines.
# Per-ISA kernels are separate static libraries because gyp has no per-file flags.
{
  "target_defaults": {
    "cflags_cc": ["-std=c++17", "-O3", "-ffp-contract=off", "-fexceptions", "-fvisibility=hidden",
                  "-Wall", "-Wextra"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++1y", "-std=gnu++20"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_CPP_EXCEPTIONS_ALL",
                "NODE_ADDON_API_DISABLE_DEPRECATED"],
    "include_dirs": ["native"],
    "xcode_settings": {
      "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
      "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
      "OTHER_CPLUSPLUSFLAGS": ["-ffp-contract=off"],
      "GCC_SYMBOLS_PRIVATE_EXTERN": "YES"
    },
    "msvs_settings": {"VCCLCompilerTool": {"ExceptionHandling": 1}}
  },
  "targets": [
    # >>> ISA kernels >>>
    {
      "target_name": "fastprop_kernel_avx2",
      "type": "static_library",
      "conditions": [["target_arch=='x64'", {
        "sources": ["native/core/kernels/gemm_avx2.cc", "native/core/kernels/update_avx2.cc",
                    "native/core/kernels/activation_avx2.cc"],
        "defines": ["FASTPROP_X86_KERNELS=1"],
        "cflags_cc": ["-mavx2", "-mfma", "-ffp-contract=fast"]
      }]]
    },
    {
      "target_name": "fastprop_kernel_avx512",
      "type": "static_library",
      "conditions": [["target_arch=='x64'", {
        "sources": ["native/core/kernels/gemm_avx512.cc", "native/core/kernels/update_avx512.cc",
                    "native/core/kernels/activation_avx512.cc"],
        "defines": ["FASTPROP_X86_KERNELS=1"],
        "cflags_cc": ["-mavx512f", "-mavx2", "-mfma", "-ffp-contract=fast"]
      }]]
    },
    # <<< ISA kernels <<<
    {
      "target_name": "fastprop_core",
      "type": "static_library",
      "sources": [
        "native/core/model_spec.cc",
        "native/core/activations.cc",
        "native/core/losses.cc",
        "native/core/mlp.cc",
        "native/core/optimizer.cc",
        "native/core/gemm.cc",
        "native/core/dispatch.cc",
        "native/core/thread_pool.cc",
        "native/core/peak_probe.cc",
        "native/core/finite.cc",
        "native/core/kernels/gemm_scalar.cc",
        "native/core/kernels/update_scalar.cc",
        "native/core/kernels/activation_scalar.cc"
      ],
      "conditions": [["target_arch=='x64'", {
        "defines": ["FASTPROP_X86_KERNELS=1"],
        "dependencies": ["fastprop_kernel_avx2", "fastprop_kernel_avx512"]
      }]],
      "link_settings": {"libraries": ["-lpthread"]}
    },
    {
      "target_name": "fastprop",
      "sources": [
        "native/binding/addon.cc",
        "native/binding/convert.cc",
        "native/binding/finite_scan.cc",
        "native/binding/model_wrap.cc",
        "native/binding/spec.cc",
        "native/binding/train_worker.cc",
        "native/binding/testing.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "dependencies": ["fastprop_core"]
    }
  ]
}
