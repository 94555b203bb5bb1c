#pragma once
// Concrete Asio types used by every file of the demo server: one io_context per worker
// thread, so executors are io_context executors (no type erasure on the hot path).

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <string>

namespace mcplb::demo {

namespace asio = boost::asio;
using ErrorCode = boost::system::error_code;
using Executor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<asio::ip::tcp, Executor>;
using Acceptor = asio::basic_socket_acceptor<asio::ip::tcp, Executor>;
using Timer = asio::basic_waitable_timer<std::chrono::steady_clock,
                                         asio::wait_traits<std::chrono::steady_clock>, Executor>;
template <typename T>
using Task = asio::awaitable<T, Executor>;

/// Completion token: results as a tuple whose first element is the error code (never throws).
inline constexpr auto nothrow = asio::as_tuple(asio::use_awaitable_t<Executor>{});

/// Thread-safe queue of ready-to-write SSE frames; an empty string marks the end of the stream.
using FrameChannel = asio::experimental::concurrent_channel<Executor, void(ErrorCode, std::string)>;

}  // namespace mcplb::demo
