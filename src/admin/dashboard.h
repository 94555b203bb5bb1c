#pragma once
// GET /dashboard: the live operator page. Its HTML, script and style sheet are files in
// src/admin/ compiled into the binary (CMakeLists.txt turns them into byte arrays), so the
// page loads nothing from the network beyond this listener: it works air-gapped and a strict
// Content-Security-Policy holds. The page polls /admin/backends and /metrics once a second.

#include <string_view>

namespace mcplb::admin {

struct DashboardAsset {
  std::string_view content_type;
  std::string_view body;
};

/// The embedded file served at `path` (/dashboard, /dashboard.js, /dashboard.css), or nullptr.
const DashboardAsset* find_dashboard_asset(std::string_view path);

/// Sent with every dashboard file. Script and style come from separate files on this origin,
/// so neither needs 'unsafe-inline'; the page may fetch only from this origin.
inline constexpr std::string_view kDashboardCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

}  // namespace mcplb::admin
