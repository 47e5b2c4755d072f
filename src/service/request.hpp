// What one request needs and leaves behind: the shared service state it may
// use, and the record the server turns into the request's log line.
#pragma once

#include "common/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ocs {
struct Config;
namespace auth {
class Authenticator;
}
namespace queue {
class EventRouter;
}
} // namespace ocs

namespace ocs::service {

// Built once by the daemon's main and shared by every worker.
struct Dependencies {
    auth::Authenticator& authenticator;
    queue::EventRouter& router;
    const Config& config;
};

// Filled while a request is served; read by the server for the log line.
struct RequestRecord {
    std::string peer; // the client's address; set per connection
    std::string operation = "-";
    std::string account = "-";
    std::optional<Error> error;
    // NewMail and Notify: what became of each event the request reported.
    std::uint32_t queued = 0;     // status "queued" (with or without a queue wanting it)
    std::uint32_t duplicates = 0; // status "duplicate"
    std::vector<ErrorCode> refused;

    void reset()
    {
        operation = "-";
        account = "-";
        error.reset();
        queued = 0;
        duplicates = 0;
        refused.clear();
    }
};

} // namespace ocs::service
