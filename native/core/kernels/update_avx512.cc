// SPDX-License-Identifier: MIT
// The optimizer updates of update.h, compiled with -mavx512f -mavx2 -mfma.
// dispatch.cc makes sure the CPU and the OS support them before optimizer.cc uses this table.
#if defined(FASTPROP_X86_KERNELS)

#include "update.h"

namespace fastprop::core::kernels {

const UpdateKernels& update_kernels_avx512() {
  static const UpdateKernels table{&update_generic, &update_rows_generic, &accumulate_rows_generic};
  return table;
}

}  // namespace fastprop::core::kernels

#endif  // FASTPROP_X86_KERNELS
