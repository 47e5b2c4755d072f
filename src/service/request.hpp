// What one request needs and leaves behind: the shared service state it may
// use, and the record the server turns into the request's log line.
#pragma once

#include "common/result.hpp"

#include <optional>
#include <string>

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

    void reset()
    {
        operation = "-";
        account = "-";
        error.reset();
    }
};

} // namespace ocs::service
