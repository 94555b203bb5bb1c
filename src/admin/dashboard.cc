#include "admin/dashboard.h"

namespace mcplb::admin {

// Defined in the generated dashboard_files.cc (src/admin/CMakeLists.txt).
namespace embedded {
std::string_view dashboard_html();
std::string_view dashboard_js();
std::string_view dashboard_css();
}  // namespace embedded

const DashboardAsset* find_dashboard_asset(std::string_view path) {
  static const DashboardAsset html{"text/html; charset=utf-8", embedded::dashboard_html()};
  static const DashboardAsset js{"text/javascript; charset=utf-8", embedded::dashboard_js()};
  static const DashboardAsset css{"text/css; charset=utf-8", embedded::dashboard_css()};
  if (path == "/dashboard") {
    return &html;
  }
  if (path == "/dashboard.js") {
    return &js;
  }
  if (path == "/dashboard.css") {
    return &css;
  }
  return nullptr;
}

}  // namespace mcplb::admin
