// The end of a request: what it did goes to the worker's metrics and access log.

#include "proxy/connection.h"

namespace mcplb::proxy {

void Connection::end_request() {
  rec_.pool = pool_;
}

}  // namespace mcplb::proxy
