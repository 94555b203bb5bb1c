#pragma once
// Fixed-size I/O buffers recycled per worker: a connection holds one only while it has bytes
// to parse or relay, so an idle keep-alive or SSE stream costs no buffer, and the request
// path does no heap allocation once the free list is warm. Worker-thread only.

#include <cstddef>
#include <cstring>
#include <memory>
#include <vector>

namespace mcplb::core {

class BufferPool {
 public:
  BufferPool(size_t block_size, size_t max_free) : block_size_(block_size), max_free_(max_free) {}

  size_t block_size() const { return block_size_; }

  std::unique_ptr<char[]> acquire() {
    if (free_.empty()) {
      return std::unique_ptr<char[]>(new char[block_size_]);
    }
    auto b = std::move(free_.back());
    free_.pop_back();
    return b;
  }

  void release(std::unique_ptr<char[]> b) {
    if (b && free_.size() < max_free_) {
      free_.push_back(std::move(b));
    }
  }

 private:
  size_t block_size_;
  size_t max_free_;
  std::vector<std::unique_ptr<char[]>> free_;
};

/// A byte window over one pooled block: [begin, end) holds unread bytes.
class IoBuffer {
 public:
  IoBuffer() = default;
  explicit IoBuffer(BufferPool& pool) : pool_(&pool) {}

  bool held() const { return static_cast<bool>(block_); }
  void ensure() {
    if (!block_) {
      block_ = pool_->acquire();
      begin_ = end_ = 0;
    }
  }
  /// Gives the block back when it holds no unread bytes.
  void release_if_empty() {
    if (block_ && begin_ == end_) {
      pool_->release(std::move(block_));
      begin_ = end_ = 0;
    }
  }
  char* data() { return block_.get() + begin_; }
  size_t size() const { return end_ - begin_; }
  bool empty() const { return begin_ == end_; }
  void consume(size_t n) {
    begin_ += n;
    if (begin_ == end_) {
      begin_ = end_ = 0;
    }
  }
  /// Free space after the unread bytes; compacts first when that helps.
  char* space() { return block_.get() + end_; }
  size_t space_size() const { return pool_->block_size() - end_; }
  void compact() {
    if (begin_ > 0) {
      std::memmove(block_.get(), block_.get() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
  }
  void commit(size_t n) { end_ += n; }
  size_t capacity() const { return pool_->block_size(); }

 private:
  BufferPool* pool_ = nullptr;
  std::unique_ptr<char[]> block_;
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace mcplb::core
