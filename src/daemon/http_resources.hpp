// The plain-HTTP side of the port: GET/HEAD for the contract and /health,
// and a 405 for the methods SOAP does not use.
#pragma once

#include "service/request.hpp"

#include <atomic>
#include <string>

struct soap;

namespace ocs::daemon {

class Metrics;
class Worker;

// What the HTTP handlers of one worker context need; soap->user points to it.
struct HttpContext {
    service::RequestRecord* record = nullptr;
    service::Dependencies* deps = nullptr;
    std::string scheme;             // "http" or "https"
    std::string defaultAuthority;   // host:port to use when Host is unusable
    Worker* worker = nullptr;       // the worker that owns the context
    const Metrics* metrics = nullptr; // GET /metrics; null: not served (404)
};

// Installs fget, fhead, fput, fpatch, fdel and fopt on the context.
void installHttpHandlers(struct soap* soap, HttpContext& context);

} // namespace ocs::daemon
