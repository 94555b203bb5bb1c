#include "count_new.h"

#include <cstdlib>
#include <new>

namespace {
thread_local long t_news = 0;
}

namespace mcplb::test {
long news() { return t_news; }
}  // namespace mcplb::test

void* operator new(size_t n) {
  ++t_news;
  if (void* p = std::malloc(n == 0 ? 1 : n)) {
    return p;
  }
  throw std::bad_alloc();
}
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  ++t_news;
  return std::malloc(n == 0 ? 1 : n);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
