// SPDX-License-Identifier: MIT
// Whether a run of short training steps goes faster on all the pool's threads or on one, decided
// by timing both. A small-batch step is a memory-bound pass of ~0.1–1 ms with a few thread syncs
// in it, and which side wins depends on the machine and on what else runs on its cores. At
// batch 1, measured: 2 threads gave 17k samples/s against 1 thread's 10.5k on an idle Zen 5,
// but 5.2–6.9k against 8.7–10.0k there beside one busy process, and 4.7k against 5.7k on an
// idle Xeon. Results are bitwise the same on any thread count (every split is fixed, see README
// "Determinism"), so the choice can follow the clock.
//
// Per period of kPeriod steps: kProbe steps on all threads, kProbe on one, then the side with
// the faster median step for the rest of the period (a median, so that one step delayed by
// another process does not decide), and so a change in the machine's load is followed within
// one period.
#pragma once

#include <algorithm>
#include <array>
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
    if (phase <= 2 * kProbe) {  // the clock only while probing: read every step, it took 2% of XOR
      const Clock::time_point now = Clock::now();
      if (phase > 0) steps_[phase - 1] = now - last_;  // the step just done
      last_ = now;
      if (phase == 2 * kProbe) single_wins_ = median(kProbe) < median(0);
    }
    if (phase < kProbe) return false;
    if (phase < 2 * kProbe) return true;
    return single_wins_;
  }

 private:
  using Clock = std::chrono::steady_clock;
  Clock::duration median(std::size_t first) {
    auto begin = steps_.begin() + first, mid = begin + kProbe / 2;
    std::nth_element(begin, mid, begin + kProbe);
    return *mid;
  }
  std::array<Clock::duration, 2 * kProbe> steps_{};  // all threads, then one
  Clock::time_point last_{};
  bool single_wins_ = false;
};

}  // namespace fastprop::core
