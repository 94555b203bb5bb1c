#pragma once
// The rise/fall state machine of one backend's active check (HAProxy rise/fall, ALB
// healthy/unhealthy thresholds). Pure and single-threaded: it counts results and reports
// flips; the checker decides what a flip writes.

#include <cstdint>

namespace mcplb::health {

enum class Health : uint8_t { healthy, unhealthy };

const char* to_string(Health h);

class Tracker {
 public:
  /// @param healthy_threshold consecutive successes that make an unhealthy backend healthy (>= 1)
  /// @param unhealthy_threshold consecutive failures that make a healthy backend unhealthy (>= 1)
  Tracker(unsigned healthy_threshold, unsigned unhealthy_threshold, Health initial);

  /// Counts one probe result.
  /// @return true when this result flipped health().
  bool record(bool ok);

  Health health() const { return health_; }
  unsigned successes() const { return successes_; }  // consecutive, including the latest
  unsigned failures() const { return failures_; }     // consecutive, including the latest
  /// Between states: healthy with recent failures, or unhealthy with recent successes.
  bool transitioning() const {
    return health_ == Health::healthy ? failures_ > 0 : successes_ > 0;
  }

 private:
  unsigned healthy_threshold_;
  unsigned unhealthy_threshold_;
  Health health_;
  unsigned successes_ = 0;
  unsigned failures_ = 0;
};

}  // namespace mcplb::health
