// SPDX-License-Identifier: MIT
// The optimizer updates of update.h, compiled with baseline flags (the portable path, and the only one on arm64).
#include "update.h"

namespace fastprop::core::kernels {

const UpdateKernels& update_kernels_scalar() {
  static const UpdateKernels table{&update_generic, &update_rows_generic, &accumulate_rows_generic};
  return table;
}

}  // namespace fastprop::core::kernels
