#pragma once
// The effective configuration as canonical YAML: every key, defaults filled in, durations
// and sizes in their shortest form. load_string(dump(c)) gives back c (apart from marks).
// For `mcplb check --print` style output and golden tests.

#include <string>

#include "config/model.h"

namespace mcplb::config {

std::string dump(const Config& cfg);

}  // namespace mcplb::config
