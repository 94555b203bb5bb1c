#pragma once
// Allocation counting for the "allocates nothing" tests. Linking mcplb_count_new into a test
// binary replaces the global scalar operator new (plain and nothrow; the array forms call
// them) with one that counts calls made by the current thread, so each such test is its own
// binary. Allocations made straight through malloc (OpenSSL, for one) are not counted.

namespace mcplb::test {

/// operator new calls made by this thread so far.
long news();

}  // namespace mcplb::test
