// SPDX-License-Identifier: MIT
// Whether a run of short training steps goes faster on all the pool's threads or on one, decided
// by timing both. A batch-1 step is a memory-bound pass of ~0.1–0.3 ms with a few thread syncs
// in it, and which side wins depends on the machine and on what else runs on its cores:
// measured, 2 threads gave 17k samples/s against 1 thread's 10.5k on an idle Zen 5, but 5.2–6.9k
// against 8.7–10.0k there beside one busy process, and 4.7k against 5.7k on an idle Xeon whose
// cores share one memory bandwidth. Results are bitwise the same on any thread count (every
// split is fixed, see README "Determinism"), so the choice can follow the clock.
//
// Per period of kPeriod steps: kProbe steps on all threads, kProbe on one, then the faster for
// the rest of the period, so a change in the machine's load is followed within one period.
#pragma once

#include <chrono>
#include <cstddef>

namespace fastprop::core {

class ThreadChoice {
 public:
  static constexpr std::size_t kProbe = 32;     // steps timed per side (~3–10 ms at batch 1)
  static constexpr std::size_t kPeriod = 2048;  // steps between decisions: probing costs ≤ 2%

  // Called before step `i` of a job (0, 1, 2, … in order): whether it runs on one thread.
  bool single_thread(std::size_t i) {
    const std::size_t phase = i % kPeriod;
    const Clock::time_point now = Clock::now();
    if (phase == 0) {
      start_ = now;
    } else if (phase == kProbe) {
      all_threads_time_ = now - start_;
      start_ = now;
    } else if (phase == 2 * kProbe) {
      single_wins_ = now - start_ < all_threads_time_;
    }
    if (phase < kProbe) return false;
    if (phase < 2 * kProbe) return true;
    return single_wins_;
  }

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point start_{};
  Clock::duration all_threads_time_{};
  bool single_wins_ = false;
};

}  // namespace fastprop::core
