#pragma once
// One downstream HTTP/1.1 connection and the requests it carries, read top to bottom in
// run(): read head -> route -> pick -> send head and body upstream -> relay the response ->
// keep-alive? Timeouts are deadlines swept by the worker tick (no timer per request).

#include <chrono>
#include <cstdint>
#include <optional>

#include "core/buffer_pool.h"
#include "core/cidr.h"
#include "net/asio.h"
#include "net/http1_parser.h"
#include "mcp/error.h"
#include "proxy/head_writer.h"
#include "proxy/request_record.h"
#include "proxy/upstream_pool.h"
#include "proxy/worker.h"

namespace mcplb::proxy {

/// Wall-clock seconds: what session tokens, sticky cookies and JWT expiry are stamped with.
inline int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// An answer mcplb gives itself instead of a backend's (refusals and proxy errors).
struct McpRefusal {
  mcp::ErrorKind kind;
  std::string_view message;
  std::string_view id;  // JSON text of the request id, "null" when unknown
};

class Connection {
 public:
  Connection(Worker& w, net::Socket sock, ListenerShared* listener);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  net::Task<void> run();

  // --- called by the worker's sweep (same thread) ---
  Clock::time_point deadline() const { return deadline_; }
  void on_deadline();
  /// For long streams: notices a client that went away while the backend is silent.
  void check_client_gone();
  /// The client closed or reset its side (peeks; consumes nothing).
  bool client_gone();
  /// Worker is draining: close if idle between requests, end streams.
  void on_drain();
  bool streaming() const { return phase_ == Phase::stream_wait; }
  /// The stream's backend is draining and past its deadline.
  bool backend_drained_out(int64_t now) const {
    return pool_ >= 0 && up_ &&
           pool::drained_out(*w_.pools[static_cast<size_t>(pool_)].rt->backends[backend_], now);
  }

  Connection* prev = nullptr;
  Connection* next = nullptr;

 private:
  enum class Phase : uint8_t {
    idle,           // keep-alive: waiting for the first byte of a request
    head,           // reading the rest of the request head
    body_in,        // reading the request body from the client
    connect,        // opening an upstream connection
    upstream_send,  // writing to the backend
    response_wait,  // waiting for the response head
    body_out,       // relaying a response body
    stream_wait,    // text/event-stream with nothing to relay right now
    client_send,    // writing to the client
  };
  enum class Stop : uint8_t { none, timeout, drain, peer_gone };

  net::Task<bool> serve_one();
  net::Task<bool> read_head();
  net::Task<bool> forward_request();
  net::Task<bool> open_upstream(WorkerPool& wp, bool fresh);
  net::Task<bool> send_request_start();
  net::Task<bool> relay_body_in();
  /// nullopt when the response head is ready in out_/resp_; otherwise an error was already
  /// answered and the value says whether the client connection may be kept.
  net::Task<std::optional<bool>> read_response_head(WorkerPool& wp);
  net::Task<bool> relay_response(WorkerPool& wp);
  net::Task<bool> relay_body_out(bool stream);
  /// Cancels the client watch of an idle stream and waits until its handler has run.
  net::Task<void> end_client_watch();

  net::Task<boost::system::error_code> send(net::Socket& s, const char* a, size_t an,
                                            const char* b = nullptr, size_t bn = 0);
  /// Sends an mcplb-made JSON-RPC error response (src/mcp/error.h maps the kind to the
  /// status); false when the connection must close.
  net::Task<bool> reply_error(const McpRefusal& r, bool close);
  net::Task<bool> reply_parse_error(net::HeadError kind);

  // --- MCP layer (connection_mcp.cc); all synchronous, right after the head is parsed ---
  /// Inspects a JSON POST body; refuses malformed JSON-RPC and stateless header mismatches.
  std::optional<McpRefusal> inspect_mcp();
  RouteQuery route_query(std::string_view host) const;
  /// Counts the request by MCP method and tool (worker counters); returns q.
  const RouteQuery& count_mcp(const RouteQuery& q);
  /// A request header's value by name (case-insensitive); empty when absent.
  std::string_view find_header(std::string_view name) const;
  net::Task<bool> reply_preflight(std::string_view origin);
  /// Sends a complete response mcplb wrote itself; false when the connection must close.
  net::Task<bool> send_own_response(const std::string& text, bool close);
  /// Opens a session token (Mcp-Session-Id, or the old transport's sessionId parameter) and
  /// pins the request to the backend named in it.
  std::optional<McpRefusal> pin_session(const PoolRt& pool);
  void write_target(HeadWriter& h);
  bool write_session_header(HeadWriter& h, std::string_view name, std::string_view backend_id);
  /// Counts a new session on backend_ (unless the policy already did) until it is known
  /// whether the response created one.
  void hold_session(const PoolRt& pool, bool claimed);
  void release_session();
  void count_session(unsigned status);
  /// PickContext::hash for hash/ip_hash pools; reads the head (call before yielding).
  std::optional<uint64_t> placement_hash(const PoolRt& pool);
  /// The backend a valid sticky cookie names, -1 when none (call before yielding).
  int sticky_backend(const PoolRt& pool);
  bool write_sticky_cookie(HeadWriter& h);
  /// Reads more of a JSON body before routing (bounded by mcp.max_inspect_bytes and the
  /// buffer), then parses the head again: the worker's field scratch is stale after a wait.
  net::Task<bool> peek_body();
  /// Relays an old-transport SSE stream, sealing the session id in its `endpoint` event.
  net::Task<bool> relay_endpoint_stream();
  /// Request line and forwarded fields into hdr_; written once, before anything yields.
  bool build_upstream_prefix();
  /// The per-backend end of the upstream head (Host when rewritten, final CRLF).
  bool finish_upstream_head(const PoolRt& pool);
  bool build_response_head(bool close, bool& stream);
  void arm(config::Duration d) { deadline_ = w_.now + d; }
  int64_t now_ns() const { return std::chrono::nanoseconds(w_.now.time_since_epoch()).count(); }
  /// Counts a failed exchange with backend_ (stats and passive health).
  void fail_backend(std::string_view what);
  /// Returns the upstream connection to its pool (reusable) or closes it.
  void finish_upstream(bool reusable);
  void close_client();
  // --- failover and retries (connection_failover.cc) ---
  /// The session's backend is down, ejected or drained out: the session must move.
  bool session_backend_gone(const pool::Backend& b) const;
  /// Opens the pinned session again on another backend (replaying its initialize) and points
  /// the request there; false when it cannot (failover off, no record, no backend took it).
  net::Task<bool> fail_over(WorkerPool& wp, std::string_view why);
  /// Parses the request head again after a wait (the field scratch is the worker's).
  void reparse_head();
  /// The client's headers for a replayed initialize: its own minus the per-request ones.
  std::string replay_head(const PoolRt& pool, size_t backend);
  /// A request that failed after it was sent may run again elsewhere: safe method or tool,
  /// whole in our buffer, and within the retry budget. Takes a budget slot.
  bool may_retry(WorkerPool& wp);
  void end_retry(const PoolRt& pool);
  /// Learns tool annotations from the tools/list answer captured in tools_body_.
  void learn_tools(const PoolRt& pool, bool event_stream);

  // --- overload (connection.cc) ---
  /// Waits (bounded by overload.queue and queue_timeout) until the pinned backend, or any
  /// ready backend, is below overload.max_in_flight; false = answer 503.
  net::Task<bool> wait_for_capacity(const PoolRt& pool);
  /// Counts the request against backend b's max_in_flight; false when b is full.
  bool take_limit(pool::Backend& b, uint32_t limit);
  void release_limit();

  /// Hands rec_ to the worker's metrics and access log (connection_record.cc).
  void end_request();

  Worker& w_;
  net::Socket client_;
  ListenerShared* listener_;
  core::IoBuffer in_;   // bytes from the client
  core::IoBuffer out_;  // bytes from the backend
  core::IoBuffer hdr_;  // rewritten heads
  size_t hdr_len_ = 0;        // request head bytes at the front of in_
  size_t body_used_ = 0;      // request body bytes after them, parsed and sent with the head
  size_t prefix_len_ = 0;     // upstream head bytes in hdr_ before the per-backend end
  size_t head_out_len_ = 0;   // full head bytes in hdr_ (upstream request or client response)
  size_t hdr_len_resp_ = 0;   // response head bytes at the front of out_
  size_t sent_ahead_ = 0;  // bytes at the front of a buffer already relayed, not yet parsed
  std::optional<net::RequestParser> req_;
  std::optional<net::ResponseParser> resp_;
  std::unique_ptr<UpstreamConn> up_;
  int pool_ = -1;
  size_t backend_ = 0;
  pool::WorkerSlot* slot_ = nullptr;
  Clock::time_point deadline_ = Clock::time_point::max();
  uint32_t requests_ = 0;
  Phase phase_ = Phase::idle;
  Stop stop_ = Stop::none;
  bool response_started_ = false;
  bool in_flight_ = false;
  bool mcp_initialize_ = false;  // this request is an MCP initialize (counts a new session)
  bool mcp_delete_ = false;      // this request ends a pinned session
  bool inspected_ = false;       // w_.inspection describes this request's body
  int pinned_ = -1;              // backend fixed by a session token, -1 = the policy picks
  std::optional<net::Span> rewrite_query_;  // sessionId value in the target to replace
  std::string_view path_;        // request path (into in_), valid while the head is there
  bool old_sse_ = false;         // GET on mcp.sse_path: the response names a session URL
  std::string cors_headers_;     // added to this request's response (empty: CORS not in play)
  pool::Backend* session_claim_ = nullptr;  // counted a new session not yet confirmed
  bool set_sticky_ = false;
  bool unsent_ = false;          // the backend died before reading the request: pick again      // the response sets the pool's sticky cookie for backend_
  Clock::time_point sent_at_;    // request sent upstream (only for latency-scoring policies)
  bool replay_ok_ = false;  // whole request still in our buffers: a stale reuse can be retried
  char tail_[32];          // relayed-but-unparsed bytes of an idle stream (see relay_body_out)
  uint8_t tail_len_ = 0;
  RequestRecord rec_;
  // Failover (pools with failover.sessions: reinitialize): the session the token names, the
  // id to send when the session moved, and the client's initialize until its answer.
  std::string origin_backend_;
  std::string origin_sid_;
  std::string moved_sid_;
  std::optional<SessionStore::Location> moved_from_;
  std::string init_body_;
  std::string tools_body_;     // a tools/list answer being read for tool annotations
  bool need_failover_ = false;  // the pinned backend is gone: move the session first
  bool failed_over_ = false;    // moved once for this request (never twice)
  bool retry_ = false;          // failed after it was sent, and safe to run elsewhere
  bool retry_slot_ = false;     // holds a slot of the pool's retry budget
  pool::Backend* limit_held_ = nullptr;  // counted in this backend's `limited`
  bool client_watch_armed_ = false;  // a wait for client bytes is pending (idle stream)
  bool client_readable_ = false;     // that wait completed: the client sent or closed
  bool dechunk_ = false;        // HTTP/1.0 client, chunked response: relay it decoded
  std::string dechunked_;       // decoded body bytes not yet sent (dechunk_ only)
  core::Ip16 peer_ip_{};  // IPv4 as IPv4-mapped
  char client_ip_[48] = {0};
  uint8_t client_ip_len_ = 0;
};

}  // namespace mcplb::proxy
