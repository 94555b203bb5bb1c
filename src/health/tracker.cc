#include "health/tracker.h"

namespace mcplb::health {
namespace {

// Counts only need to reach the thresholds (<= 100); saturate instead of wrapping.
constexpr unsigned kMaxCount = 1u << 30;

}  // namespace

const char* to_string(Health h) {
  return h == Health::healthy ? "healthy" : "unhealthy";
}

Tracker::Tracker(unsigned healthy_threshold, unsigned unhealthy_threshold, Health initial)
    : healthy_threshold_(healthy_threshold < 1 ? 1 : healthy_threshold),
      unhealthy_threshold_(unhealthy_threshold < 1 ? 1 : unhealthy_threshold),
      health_(initial) {}

bool Tracker::record(bool ok) {
  if (ok) {
    failures_ = 0;
    if (successes_ < kMaxCount) {
      ++successes_;
    }
    if (health_ == Health::unhealthy && successes_ >= healthy_threshold_) {
      health_ = Health::healthy;
      return true;
    }
    return false;
  }
  successes_ = 0;
  if (failures_ < kMaxCount) {
    ++failures_;
  }
  if (health_ == Health::healthy && failures_ >= unhealthy_threshold_) {
    health_ = Health::unhealthy;
    return true;
  }
  return false;
}

}  // namespace mcplb::health
