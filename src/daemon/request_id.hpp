// Request ids: 16 lowercase hex digits, given to every request the daemon
// reads, written at the end of each log line the request causes and sent
// back in the X-Request-Id header so an operator can find a client's request
// in the log.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace ocs::daemon {

// Ids count up from a random 64-bit starting point: unique within one run,
// and unlikely to repeat those of an earlier run in the same log. Shared by
// the workers; next() is one atomic add.
class RequestIds {
  public:
    RequestIds();
    std::string next();

  private:
    std::atomic<std::uint64_t> next_;
};

} // namespace ocs::daemon
