#pragma once
// Built-in policies. Each policy file defines one `const PolicyFactory& <name>_factory()`;
// registry.cc lists them (explicit calls rather than static registrars, which a static
// library would silently drop).

#include "mcplb/balance/policy.h"

namespace mcplb::balance {

const PolicyFactory& round_robin_factory();
const PolicyFactory& weighted_round_robin_factory();
const PolicyFactory& random_factory();
const PolicyFactory& least_conn_factory();
const PolicyFactory& least_request_factory();
const PolicyFactory& least_sessions_factory();
const PolicyFactory& hash_factory();
const PolicyFactory& ip_hash_factory();

/// Every built-in policy name, for config validation and docs.
std::span<const PolicyFactory* const> all_policies();

}  // namespace mcplb::balance
